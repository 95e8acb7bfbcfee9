using System.Net;
using System.Net.Sockets;
using System.Text;
using Router.Health.Checks.Resp;

namespace Router.Health.Tests.Checks.Resp;

public sealed class RespConnectionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ExecuteAsync_ReplyArrivesOneByteAtATime_ReadsWholeReply()
    {
        // Arrange
        using var timeout = new CancellationTokenSource(Bound);
        var (client, server) = await ConnectedPairAsync();
        using var connection = RespConnection.Over(client);
        using var _ = server;

        // Act
        var execute = connection.ExecuteAsync(["GET", "k"], timeout.Token);
        byte[] request = await ReceiveAsync(server, "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".Length, timeout.Token);
        foreach (byte b in "$12\r\nhello\r\nworld\r\n"u8.ToArray())
        {
            await server.SendAsync(new[] { b }, SocketFlags.None, timeout.Token);
        }

        var reply = await execute;

        // Assert
        Assert.Equal("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", Encoding.ASCII.GetString(request));
        Assert.Equal("hello\r\nworld"u8.ToArray(), reply.Bulk);
    }

    [Fact]
    public async Task ReadReplyAsync_TwoRepliesInOneSegment_ReturnsThemInOrder()
    {
        using var timeout = new CancellationTokenSource(Bound);
        var (client, server) = await ConnectedPairAsync();
        using var connection = RespConnection.Over(client);
        using var _ = server;

        await server.SendAsync("+OK\r\n:42\r\n"u8.ToArray(), SocketFlags.None, timeout.Token);

        Assert.True((await connection.ReadReplyAsync(timeout.Token)).IsSimpleString("OK"));
        Assert.Equal(42, (await connection.ReadReplyAsync(timeout.Token)).Integer);
    }

    [Fact]
    public async Task ReadReplyAsync_ServerClosesMidReply_ThrowsIOException()
    {
        using var timeout = new CancellationTokenSource(Bound);
        var (client, server) = await ConnectedPairAsync();
        using var connection = RespConnection.Over(client);

        await server.SendAsync("$10\r\nhel"u8.ToArray(), SocketFlags.None, timeout.Token);
        server.Shutdown(SocketShutdown.Both);
        server.Dispose();

        var exception = await Assert.ThrowsAsync<IOException>(() => connection.ReadReplyAsync(timeout.Token));
        Assert.Contains("in the middle of a reply", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadReplyAsync_GarbageReply_ThrowsProtocolException()
    {
        using var timeout = new CancellationTokenSource(Bound);
        var (client, server) = await ConnectedPairAsync();
        using var connection = RespConnection.Over(client);
        using var _ = server;

        await server.SendAsync("HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray(), SocketFlags.None, timeout.Token);

        await Assert.ThrowsAsync<RespProtocolException>(() => connection.ReadReplyAsync(timeout.Token));
    }

    [Fact]
    public async Task ReadReplyAsync_SilentServer_StopsAtTheToken()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var (client, server) = await ConnectedPairAsync();
        using var connection = RespConnection.Over(client);
        using var _ = server;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connection.ReadReplyAsync(timeout.Token));
    }

    private static async Task<(Socket Client, Socket Server)> ConnectedPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await listener.AcceptAsync();
        return (client, server);
    }

    private static async Task<byte[]> ReceiveAsync(Socket socket, int count, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return buffer[..read];
    }
}
