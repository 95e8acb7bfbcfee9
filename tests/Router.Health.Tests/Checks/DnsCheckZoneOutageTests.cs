using DnsClient;
using Router.Health.Checks;
using Router.Health.Tests.Infrastructure;
using Router.Testing;

namespace Router.Health.Tests.Checks;

/// <summary>
/// A registry's private zone on a real Knot DNS, broken while the check runs against it: each outage is reported for
/// what it is, and the check recovers with the zone. Each test starts a Knot of its own.
/// </summary>
public sealed class DnsCheckZoneOutageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task CheckAsync_RecordRemovedMovedRestoredThenServerGone_EachReportedThenRecovered()
    {
        // Arrange
        await using var knot = await KnotServer.StartAsync("storage." + DnsZoneFixture.Zone,
            (DnsZoneFixture.Zone, DnsZoneFixture.ZoneFile(1, "storage IN A 192.0.2.10")));
        var server = knot.EndPoint;
        var check = DnsCheckKnotTests.Create("storage.registry.test", QueryType.A, [server], "192.0.2.0/24");

        // 1. The zone as it should be.
        var healthy = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // 2. The record is removed (a botched zone update): NXDOMAIN, seen at once (no cache in the check).
        await knot.ReplaceZoneAsync(DnsZoneFixture.Zone, DnsZoneFixture.ZoneFile(2, "other IN A 192.0.2.99"));
        var removed = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // 3. The record comes back pointing into another network (a stale failover, a typo).
        await knot.ReplaceZoneAsync(DnsZoneFixture.Zone, DnsZoneFixture.ZoneFile(3, "storage IN A 203.0.113.5"));
        var moved = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // 4. Repaired.
        await knot.ReplaceZoneAsync(DnsZoneFixture.Zone, DnsZoneFixture.ZoneFile(4, "storage IN A 192.0.2.10"));
        var repaired = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // 5. The server is gone: its port answers nothing (no ICMP reaches an unconnected UDP client).
        await knot.DisposeAsync();
        var gone = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.True(healthy.Outcome == CheckOutcome.Success, healthy.Error);
        Assert.Equal((CheckOutcome.Failure, $"NXDOMAIN: storage.registry.test. does not exist (from {server})"), (removed.Outcome, removed.Error));
        Assert.Equal(
            (CheckOutcome.Failure, $"wrong address: storage.registry.test. A is 203.0.113.5, none in ExpectAddresses 192.0.2.0/24 (from {server})"),
            (moved.Outcome, moved.Error));
        Assert.True(repaired.Outcome == CheckOutcome.Success, repaired.Error);
        Assert.Equal((CheckOutcome.Failure, $"no answer from {server} within 1.8 s"), (gone.Outcome, gone.Error));
    }

    [Fact]
    public async Task CheckAsync_ZoneThatFailedToLoadIsRepaired_ServFailThenSuccess()
    {
        // Arrange: Knot starts with a zone file that does not parse and answers SERVFAIL for the zone.
        await using var knot = await KnotServer.StartAsync("ns1." + DnsZoneFixture.Zone,
            (DnsZoneFixture.Zone, DnsZoneFixture.ZoneFile(1)), (DnsZoneFixture.BrokenZone, DnsZoneFixture.BrokenZoneFile));
        var check = DnsCheckKnotTests.Create("storage.broken.test", QueryType.A, [knot.EndPoint]);

        // Act
        var broken = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);
        await knot.ReplaceZoneAsync(DnsZoneFixture.BrokenZone, """
            $ORIGIN broken.test.
            $TTL 300
            @       IN SOA ns1 hostmaster 2 3600 600 86400 120
            @       IN NS  ns1
            ns1     IN A   127.0.0.53
            storage IN A   192.0.2.20

            """);
        var repaired = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.Equal((CheckOutcome.Failure, $"SERVFAIL from {knot.EndPoint}"), (broken.Outcome, broken.Error));
        Assert.True(repaired.Outcome == CheckOutcome.Success, repaired.Error + "\n" + knot.Log);
    }

    [Fact]
    public async Task CheckAsync_LargeAnswerTruncatedOverUdp_RetriedOverTcpAndSuccess()
    {
        // Arrange: 300 A records (about 4,800 bytes) do not fit the 4,096 bytes DnsClient offers over UDP with EDNS.
        string[] records = [.. Enumerable.Range(0, 300).Select(i => $"wide IN A 10.{i / 256}.{i % 256}.1")];
        await using var knot = await KnotServer.StartAsync("wide." + DnsZoneFixture.Zone,
            (DnsZoneFixture.Zone, DnsZoneFixture.ZoneFile(1, records)));
        var check = DnsCheckKnotTests.Create("wide.registry.test", QueryType.A, [knot.EndPoint], "10.1.43.1");

        // Act
        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert: the check succeeds on the last record; asked over UDP alone, Knot truncates the answer.
        Assert.True(result.Outcome == CheckOutcome.Success, result.Error);
        var udpOnly = await Assert.ThrowsAsync<DnsResponseException>(() => LoopbackDnsClient.Create(knot.EndPoint).QueryAsync(
            new DnsQuestion("wide.registry.test", QueryType.A), new DnsQueryAndServerOptions { UseTcpFallback = false, UseCache = false, Retries = 0 }));
        Assert.Contains("truncated", udpOnly.Message, StringComparison.Ordinal);
    }
}
