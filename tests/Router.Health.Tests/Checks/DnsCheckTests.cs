using System.Net;
using System.Net.Sockets;
using DnsClient;
using Microsoft.Extensions.Time.Testing;
using Router.Health.Checks;
using Router.Health.Tests.Infrastructure;

namespace Router.Health.Tests.Checks;

/// <summary>The Dns check's time, its classification of what went wrong, and the host's resolvers; no real DNS server.</summary>
public sealed class DnsCheckTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly IPEndPoint Server = new(IPAddress.Loopback, 5353);
    private static readonly DnsCheckSettings HostResolvers = new() { Name = "storage.registry.test." };

    [Fact]
    public async Task CheckAsync_SilentServerOnFakeClock_FailsWhenItsShareOfTheTimeoutHasPassed()
    {
        // Arrange: the waits run on the check's TimeProvider, so virtual time decides.
        var clock = new FakeTimeProvider();
        using var silent = DnsZoneFixture.BlackHole();
        var server = (IPEndPoint)silent.LocalEndPoint!;
        var check = new DnsCheck(HostResolvers with { Servers = [server] }, clock);

        // Act 1: the query is out, and 2.6 s later (of a 3 s timeout) still nothing.
        var running = check.CheckAsync(TimeSpan.FromSeconds(3), CancellationToken.None);
        Assert.True(await WaitForQueryAsync(silent), "the check sent no query");
        clock.Advance(TimeSpan.FromSeconds(2.6));
        await Task.Delay(TimeSpan.FromMilliseconds(100));
        bool doneEarly = running.IsCompleted;

        // Act 2: at 2.7 s, nine tenths of the timeout, the server's share is over.
        clock.Advance(TimeSpan.FromSeconds(0.1));
        var result = await running.WaitAsync(Bound);

        // Assert
        Assert.False(doneEarly, "the check gave up before the server's share of the timeout was over");
        Assert.Equal((CheckOutcome.Failure, $"no answer from {server} within 2.7 s"), (result.Outcome, result.Error));
        Assert.Equal(TimeSpan.FromSeconds(2.7), result.Duration);
    }

    [Fact]
    public async Task CheckAsync_CallerCancels_Throws()
    {
        // Arrange
        using var silent = DnsZoneFixture.BlackHole();
        var check = new DnsCheck(HostResolvers with { Servers = [(IPEndPoint)silent.LocalEndPoint!] }, TimeProvider.System);
        using var shutdown = new CancellationTokenSource();

        // Act
        var running = check.CheckAsync(TimeSpan.FromSeconds(30), shutdown.Token);
        Assert.True(await WaitForQueryAsync(silent), "the check sent no query");
        await shutdown.CancelAsync();

        // Assert: shutdown propagates (it is neither a failure nor inconclusive).
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Bound));
    }

    [Fact]
    public async Task CheckAsync_HostHasNoResolvers_Inconclusive()
    {
        var check = new DnsCheck(HostResolvers, TimeProvider.System, () => []);

        var result = await check.CheckAsync(TimeSpan.FromSeconds(1), CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(
            (CheckOutcome.Inconclusive, "the host has no DNS servers configured (/etc/resolv.conf); set Servers"),
            (result.Outcome, result.Error));
    }

    [Fact]
    public async Task CheckAsync_HostResolversUnreadable_Inconclusive()
    {
        var check = new DnsCheck(HostResolvers, TimeProvider.System, () => throw new IOException("resolv.conf: permission denied"));

        var result = await check.CheckAsync(TimeSpan.FromSeconds(1), CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(
            (CheckOutcome.Inconclusive, "cannot read the host's DNS servers: resolv.conf: permission denied"),
            (result.Outcome, result.Error));
    }

    [Fact]
    public async Task CheckAsync_EveryServerUnsendable_InconclusiveNotFailure()
    {
        // Arrange: the kernel refuses to send to port 0 (EINVAL) without a packet leaving: the monitor's own doing.
        var check = new DnsCheck(HostResolvers, TimeProvider.System, () => [new IPEndPoint(IPAddress.Loopback, 0)]);

        // Act
        var result = await check.CheckAsync(TimeSpan.FromSeconds(2), CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckOutcome.Inconclusive, result.Outcome);
        Assert.StartsWith("cannot ask: 127.0.0.1:0: this host cannot send the query (InvalidArgument", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveHostServers_ReadsTheHostsResolversWithoutSendingAQuery()
    {
        // The real default: what /etc/resolv.conf names, never a public fallback. (Asking them would leave loopback.)
        var expected = File.Exists("/etc/resolv.conf")
            ? File.ReadAllLines("/etc/resolv.conf")
                .Select(line => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                .Where(fields => fields.Length >= 2 && fields[0] == "nameserver" && IPAddress.TryParse(fields[1], out _))
                .Select(fields => IPAddress.Parse(fields[1]))
                .ToList()
            : [];

        var servers = DnsCheck.ResolveHostServers();

        Assert.All(servers, s => Assert.Equal(53, s.Port));
        Assert.Equal(expected.Where(a => !a.IsIPv6SiteLocal), servers.Select(s => s.Address));
    }

    [Theory]
    [InlineData(SocketError.AddressFamilyNotSupported, true)]
    [InlineData(SocketError.AccessDenied, true)]
    [InlineData(SocketError.NoBufferSpaceAvailable, true)]
    [InlineData(SocketError.TooManyOpenSockets, true)]
    [InlineData(SocketError.InvalidArgument, true)]
    [InlineData(SocketError.ConnectionRefused, false)]
    [InlineData(SocketError.HostUnreachable, false)]
    [InlineData(SocketError.NetworkUnreachable, false)]
    public void IsLocal_SocketError_OnlyWhatTheMonitorCausedItself(SocketError error, bool local)
    {
        Assert.Equal(local, DnsCheck.IsLocal(error));
    }

    [Fact]
    public void DescribeError_TcpConnectionRefused_PassedOverAsTheServersFailure()
    {
        var error = new DnsResponseException("Query 1 failed with an error.", new SocketException((int)SocketError.ConnectionRefused));

        var attempt = DnsCheck.DescribeError(error, Server, TimeSpan.FromSeconds(1));

        Assert.Equal(new DnsAttempt(false, "connection refused (127.0.0.1:5353)", false), attempt);
    }

    [Fact]
    public void DescribeError_DnsClientsOwnTimeout_NoAnswer()
    {
        var error = new DnsResponseException(DnsResponseCode.ConnectionTimeout, "timed out", new OperationCanceledException());

        var attempt = DnsCheck.DescribeError(error, Server, TimeSpan.FromSeconds(1.5));

        Assert.Equal(new DnsAttempt(false, "no answer from 127.0.0.1:5353 within 1.5 s", false), attempt);
    }

    [Fact]
    public void DescribeError_MalformedResponse_PassedOver()
    {
        var error = new DnsResponseParseException("Response parser error, 12 bytes available.", new byte[12], 0, 20);

        var attempt = DnsCheck.DescribeError(error, Server, TimeSpan.FromSeconds(1));

        Assert.False(attempt!.Value.Decides);
        Assert.StartsWith("malformed response from 127.0.0.1:5353: Response parser error", attempt.Value.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void DescribeError_NotAboutTheServer_NullSoTheCheckIsInconclusive()
    {
        Assert.Null(DnsCheck.DescribeError(new InvalidOperationException("bug"), Server, TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData(DnsResponseCode.ServerFailure, "SERVFAIL")]
    [InlineData(DnsResponseCode.Refused, "REFUSED")]
    [InlineData(DnsResponseCode.FormatError, "FORMERR")]
    [InlineData(DnsResponseCode.NotImplemented, "NOTIMP")]
    [InlineData(DnsResponseCode.NotAuthorized, "NOTAUTH")]
    [InlineData(DnsResponseCode.Unassinged12, "RCODE 12")]
    public void RcodeName_Code_NamedAsDigPrintsIt(DnsResponseCode code, string name)
    {
        Assert.Equal(name, DnsCheck.RcodeName(code));
    }

    /// <summary>Waits (bounded, real time) until the black hole has a query waiting.</summary>
    private static async Task<bool> WaitForQueryAsync(Socket silent)
    {
        long started = TimeProvider.System.GetTimestamp();
        while (silent.Available == 0)
        {
            if (TimeProvider.System.GetElapsedTime(started) > Bound)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10));
        }

        return true;
    }
}
