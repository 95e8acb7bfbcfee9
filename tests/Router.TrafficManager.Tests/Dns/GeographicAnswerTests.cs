using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using System.Diagnostics.Metrics;
using Router.Dns;
using Router.Dns.Server.Pipeline;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Dns;
using Router.TrafficManager.Routing;
using Router.TrafficManager.Tests.Routing;
using static Router.TrafficManager.Tests.Dns.TrafficManagerZoneHandlerTests;

namespace Router.TrafficManager.Tests.Dns;

/// <summary>Geographic profiles on the wire: the mapped endpoint with the database's ECS scope, or NODATA with the SOA.</summary>
public sealed class GeographicAnswerTests
{
    private static (DnsMessage Response, DnsPipeline Pipeline) Ask(bool world, string ecsAddress, RoutingMetrics? metrics = null,
        Func<string, string, EndpointRoutingState>? states = null)
    {
        var snapshot = GeoFixtures.Snapshot(GeoFixtures.Options(world), GeoFixtures.Table(), states);
        var pipeline = new DnsPipeline([new TrafficManagerZoneHandler(new RoutingSnapshotHolder(snapshot), metrics)], 1232, NullLogger.Instance);
        var context = Context(Query("geo.tm.example.test", DnsRecordType.A, ecs: (IPAddress.Parse(ecsAddress), 24)));
        Assert.Equal(DnsHandlerResult.Answered, pipeline.Process(context));
        return (Parse(context), pipeline);
    }

    [Fact]
    public void Handle_EcsFromMappedCountry_ItsEndpointWithTheDatabaseScope()
    {
        // Act: 10.1.2.0/24 is in DE (10.1.0.0/16).
        var (response, _) = Ask(world: true, "10.1.2.0");

        // Assert
        var answer = Assert.Single(response.Answers);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), ((AddressRecordData)answer.Data).Address);
        Assert.Equal(60u, answer.Ttl);
        Assert.Equal((byte)16, response.Edns!.ClientSubnet!.Value.ScopePrefixLength);
    }

    [Fact]
    public void Handle_UnmappedCountryWithoutWorld_NoDataWithSoa()
    {
        // Act: 10.9.0.0/16 is BR, South America, which nobody maps.
        var (response, _) = Ask(world: false, "10.9.1.0");

        // Assert
        Assert.Equal(DnsResponseCode.NoError, response.ResponseCode);
        Assert.Empty(response.Answers);
        Assert.Equal(DnsRecordType.SOA, Assert.Single(response.Authorities).Type);
        Assert.True(response.IsAuthoritative);
    }

    [Fact]
    public void Handle_Decisions_CountedByMatch()
    {
        // Arrange
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        using var collector = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(
            meterFactory, RoutingMetrics.MeterName, RoutingMetrics.GeoDecisionsInstrument);
        var metrics = new RoutingMetrics(meterFactory);

        // Act: DE (country), FR (continent), BR (world), BR without WORLD (unmapped), DE with germany degraded.
        Ask(world: true, "10.1.2.0", metrics);
        Ask(world: true, "10.2.2.0", metrics);
        Ask(world: true, "10.9.2.0", metrics);
        Ask(world: false, "10.9.2.0", metrics);
        Ask(world: true, "10.1.2.0", metrics, RoutingFixtures.States(("germany", RoutingFixtures.Degraded)));

        // Assert
        Assert.Equal(["country", "continent", "world", "unmapped", "not_eligible"],
            collector.GetMeasurementSnapshot().Select(m => (string?)m.Tags[RoutingMetrics.MatchTag]));
    }
}
