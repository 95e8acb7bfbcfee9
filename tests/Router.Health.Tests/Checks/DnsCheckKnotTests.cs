using System.Globalization;
using System.Net;
using DnsClient;
using Router.Health.Checks;
using Router.Health.Tests.Infrastructure;

namespace Router.Health.Tests.Checks;

/// <summary>The Dns check against a real Knot DNS serving a registry's private zone (and one that fails to load).</summary>
public sealed class DnsCheckKnotTests(DnsZoneFixture fixture) : IClassFixture<DnsZoneFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private IPEndPoint Knot => fixture.Knot.EndPoint;

    /// <summary>Name, record type and ExpectAddresses of checks the zone passes.</summary>
    public static TheoryData<string, string, string[]> Passing => new()
    {
        { "storage.registry.test", "A", ["192.0.2.0/24"] },
        { "storage.registry.test", "AAAA", ["2001:db8::/32"] },
        { "data.registry.test", "CNAME", [] },

        // Knot answers an A query for an alias with the CNAME and the target's A records.
        { "data.registry.test", "A", ["192.0.2.11"] },

        // At least one: the name has 192.0.2.10 and 192.0.2.11; only the second is expected.
        { "storage.registry.test", "A", ["192.0.2.11/32"] },
    };

    /// <summary>Checks the zone fails, with the reason ({0} is the server).</summary>
    public static TheoryData<string, string, string[], string> Failing => new()
    {
        { "gone.registry.test", "A", [], "NXDOMAIN: gone.registry.test. does not exist (from {0})" },
        { "textonly.registry.test", "A", [], "no A record: textonly.registry.test. has none (NOERROR with an empty answer) (from {0})" },
        { "storage.registry.test", "CNAME", [], "no CNAME record: storage.registry.test. has none (NOERROR with an empty answer) (from {0})" },

        // An authoritative server does not follow a CNAME out of its zones: the answer holds the alias alone.
        {
            "outside.registry.test", "AAAA", [],
            "no AAAA record: outside.registry.test. is an alias of blob.elsewhere.test. and the answer has no AAAA record for it (from {0})"
        },
        {
            "moved.registry.test", "A", ["192.0.2.0/24", "10.1.0.0/16"],
            "wrong address: moved.registry.test. A is 198.51.100.7, none in ExpectAddresses 192.0.2.0/24, 10.1.0.0/16 (from {0})"
        },
        { "storage.broken.test", "A", [], "SERVFAIL from {0}" },
        { "storage.elsewhere.test", "A", [], "REFUSED from {0}" },
    };

    [Theory]
    [MemberData(nameof(Passing))]
    public async Task CheckAsync_ZoneHoldsTheRecord_Success(string name, string type, string[] expect)
    {
        var check = Create(name, Enum.Parse<QueryType>(type), [Knot], expect);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.True(result.Outcome == CheckOutcome.Success, result.Error);
        Assert.Equal("Dns", check.Type);
    }

    [Theory]
    [MemberData(nameof(Failing))]
    public async Task CheckAsync_ZoneAnswersWrongly_FailureSaysHow(string name, string type, string[] expect, string reason)
    {
        var check = Create(name, Enum.Parse<QueryType>(type), [Knot], expect);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal((CheckOutcome.Failure, string.Format(CultureInfo.InvariantCulture, reason, Knot)), (result.Outcome, result.Error));
    }

    [Fact]
    public async Task CheckAsync_ServerSilent_FailureNoAnswerWithinItsShareOfTheTimeout()
    {
        // Arrange: the share is nine tenths of the timeout, so the server is named before the check's deadline. The
        // timeout is 5 s, not 1 s: the 0.5 s between the share's end and the deadline must outlast how late a loaded
        // machine runs a timer (0.1 s did not, once, at load 40).
        using var silent = DnsZoneFixture.BlackHole();
        var server = (IPEndPoint)silent.LocalEndPoint!;
        var check = Create("storage.registry.test", QueryType.A, [server]);
        long started = TimeProvider.System.GetTimestamp();

        // Act
        var result = await check.CheckAsync(TimeSpan.FromSeconds(5), CancellationToken.None).WaitAsync(Bound);
        var elapsed = TimeProvider.System.GetElapsedTime(started);

        // Assert: one query, no retry.
        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal($"no answer from {server} within 4.5 s", result.Error);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(4.4), TimeSpan.FromSeconds(15));
        Assert.Equal(1, Datagrams(silent));
    }

    [Fact]
    public async Task CheckAsync_FirstServerSilent_SecondServerDecides()
    {
        // Arrange
        using var silent = DnsZoneFixture.BlackHole();
        var server = (IPEndPoint)silent.LocalEndPoint!;
        var resolves = Create("storage.registry.test", QueryType.A, [server, Knot]);
        var missing = Create("gone.registry.test", QueryType.A, [server, Knot]);

        // A timeout long enough that the second server's share (what the first left of 5.4 s) stays well above zero
        // even when a loaded machine runs the first wait's continuation late.
        var timeout = TimeSpan.FromSeconds(6);

        // Act
        var success = await resolves.CheckAsync(timeout, CancellationToken.None).WaitAsync(Bound);
        var failure = await missing.CheckAsync(timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert: the first server gets half of nine tenths of the timeout; the failure names both servers.
        Assert.True(success.Outcome == CheckOutcome.Success, success.Error);
        Assert.Equal(CheckOutcome.Failure, failure.Outcome);
        Assert.Equal($"no answer from {server} within 2.7 s; NXDOMAIN: gone.registry.test. does not exist (from {Knot})", failure.Error);
    }

    [Fact]
    public async Task CheckAsync_ServFailFromFirstServer_PassedOverForTheSecond()
    {
        // Arrange: a stub resolver tries the next server after SERVFAIL; so does the check.
        using var silent = DnsZoneFixture.BlackHole();
        var check = Create("storage.broken.test", QueryType.A, [Knot, (IPEndPoint)silent.LocalEndPoint!]);

        // Act
        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.StartsWith($"SERVFAIL from {Knot}; no answer from {silent.LocalEndPoint} within ", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, Datagrams(silent));
    }

    [Fact]
    public async Task CheckAsync_NoServersConfigured_AsksTheHostsResolvers()
    {
        // The host's real resolvers are not on loopback; the seam stands in for /etc/resolv.conf.
        var settings = new DnsCheckSettings { Name = "storage.registry.test.", RecordType = QueryType.A };
        var check = new DnsCheck(settings, TimeProvider.System, () => [Knot]);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.True(result.Outcome == CheckOutcome.Success, result.Error);
    }

    [Fact]
    public async Task CheckAsync_BuiltFromConfiguration_Success()
    {
        // Arrange: the same keys an operator writes.
        var options = new Router.Health.Configuration.CheckOptions
        {
            Type = "Dns",
            Name = "STORAGE.Registry.Test",
            RecordType = "aaaa",
            Servers = [Knot.ToString()],
            ExpectAddresses = ["2001:db8::10"],
        };
        var errors = new List<string>();
        var check = CheckFactory.TryCreate(options, "Health:Resources:0:Check", TimeProvider.System, errors);

        // Act
        var result = await check!.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.Empty(errors);
        Assert.True(result.Outcome == CheckOutcome.Success, result.Error);
    }

    internal static DnsCheck Create(string name, QueryType type, IPEndPoint[] servers, params string[] expect) =>
        new(new DnsCheckSettings
        {
            Name = name.EndsWith('.') ? name : name + ".",
            RecordType = type,
            Servers = servers,
            ExpectAddresses = [.. expect.Select(e => e.Contains('/', StringComparison.Ordinal) ? IPNetwork.Parse(e) : new IPNetwork(IPAddress.Parse(e), e.Contains(':', StringComparison.Ordinal) ? 128 : 32))],
        }, TimeProvider.System);

    /// <summary>How many datagrams (queries) the black hole received.</summary>
    internal static int Datagrams(System.Net.Sockets.Socket socket)
    {
        int count = 0;
        var buffer = new byte[4096];
        while (socket.Available > 0)
        {
            socket.Receive(buffer);
            count++;
        }

        return count;
    }
}
