using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Tests.Routing;

/// <summary>Configurations and endpoint states the routing, validation and DNS tests share.</summary>
internal static class RoutingFixtures
{
    /// <summary>The <c>TrafficManager</c> section of the contract's example, plus a 10.1.0.0/16 row that prefers westeurope.</summary>
    public static TrafficManagerOptions Contract() => new()
    {
        Zone = "tm.registry.test",
        LatencyTable =
        [
            Row("127.0.0.0/8", ("eastus", 10), ("westeurope", 80), ("eastasia", 190)),
            Row("10.0.0.0/8", ("eastus", 40), ("westeurope", 60), ("eastasia", 200)),
            Row("10.1.0.0/16", ("eastus", 90), ("westeurope", 5), ("eastasia", 150)),
        ],
        Profiles =
        [
            new ProfileOptions
            {
                Name = "contoso",
                RoutingMethod = RoutingMethod.Performance,
                Ttl = 30,
                Monitor = new MonitorOptions
                {
                    Protocol = MonitorProtocol.Http,
                    Port = 8081,
                    Path = "/health/registries/contoso",
                    IntervalSeconds = 30,
                    TimeoutSeconds = 10,
                    ToleratedFailures = 3,
                    ExpectedStatusCodes = ["200-299"],
                    Headers = new(StringComparer.OrdinalIgnoreCase) { ["Host"] = "contoso.registry.test" },
                    Fallback = new FallbackMonitorOptions { Port = 5000, Path = "/v2/", ExpectedStatusCodes = ["200-299", "401"] },
                },
                Endpoints =
                [
                    new EndpointOptions { Name = "eastus", Location = "eastus", Target = "127.0.0.11", Enabled = true },
                    new EndpointOptions { Name = "westeurope", Location = "westeurope", Target = "127.0.0.12" },
                    new EndpointOptions { Name = "eastasia", Location = "eastasia", Target = "127.0.0.13", Priority = 3, Weight = 1 },
                ],
            },
        ],
    };

    public static LatencyEntryOptions Row(string network, params (string Location, double Latency)[] latencies)
    {
        var row = new LatencyEntryOptions { Network = network };
        foreach (var (location, latency) in latencies)
        {
            row.Latencies[location] = latency;
        }

        return row;
    }

    /// <summary>A profile with one endpoint per target, named e0, e1, … (locations l0, l1, …).</summary>
    public static ProfileOptions Profile(string name, RoutingMethod method, params string[] targets) => new()
    {
        Name = name,
        RoutingMethod = method,
        Ttl = 60,
        Endpoints = [.. targets.Select((t, i) => new EndpointOptions { Name = $"e{i}", Target = t, Location = $"l{i}" })],
    };

    /// <summary>A zone <c>tm.example.test</c> with <paramref name="profiles"/> and the given latency rows.</summary>
    public static TrafficManagerOptions Options(IEnumerable<ProfileOptions> profiles, params LatencyEntryOptions[] rows) => new()
    {
        Zone = "tm.example.test",
        ZoneTtl = 120,
        LatencyTable = [.. rows],
        Profiles = [.. profiles],
    };

    /// <summary>Every endpoint enabled and online.</summary>
    public static EndpointRoutingState AllOnline(string profile, string endpoint) => new(true, EndpointStatus.Online);

    /// <summary>States by endpoint name (any profile); endpoints not named are enabled and online.</summary>
    public static Func<string, string, EndpointRoutingState> States(params (string Endpoint, EndpointRoutingState State)[] states) =>
        (_, endpoint) => states.FirstOrDefault(s => s.Endpoint == endpoint) is { Endpoint: not null } found
            ? found.State
            : new EndpointRoutingState(true, EndpointStatus.Online);

    public static EndpointRoutingState Online => new(true, EndpointStatus.Online);

    public static EndpointRoutingState Checking => new(true, EndpointStatus.CheckingEndpoint);

    public static EndpointRoutingState Degraded => new(true, EndpointStatus.Degraded);

    public static EndpointRoutingState Disabled => new(false, EndpointStatus.Disabled);
}
