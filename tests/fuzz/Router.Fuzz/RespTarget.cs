using System.Net.Sockets;
using Router.Health.Checks.Resp;

namespace Router.Fuzz;

/// <summary>
/// The RESP2 reader, alone and inside <see cref="RespConnection"/> (its receive buffer) as <c>RedisCheck</c> uses it.
/// <see cref="RespReader.TryRead"/> is documented never to throw; the connection may throw only what
/// <c>RedisCheck</c> turns into a failure reason: <see cref="RespProtocolException"/>, <see cref="IOException"/>,
/// <see cref="SocketException"/>.
/// </summary>
/// <remarks>
/// Invariants: a complete reply consumes 1..n bytes and every proper prefix of it is <see cref="RespReadStatus.Incomplete"/>
/// (the connection waits for more instead of failing on a reply split across reads); an invalid input says why.
/// </remarks>
internal static class RespTarget
{
    /// <summary>Replies longer than this have only some of their prefixes checked, to keep executions fast.</summary>
    private const int AllPrefixesUpTo = 512;

    public static void Run(byte[] input)
    {
        ReadReplies(input);
        ReadThroughConnection(input);
    }

    private static void ReadReplies(ReadOnlySpan<byte> input)
    {
        while (true)
        {
            var status = RespReader.TryRead(input, out var value, out int consumed, out string? error);
            switch (status)
            {
                case RespReadStatus.Complete:
                    FuzzInvariantException.Check(value is not null && consumed >= 1 && consumed <= input.Length, $"complete with {consumed} bytes consumed");
                    _ = value!.ToString();
                    _ = value.IsNull;
                    CheckPrefixesIncomplete(input[..consumed]);
                    input = input[consumed..];
                    break;
                case RespReadStatus.Invalid:
                    FuzzInvariantException.Check(!string.IsNullOrEmpty(error) && value is null && consumed == 0, "invalid without a reason");
                    return;
                default:
                    FuzzInvariantException.Check(value is null && consumed == 0, "incomplete with a value");
                    return;
            }
        }
    }

    private static void CheckPrefixesIncomplete(ReadOnlySpan<byte> reply)
    {
        int step = reply.Length <= AllPrefixesUpTo ? 1 : (reply.Length / AllPrefixesUpTo) + 1;
        for (int length = 0; length < reply.Length; length += step)
        {
            var status = RespReader.TryRead(reply[..length], out _, out _, out string? error);
            FuzzInvariantException.Check(status == RespReadStatus.Incomplete,
                $"the first {length} of the {reply.Length} bytes of a complete reply read as {status} ({error})");
        }
    }

    private static void ReadThroughConnection(byte[] input)
    {
        var (server, client) = UnixSocketPair.Create();
        using (server)
        using (var connection = RespConnection.Over(client))
        {
            var send = UnixSocketPair.SendAndShutdownAsync(server, input);

            // At most one reply per input byte: the loop ends with the server's close (IOException) or invalid data.
            for (int i = 0; i <= input.Length; i++)
            {
                try
                {
                    var value = connection.ReadReplyAsync(CancellationToken.None).GetAwaiter().GetResult();
                    _ = value.ToString();
                }
                catch (Exception ex) when (ex is RespProtocolException or IOException or SocketException)
                {
                    break;
                }
            }

            send.GetAwaiter().GetResult();
        }
    }
}
