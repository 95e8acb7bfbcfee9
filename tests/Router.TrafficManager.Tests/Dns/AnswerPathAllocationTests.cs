using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry.Metrics;
using Router.Dns;
using Router.Dns.Server.Pipeline;
using Router.Dns.Server.Zones;
using Router.Testing;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Dns;
using Router.TrafficManager.Routing;
using Router.TrafficManager.Tests.Routing;
using static Router.TrafficManager.Tests.Dns.TrafficManagerZoneHandlerTests;
using static Router.TrafficManager.Tests.Routing.RoutingFixtures;

namespace Router.TrafficManager.Tests.Dns;

/// <summary>
/// The DNS answer path allocates nothing per query with an OpenTelemetry meter provider listening, as in
/// <c>router serve</c>. In the collection that runs alone: the host's metrics listener hears every <c>Router.*</c> meter
/// in the process, so instruments other tests create and record on at the same time would be this provider's too.
/// </summary>
[Collection(TracingCollection.Name)]
public sealed class AnswerPathAllocationTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Handle_ThousandQueriesOfEachMethodWithPrometheusListening_NoAllocation(bool prometheus)
    {
        // Arrange: as in serve: AddOpenTelemetry().WithMetrics() over Router.* (through the host's metrics listener) with
        // one reader, or two (the Prometheus exporter and another, as with OTLP), records every answer and the receive
        // loop's query count; Performance with ECS, Weighted, Subnet, MultiValue, Geographic (a country lookup), a
        // CNAME into the static zones, and a Performance profile whose chosen endpoint is a nested Weighted profile.
        var exported = new List<Metric>();
        var serviceCollection = new ServiceCollection().AddMetrics();
        serviceCollection.AddOpenTelemetry().WithMetrics(builder =>
        {
            builder.AddMeter("Router.*").AddInMemoryExporter(exported);
            if (prometheus)
            {
                builder.AddPrometheusExporter();
            }
        });
        using var services = serviceCollection.BuildServiceProvider();
        var provider = services.GetRequiredService<MeterProvider>();
        var metrics = new RoutingMetrics(services.GetRequiredService<IMeterFactory>());
        var dnsMetrics = new Router.Dns.Server.Diagnostics.DnsServerMetrics(services.GetRequiredService<IMeterFactory>());
        var options = Contract();
        var weighted = Profile("w", RoutingMethod.Weighted, "192.0.2.1", "192.0.2.2", "2001:db8::3");
        var subnet = Profile("s", RoutingMethod.Subnet, "192.0.2.1", "192.0.2.2");
        subnet.Endpoints[0].Subnets = ["10.1.0.0/16"];
        options.Profiles.AddRange([weighted, subnet, Profile("m", RoutingMethod.MultiValue, "192.0.2.1", "192.0.2.2"),
            Profile("cn", RoutingMethod.Priority, "www.registry.test")]);
        var geographic = Profile("g", RoutingMethod.Geographic, "192.0.2.1", "192.0.2.2");
        (geographic.Endpoints[0].GeoMapping, geographic.Endpoints[1].GeoMapping) = (["DE"], ["WORLD"]);
        options.Profiles.Add(geographic);
        options.Profiles.Add(NestedFixtures.Child("nc", RoutingMethod.Weighted, 20, "192.0.2.7", "192.0.2.8"));
        options.Profiles.Add(new ProfileOptions
        {
            Name = "np",
            RoutingMethod = RoutingMethod.Performance,
            Endpoints = [NestedFixtures.Nested("nested", "nc", min: 2, location: "westeurope"), new EndpointOptions { Name = "us", Target = "192.0.2.9", Location = "eastus" }],
        });
        var geo = new GeoLocator(Routing.GeoFixtures.Table());
        var handler = new TrafficManagerZoneHandler(new RoutingSnapshotHolder(RoutingSnapshot.Build(options, AllOnline, random: new Random(7).Next, geo: geo)), metrics);
        var errors = new List<string>();
        var zones = ZoneBuilder.Build([RegistryZone()], [], "Dns:Zones", errors);
        var pipeline = new DnsPipeline([new StaticZones(zones), handler], [], 1232, NullLogger.Instance);
        var ecs = (IPAddress.Parse("10.1.2.0"), 24);
        DnsRequestContext[] contexts =
        [
            Context(Query("contoso.tm.registry.test", DnsRecordType.A, ecs)),
            Context(Query("w.tm.registry.test", DnsRecordType.A, ecs)),
            Context(Query("s.tm.registry.test", DnsRecordType.A, ecs)),
            Context(Query("m.tm.registry.test", DnsRecordType.A, ecs)),
            Context(Query("cn.tm.registry.test", DnsRecordType.A, ecs)),
            Context(Query("g.tm.registry.test", DnsRecordType.A, ecs)),
            Context(Query("contoso.registry.test", DnsRecordType.A, ecs)),
            Context(Query("np.tm.registry.test", DnsRecordType.A, ecs)),
        ];

        // Act: a thousand of each on a thread of their own, as the receive loop answers on its own; counted there after a
        // warm-up round (every tag combination seen, since the SDK adds a series the first time, and every method jitted).
        var allocated = Allocations.Measure(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                foreach (var context in contexts)
                {
                    pipeline.Process(context);
                    dnsMetrics.QueryAnswered(DnsTransport.Udp, context.Response);
                }
            }
        });

        // Assert
        Assert.True(allocated.Bytes == 0, $"allocated {allocated}");
        Assert.Equal([1, 1, 1, 2, 2, 1, 2, 1], contexts.Select(c => Parse(c).Answers.Count));
        provider.ForceFlush();
        Assert.Contains(exported, m => m.Name == RoutingMetrics.GeoDecisionsInstrument);
        var answers = Assert.Single(exported, m => m.Name == RoutingMetrics.AnswersInstrument && m.MeterName == RoutingMetrics.MeterName);
        long subnetE0 = 0;
        foreach (ref readonly var point in answers.GetMetricPoints())
        {
            var tags = new Dictionary<string, object?>();
            foreach (var tag in point.Tags)
            {
                tags[tag.Key] = tag.Value;
            }

            if (Equals(tags["profile"], "s") && Equals(tags["endpoint"], "e0"))
            {
                subnetE0 = point.GetSumLong();
            }
        }

        Assert.Equal((1 + Allocations.Rounds) * 1000, subnetE0);
        Assert.Contains(exported, m => m.Name == "router.dns.queries");
    }
}
