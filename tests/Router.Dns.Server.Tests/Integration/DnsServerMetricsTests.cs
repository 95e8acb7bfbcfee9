using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Router.Dns.Server.Diagnostics;
using Router.Dns.Server.Tests.Infrastructure;
using Router.Testing.Dns;

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
        while (queries.GetMeasurementSnapshot().EvaluateAsCounter() < 4 && TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10));
        }

        // Assert
        Assert.Equal(4, queries.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(1, queries.GetMeasurementSnapshot().ContainsTags(Tag(DnsTelemetryNames.TransportTag, "udp"), Tag(DnsTelemetryNames.ResponseCodeTag, "NoError")).EvaluateAsCounter());
        Assert.Equal(1, queries.GetMeasurementSnapshot().ContainsTags(Tag(DnsTelemetryNames.TransportTag, "tcp"), Tag(DnsTelemetryNames.ResponseCodeTag, "NameError")).EvaluateAsCounter());
        Assert.Equal(1, queries.GetMeasurementSnapshot().ContainsTags(Tag(DnsTelemetryNames.ResponseCodeTag, "Refused")).EvaluateAsCounter());
        Assert.Equal(1, queries.GetMeasurementSnapshot().ContainsTags(Tag(DnsTelemetryNames.ResponseCodeTag, "FormatError")).EvaluateAsCounter());
        Assert.Equal(1, malformed.GetMeasurementSnapshot().ContainsTags(Tag(DnsTelemetryNames.TransportTag, "udp")).EvaluateAsCounter());
        Assert.All(queries.GetMeasurementSnapshot(), m => Assert.Equal([DnsTelemetryNames.ResponseCodeTag, DnsTelemetryNames.TransportTag], m.Tags.Keys.Order()));
    }

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);
}
