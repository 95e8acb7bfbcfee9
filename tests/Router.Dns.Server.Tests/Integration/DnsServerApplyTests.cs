using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Router.Dns.Server.Configuration;
using Router.Dns.Server.Diagnostics;
using Router.Dns.Server.Tests.Infrastructure;
using Router.Testing.Dns;

namespace Router.Dns.Server.Tests.Integration;

/// <summary><see cref="DnsServer.Apply"/> while serving: the next query sees the new zones; the port stays.</summary>
public sealed class DnsServerApplyTests
{
    [Fact]
    public async Task Apply_NewZonesWhileRunning_NextQueriesAnsweredFromThem()
    {
        // Arrange
        var before = TestDnsServer.Options(new DnsZoneOptions { Name = "swap.test", Records = [TestZones.Record("www", "A", "192.0.2.1")] },
            new DnsZoneOptions { Name = "gone.test", Records = [TestZones.Record("www", "A", "192.0.2.9")] });
        await using var server = await TestDnsServer.StartAsync(before);
        var port = server.Port;
        var first = await DnsTools.DigAsync(server.EndPoint, "www.swap.test", "A");
        var firstTcp = await DnsTools.QueryAsync(DnsClientTool.Kdig, server.EndPoint, "www.swap.test", "A", tcp: true);
        var after = TestDnsServer.Options(
            new DnsZoneOptions { Name = "swap.test", Records = [TestZones.Record("www", "A", "192.0.2.2"), TestZones.Record("new", "TXT", "added")] },
            new DnsZoneOptions { Name = "added.test", Records = [TestZones.Record("www", "AAAA", "2001:db8::2")] });

        // Act
        server.Server.Apply(after);
        var swapped = await DnsTools.DigAsync(server.EndPoint, "www.swap.test", "A");
        var swappedTcp = await DnsTools.QueryAsync(DnsClientTool.Kdig, server.EndPoint, "www.swap.test", "A", tcp: true);
        var added = await DnsTools.DigAsync(server.EndPoint, "www.added.test", "AAAA");
        var newRecord = await DnsTools.DigAsync(server.EndPoint, "new.swap.test", "TXT");
        var removed = await DnsTools.DigAsync(server.EndPoint, "www.gone.test", "A");

        // Assert
        Assert.Equal("192.0.2.1", Assert.Single(first.Answer).Data);
        Assert.Equal("192.0.2.1", Assert.Single(firstTcp.Answer).Data);
        Assert.Equal("192.0.2.2", Assert.Single(swapped.Answer).Data);
        Assert.Equal("192.0.2.2", Assert.Single(swappedTcp.Answer).Data);
        Assert.True(added.Status == "NOERROR" && added.HasFlag("aa"), added.ToString());
        Assert.Equal("2001:db8::2", Assert.Single(added.Answer).Data);
        Assert.Equal("\"added\"", Assert.Single(newRecord.Answer).Data);
        Assert.True(removed.Status == "REFUSED", removed.ToString());
        Assert.Equal(port, server.Port);
        Assert.Contains(server.Logs.GetSnapshot(), e => e.Id.Name == "ConfigurationApplied");
        Assert.DoesNotContain(server.Logs.GetSnapshot(), e => e.Id.Name == "ListenChangeNeedsRestart");
    }

    [Fact]
    public async Task Apply_ForwardingTurnedOnWhileRunning_OutsideNamesForwarded()
    {
        // Arrange
        await using var upstream = await TestDnsServer.StartAsync(TestDnsServer.Options(ForwardingFixture.UpstreamZone()));
        var zone = new DnsZoneOptions { Name = "local.test", Records = [TestZones.Record("www", "A", "192.0.2.7")] };
        await using var server = await TestDnsServer.StartAsync(TestDnsServer.Options(zone));
        var refused = await DnsTools.DigAsync(server.EndPoint, "www.upstream.test", "A");

        // Act
        server.Server.Apply(ForwardingFixture.ForwarderOptions(upstream.EndPoint));
        var forwarded = await DnsTools.DigAsync(server.EndPoint, "www.upstream.test", "A");

        // Assert
        Assert.True(refused.Status == "REFUSED", refused.ToString());
        Assert.True(forwarded.Status == "NOERROR" && forwarded.HasFlag("ra"), forwarded.ToString());
        Assert.Equal("192.0.2.100", Assert.Single(forwarded.Answer).Data);
    }

    [Fact]
    public async Task Apply_TcpLimitsChangedWhileRunning_NewConnectionLimitEnforced()
    {
        // Arrange: the clock never moves, so only the connection limit can close a connection.
        var clock = new FakeTimeProvider();
        var options = TestDnsServer.Options(TestZones.Other());
        options.Tcp = new() { MaxConnections = 100 };
        await using var server = await TestDnsServer.StartAsync(options, clock);
        using var evicted = server.Collect(DnsTelemetryNames.TcpEvicted);
        var reloaded = TestDnsServer.Options(TestZones.Other());
        reloaded.Tcp = new() { MaxConnections = 2 };
        var sockets = new List<Socket>();

        try
        {
            // Act
            server.Server.Apply(reloaded);
            for (int i = 0; i < 5; i++)
            {
                sockets.Add(await RawDns.ConnectTcpAsync(server.EndPoint));
            }

            var answer = await RawDns.TcpQueryAsync(server.EndPoint, RawDns.QueryBytes("host.other.test", DnsRecordType.A));

            // Assert: 5 idle connections and one more under a limit of 2.
            Assert.Single(answer.Answers);
            Assert.Equal(4, evicted.GetMeasurementSnapshot().EvaluateAsCounter());
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Apply_ListenAddressChanged_LoggedAndOldAddressKept()
    {
        // Arrange
        await using var server = await TestDnsServer.StartAsync(TestDnsServer.Options(TestZones.Other()));
        var changed = TestDnsServer.Options(TestZones.Other());
        changed.Listen = ["127.0.0.1:1"];

        // Act
        server.Server.Apply(changed);
        var result = await DnsTools.DigAsync(server.EndPoint, "host.other.test", "A");

        // Assert
        Assert.Contains(server.Logs.GetSnapshot(), e => e.Id.Name == "ListenChangeNeedsRestart");
        Assert.True(result.Status == "NOERROR", result.ToString());
    }
}
