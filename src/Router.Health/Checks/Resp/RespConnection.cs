using System.Net.Sockets;

namespace Router.Health.Checks.Resp;

/// <summary>
/// One RESP2 connection: sends a command, reads exactly one reply. Not thread-safe; meant for one probe, then
/// disposed. Any exception leaves the connection unusable.
/// </summary>
/// <remarks>
/// The receive buffer grows with the data that really arrives, up to <see cref="MaxReplyBytes"/>, never with the
/// lengths a reply declares. Every wait observes the caller's token, which carries the probe's deadline.
/// </remarks>
internal sealed class RespConnection : IDisposable
{
    /// <summary>The largest reply accepted, whatever it is made of.</summary>
    public const int MaxReplyBytes = RespReader.MaxBulkLength + (64 * 1024);

    private const int InitialBufferSize = 4096;

    private readonly Socket _socket;
    private byte[] _buffer = new byte[InitialBufferSize];
    private int _start;
    private int _end;

    private RespConnection(Socket socket) => _socket = socket;

    /// <summary>Connects to <paramref name="endpoint"/>.</summary>
    public static async Task<RespConnection> ConnectAsync(HostEndpoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var socket = await endpoint.ConnectAsync(cancellationToken).ConfigureAwait(false);
        return new RespConnection(socket);
    }

    /// <summary>For tests: speaks RESP over an already connected socket.</summary>
    internal static RespConnection Over(Socket socket) => new(socket);

    /// <summary>
    /// Sends one command and returns its reply. An error reply (<c>-ERR ...</c>) is a value, not an exception;
    /// throws <see cref="RespProtocolException"/> for a reply that is not RESP2, <see cref="IOException"/> when the
    /// server closes the connection, <see cref="SocketException"/> for network errors.
    /// </summary>
    public async Task<RespValue> ExecuteAsync(string[] command, CancellationToken cancellationToken)
    {
        byte[] request = RespWriter.Command(command);
        int sent = 0;
        while (sent < request.Length)
        {
            sent += await _socket.SendAsync(request.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }

        return await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the next reply.</summary>
    public async Task<RespValue> ReadReplyAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = RespReader.TryRead(_buffer.AsSpan(_start, _end - _start), out var value, out int consumed, out string? error);
            if (status == RespReadStatus.Complete)
            {
                _start += consumed;
                return value!;
            }

            if (status == RespReadStatus.Invalid)
            {
                throw new RespProtocolException(error!);
            }

            MakeRoom();
            int received = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (received == 0)
            {
                throw new IOException(_end == _start
                    ? "connection closed by the server"
                    : "connection closed by the server in the middle of a reply");
            }

            _end += received;
        }
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>Ensures free space after <see cref="_end"/>: compacts, then grows up to <see cref="MaxReplyBytes"/>.</summary>
    private void MakeRoom()
    {
        int pending = _end - _start;
        if (_start > 0)
        {
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
            _start = 0;
            _end = pending;
        }

        if (_end < _buffer.Length)
        {
            return;
        }

        if (_buffer.Length >= MaxReplyBytes)
        {
            throw new RespProtocolException($"reply larger than {MaxReplyBytes} bytes");
        }

        Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxReplyBytes));
    }
}
