using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Router.Health.Checks;
using Router.Health.Tests.Infrastructure;
using Router.Testing;

namespace Router.Health.Tests.Checks;

/// <summary>Redis checks against a real redis-server per test (each test breaks its own).</summary>
public sealed class RedisCheckTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task CheckAsync_HealthyServer_SuccessAndProbeKeyExpires()
    {
        // Arrange
        await using var redis = await RedisServer.StartAsync();
        var check = Create(redis.Endpoint);

        // Act
        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert: the round trip left one key of ours, with an expiry of at most 30 s.
        Assert.Equal(CheckOutcome.Success, result.Outcome);
        string key = await redis.CommandAsync("--scan", "--pattern", "router:health:*");
        Assert.Matches("^router:health:[0-9a-f]{32}$", key);
        long ttl = long.Parse(await redis.CommandAsync("PTTL", key), CultureInfo.InvariantCulture);
        Assert.InRange(ttl, 1, 30_000);
    }

    [Fact]
    public async Task CheckAsync_RightPassword_Success()
    {
        await using var redis = await RedisServer.StartAsync(password: "cache-secret");
        var check = Create(redis.Endpoint, "cache-secret");

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Success, result.Outcome);
    }

    [Fact]
    public async Task CheckAsync_WrongPassword_FailureWithServerText()
    {
        await using var redis = await RedisServer.StartAsync(password: "cache-secret");
        var check = Create(redis.Endpoint, "rotated");

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.StartsWith("AUTH failed: WRONGPASS", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_PasswordMissing_FailureNoAuth()
    {
        await using var redis = await RedisServer.StartAsync(password: "cache-secret");
        var check = Create(redis.Endpoint);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.StartsWith("PING failed: NOAUTH", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_ServerStoppedThenStarted_RefusedThenSuccess()
    {
        // Arrange
        await using var redis = await RedisServer.StartAsync();
        var check = Create(redis.Endpoint);

        // Act
        await redis.StopAsync();
        var down = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);
        await redis.RestartAsync();
        var up = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckOutcome.Failure, down.Outcome);
        Assert.Equal("connection refused", down.Error);
        Assert.Equal(CheckOutcome.Success, up.Outcome);
    }

    [Fact]
    public async Task CheckAsync_ServerPaused_FailsWithinTheTimeout()
    {
        // Arrange: SIGSTOP; the kernel still completes the TCP handshake, nothing answers PING.
        await using var redis = await RedisServer.StartAsync();
        var check = Create(redis.Endpoint);
        await redis.PauseAsync();
        try
        {
            // Act
            long before = TimeProvider.System.GetTimestamp();
            var result = await check.CheckAsync(TimeSpan.FromSeconds(1), CancellationToken.None).WaitAsync(Bound);
            var elapsed = TimeProvider.System.GetElapsedTime(before);

            // Assert
            Assert.Equal(CheckOutcome.Failure, result.Outcome);
            Assert.Equal("timed out after 1 s", result.Error);
            Assert.InRange(elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(5));
        }
        finally
        {
            await redis.ResumeAsync();
        }
    }

    [Fact]
    public async Task PauseAsync_ReplyAlreadyInTheSocket_ReadAfterTheStop()
    {
        // Arrange: a probe in flight when the pause lands (as in the live tests, which probe on an interval): PING sent
        // and answered, the answer not read yet. Why a stopped redis can seem to answer: the kernel holds the reply.
        await using var redis = await RedisServer.StartAsync();
        using var inFlight = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await inFlight.ConnectAsync(new IPEndPoint(IPAddress.Loopback, redis.Port));
        await inFlight.SendAsync("PING\r\n"u8.ToArray());
        await Poll.UntilAsync(() => inFlight.Available > 0, "the PONG in the receive buffer");
        await redis.PauseAsync();
        try
        {
            // Act
            byte[] buffer = new byte[64];
            int read = await inFlight.ReceiveAsync(buffer).WaitAsync(Bound);
            var fresh = await Create(redis.Endpoint).CheckAsync(TimeSpan.FromSeconds(1), CancellationToken.None).WaitAsync(Bound);

            // Assert: the reply sent before the stop arrives after it; a probe started after the stop times out.
            Assert.Equal("+PONG\r\n", System.Text.Encoding.ASCII.GetString(buffer, 0, read));
            Assert.Equal((CheckOutcome.Failure, "timed out after 1 s"), (fresh.Outcome, fresh.Error));
        }
        finally
        {
            await redis.ResumeAsync();
        }
    }

    [Fact]
    public async Task CheckAsync_ReadOnlyReplica_FailureWithServerText()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.MakeReadOnlyAsync();
        var check = Create(redis.Endpoint);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("SET failed: READONLY You can't write against a read only replica.", result.Error);
    }

    [Fact]
    public async Task CheckAsync_OutOfMemory_FailureWithServerText()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.MakeOutOfMemoryAsync();
        var check = Create(redis.Endpoint);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.StartsWith("SET failed: OOM command not allowed", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HTTP/1.1 400 Bad Request\r\n\r\n", "invalid reply: unknown reply type byte 0x48")]
    [InlineData("$99999999999\r\n", "invalid reply: bulk string length 99999999999 exceeds the limit of 1048576")]
    [InlineData("+OK\r\n", "unexpected reply to PING: +OK")]
    [InlineData("-ERR unknown command 'PING'\r\n", "PING failed: ERR unknown command 'PING'")]
    [InlineData("", "connection closed by the server")]
    public async Task CheckAsync_ServerMisbehaves_FailureSaysHow(string reply, string expected)
    {
        // Arrange: something on the port that is not a healthy Redis.
        await using var fake = FakeServer.Start(reply);
        var check = Create(fake.Endpoint);

        // Act
        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal(expected, result.Error);
    }

    private static RedisCheck Create(string endpoint, string? password = null)
    {
        Assert.True(HostEndpoint.TryParse(endpoint, out var parsed));
        return new RedisCheck(parsed, password, TimeProvider.System);
    }

    /// <summary>Accepts one connection, answers its first command with a fixed reply and closes it.</summary>
    private sealed class FakeServer : IAsyncDisposable
    {
        private readonly Socket _listener;
        private readonly Task _loop;

        private FakeServer(Socket listener, string reply)
        {
            _listener = listener;
            _loop = ServeAsync(reply);
        }

        public string Endpoint => ((IPEndPoint)_listener.LocalEndPoint!).ToString();

        public static FakeServer Start(string reply)
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(4);
            return new FakeServer(listener, reply);
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Dispose();
            await _loop.WaitAsync(Bound);
        }

        private async Task ServeAsync(string reply)
        {
            try
            {
                using var connection = await _listener.AcceptAsync();
                byte[] buffer = new byte[1024];
                await connection.ReceiveAsync(buffer, SocketFlags.None);
                await connection.SendAsync(System.Text.Encoding.ASCII.GetBytes(reply), SocketFlags.None);
                connection.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The listener was disposed before a client came.
            }
        }
    }
}
