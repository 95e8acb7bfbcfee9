using System.Net.Sockets;

namespace Router.Fuzz;

/// <summary>
/// Connected stream sockets with no network in between (a Unix domain socket in the temporary directory), so code
/// that reads a <see cref="Socket"/> (TCP DNS framing, the RESP connection) is fed exactly the fuzzer's bytes.
/// </summary>
internal static class UnixSocketPair
{
    private static readonly Lazy<Socket> Listener = new(Listen);

    /// <summary>Returns the two ends of a new connection: the server's (accepted) and the client's.</summary>
    public static (Socket Server, Socket Client) Create()
    {
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            client.Connect(Listener.Value.LocalEndPoint!);
            return (Listener.Value.Accept(), client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Sends <paramref name="data"/> and closes the sending side, as a client that is done does.</summary>
    public static async Task SendAndShutdownAsync(Socket socket, ReadOnlyMemory<byte> data)
    {
        try
        {
            while (!data.IsEmpty)
            {
                int sent = await socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
                data = data[sent..];
            }

            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The other side closed first (it stopped reading the stream): the rest is not needed.
        }
    }

    /// <summary>Reads until the other side closes.</summary>
    public static async Task<byte[]> ReceiveAllAsync(Socket socket)
    {
        using var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (SocketException)
        {
            // A reset (the server aborts a connection it gave up on) ends the stream like a close.
        }

        return received.ToArray();
    }

    private static Socket Listen()
    {
        string path = Path.Combine(Path.GetTempPath(), $"router-fuzz-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(16);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return listener;
    }
}
