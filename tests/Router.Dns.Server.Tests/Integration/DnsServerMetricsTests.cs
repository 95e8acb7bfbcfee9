using Router.Dns.Server.Diagnostics;
using Router.Dns.Server.Tests.Infrastructure;

namespace Router.Dns.Server.Tests.Integration;

/// <summary>The server's instruments as a real client's queries move them (tags: transport and response code only).</summary>
public sealed class DnsServerMetricsTests
{
    [Fact]
    public async Task Query_AnsweredOverUdpAndTcp_CountedByTransportAndResponseCode()
    {
        // Arrange
        await using var server = await TestDnsServer.StartAsync(TestDnsServer.Options(TestZones.Example()));
        using var queries = server.Collect(DnsTelemetryNames.Queries);
        using var malformed = server.Collect(DnsTelemetryNames.Malformed);

        // Act
        await DnsTools.QueryAsync(DnsClientTool.Dig, server.EndPoint, "www.example.test", "A", tcp: false);
        await DnsTools.QueryAsync(DnsClientTool.Kdig, server.EndPoint, "nope.example.test", "A", tcp: true);
        await DnsTools.QueryAsync(DnsClientTool.Dig, server.EndPoint, "www.outside.invalid", "A", tcp: false);
        await RawDns.UdpExchangeAsync(server.EndPoint, [.. RawDns.QueryBytes("www.example.test", DnsRecordType.A), 0xFF]);

        // The server counts a response just after sending it: wait (bounded) for the last one.
        long started = TimeProvider.System.GetTimestamp();
        while (queries.Sum() < 4 && TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10));
        }

        // Assert
        Assert.Equal(4, queries.Sum());
        Assert.Equal(1, queries.Sum(m => m.HasTag(DnsTelemetryNames.TransportTag, "udp") && m.HasTag(DnsTelemetryNames.ResponseCodeTag, "NoError")));
        Assert.Equal(1, queries.Sum(m => m.HasTag(DnsTelemetryNames.TransportTag, "tcp") && m.HasTag(DnsTelemetryNames.ResponseCodeTag, "NameError")));
        Assert.Equal(1, queries.Sum(m => m.HasTag(DnsTelemetryNames.ResponseCodeTag, "Refused")));
        Assert.Equal(1, queries.Sum(m => m.HasTag(DnsTelemetryNames.ResponseCodeTag, "FormatError")));
        Assert.Equal(1, malformed.Sum(m => m.HasTag(DnsTelemetryNames.TransportTag, "udp")));
        Assert.All(queries.Measurements, m => Assert.Equal([DnsTelemetryNames.ResponseCodeTag, DnsTelemetryNames.TransportTag], m.Tags.Keys.Order()));
    }
}
