using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Router.Dns.Server.Diagnostics;
using Router.Dns.Server.Tests.Infrastructure;
using Router.Testing;
using Router.Testing.Dns;

namespace Router.Dns.Server.Tests.Integration;

/// <summary>
/// RFC 7766 connection handling: several queries per connection (pipelining), an idle timeout, and a connection
/// limit at which the connection idle the longest makes room, so slow or half-open clients cannot lock others out.
/// The idle timer runs on the server's <see cref="TimeProvider"/>: with a <see cref="FakeTimeProvider"/> the test
/// decides when it fires.
/// </summary>
public sealed class TcpConnectionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Tcp_ConnectionLimitFilledByIdleClients_NewClientAnsweredAndOldestEvicted()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        var options = TestDnsServer.Options(TestZones.Example());
        options.Tcp = new() { MaxConnections = 8, IdleTimeoutSeconds = 1 };
        await using var server = await TestDnsServer.StartAsync(options, clock);
        using var open = server.Collect(DnsTelemetryNames.TcpConnections);
        using var evicted = server.Collect(DnsTelemetryNames.TcpEvicted);
        var idle = new List<Socket>();
        try
        {
            // 1. Twelve clients that never send a whole query: six silent, six with one octet of a length prefix.
            for (int i = 0; i < 12; i++)
            {
                var socket = await RawDns.ConnectTcpAsync(server.EndPoint);
                idle.Add(socket);
                if (i % 2 == 1)
                {
                    await socket.SendAsync(new byte[] { 0 }, SocketFlags.None);
                }
            }

            await Poll.UntilAsync(() => open.GetMeasurementSnapshot().EvaluateAsCounter() == 8 && evicted.GetMeasurementSnapshot().EvaluateAsCounter() == 4, "8 open connections after 4 evictions");

            // 2. A real client still gets in (the clock has not moved: no idle timeout has fired).
            var tcp = await DnsTools.QueryAsync(DnsClientTool.Dig, server.EndPoint, "www.example.test", "A", tcp: true);
            var udp = await DnsTools.QueryAsync(DnsClientTool.Dig, server.EndPoint, "www.example.test", "A", tcp: false);

            // Assert
            Assert.True(tcp.Status == "NOERROR" && tcp.Transport == "TCP", tcp.ToString());
            Assert.Equal("192.0.2.1", Assert.Single(tcp.Answer).Data);
            Assert.True(udp.Status == "NOERROR" && udp.Transport == "UDP", udp.ToString());
            Assert.Equal(5, evicted.GetMeasurementSnapshot().EvaluateAsCounter());
            bool[] closed = await Task.WhenAll(idle.Select(s => RawDns.WaitForCloseAsync(s, TimeSpan.FromSeconds(2))));
            Assert.Equal(5, closed.Count(c => c));
            Assert.Contains(server.Logs.GetSnapshot(), e => e.Id.Name == "TcpConnectionLimitReached");
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Tcp_IdleTimeoutElapses_IdleAndHalfOpenConnectionsClosed()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        var options = TestDnsServer.Options(TestZones.Example());
        options.Tcp = new() { MaxConnections = 8, IdleTimeoutSeconds = 1 };
        await using var server = await TestDnsServer.StartAsync(options, clock);
        using var open = server.Collect(DnsTelemetryNames.TcpConnections);
        using var silent = await RawDns.ConnectTcpAsync(server.EndPoint);
        using var halfPrefix = await RawDns.ConnectTcpAsync(server.EndPoint);
        using var served = await RawDns.ConnectTcpAsync(server.EndPoint);
        await halfPrefix.SendAsync(new byte[] { 0 }, SocketFlags.None);
        await RawDns.SendAllAsync(served, RawDns.Frame(RawDns.QueryBytes("www.example.test", DnsRecordType.A, id: 5)));
        Assert.NotNull(await RawDns.ReadFramedAsync(served));
        await Poll.UntilAsync(() => open.GetMeasurementSnapshot().EvaluateAsCounter() == 3, "3 open connections");

        // Act 1: not yet idle for a whole second.
        clock.Advance(TimeSpan.FromMilliseconds(900));
        bool closedEarly = await RawDns.WaitForCloseAsync(silent, TimeSpan.FromMilliseconds(200));

        // Act 2: past the idle timeout.
        clock.Advance(TimeSpan.FromMilliseconds(200));
        bool[] closed = await Task.WhenAll(new[] { silent, halfPrefix, served }.Select(s => RawDns.WaitForCloseAsync(s, Deadline)));

        // Assert
        Assert.False(closedEarly, "A connection was closed before its idle timeout.");
        Assert.Equal([true, true, true], closed);
        await Poll.UntilAsync(() => open.GetMeasurementSnapshot().EvaluateAsCounter() == 0, "every connection closed");
    }

    [Fact]
    public async Task Tcp_IdleTimeoutOnRealClock_ConnectionClosedWithinBound()
    {
        // Arrange
        var options = TestDnsServer.Options(TestZones.Example());
        options.Tcp = new() { IdleTimeoutSeconds = 1 };
        await using var server = await TestDnsServer.StartAsync(options);
        using var socket = await RawDns.ConnectTcpAsync(server.EndPoint);
        long started = TimeProvider.System.GetTimestamp();

        // Act
        bool closed = await RawDns.WaitForCloseAsync(socket, TimeSpan.FromSeconds(6));
        var elapsed = TimeProvider.System.GetElapsedTime(started);

        // Assert
        Assert.True(closed, "The idle connection was still open after 6 s.");
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(6));
    }

    [Fact]
    public async Task Tcp_ClientSendsButNeverReads_OthersServedAndConnectionClosedAtIdleTimeout()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        var options = TestDnsServer.Options(TestZones.Example());
        options.Tcp = new() { IdleTimeoutSeconds = 1 };
        await using var server = await TestDnsServer.StartAsync(options, clock);
        using var open = server.Collect(DnsTelemetryNames.TcpConnections);
        using var greedy = await RawDns.ConnectTcpAsync(server.EndPoint);
        byte[] query = RawDns.Frame(RawDns.QueryBytes("big.example.test", DnsRecordType.A));
        byte[] burst = [.. Enumerable.Range(0, 2000).SelectMany(_ => query)];

        // Act 1: ~3 MB of answers that nobody reads; the server's writes to this client block.
        using var sendDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            await greedy.SendAsync(burst, SocketFlags.None, sendDeadline.Token);
        }
        catch (OperationCanceledException)
        {
            // Our own send buffer filled up once the server stopped reading: expected.
        }

        // Served at all, not how soon: dig's own wait (2 s by default) would include its start-up and, on a loaded
        // machine, the server's time spent on the burst; 10 s only ends a hung query.
        var other = await DnsTools.QueryAsync(DnsClientTool.Dig, server.EndPoint, "www.example.test", "A", tcp: true, "+time=10");
        var otherUdp = await DnsTools.QueryAsync(DnsClientTool.Dig, server.EndPoint, "www.example.test", "A", tcp: false, "+time=10");
        await Poll.UntilAsync(() => open.GetMeasurementSnapshot().EvaluateAsCounter() == 1, "only the greedy connection open");

        // Act 2: past the idle timeout (a blocked write is not activity). The server closes its end; the kernel may
        // still be trying to deliver the answers it had accepted, so the server's own count is what is checked.
        clock.Advance(TimeSpan.FromSeconds(2));

        // Assert
        Assert.True(other.Status == "NOERROR", other.ToString());
        Assert.True(otherUdp.Status == "NOERROR", otherUdp.ToString());
        await Poll.UntilAsync(() => open.GetMeasurementSnapshot().EvaluateAsCounter() == 0, "the greedy connection closed");
        Assert.Empty(server.Errors);
    }

    [Fact]
    public async Task Tcp_FiveQueriesPipelined_FiveAnswersMatchingIds()
    {
        // Arrange
        await using var server = await TestDnsServer.StartAsync(TestDnsServer.Options(TestZones.Example()));
        using var socket = await RawDns.ConnectTcpAsync(server.EndPoint);
        (ushort Id, string Name, DnsRecordType Type, DnsResponseCode Code, int Answers)[] queries =
        [
            (101, "www.example.test", DnsRecordType.A, DnsResponseCode.NoError, 1),
            (102, "www.example.test", DnsRecordType.AAAA, DnsResponseCode.NoError, 1),
            (103, "nope.example.test", DnsRecordType.A, DnsResponseCode.NameError, 0),
            (104, "big.example.test", DnsRecordType.A, DnsResponseCode.NoError, TestZones.BigRRsetSize),
            (105, "alias2.example.test", DnsRecordType.A, DnsResponseCode.NoError, 3),
        ];
        byte[] all = [.. queries.SelectMany(q => RawDns.Frame(RawDns.QueryBytes(q.Name, q.Type, q.Id)))];

        // Act: every query in one write.
        await RawDns.SendAllAsync(socket, all);
        var responses = new List<DnsMessage>();
        for (int i = 0; i < queries.Length; i++)
        {
            var response = await RawDns.ReadFramedAsync(socket);
            Assert.True(response is not null, $"Only {i} of {queries.Length} answers arrived.");
            responses.Add(RawDns.Parse(response));
        }

        // Assert
        Assert.Equal(queries.Select(q => q.Id).Order(), responses.Select(r => r.Id).Order());
        foreach (var query in queries)
        {
            var response = responses.Single(r => r.Id == query.Id);
            Assert.Equal(query.Name, response.Questions[0].Name.ToString().TrimEnd('.'));
            Assert.Equal((query.Code, query.Answers), (response.ResponseCode, response.Answers.Count));
        }
    }
}
