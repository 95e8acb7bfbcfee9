using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Tests.Routing;

/// <summary>
/// A Performance profile <c>parent</c> over two nested children: <c>child-eu</c> (Weighted, three IPv4 endpoints,
/// MinChildEndpoints 2, TTL 20) and <c>child-us</c> (Priority, two IPv4 endpoints and an IPv6 one, TTL 100).
/// Clients in 10.1.0.0/16 are nearest eu, 127.0.0.0/8 nearest us.
/// </summary>
internal static class NestedFixtures
{
    public static TrafficManagerOptions Options() => RoutingFixtures.Options(
        [
            new ProfileOptions
            {
                Name = "parent",
                RoutingMethod = RoutingMethod.Performance,
                Ttl = 60,
                Endpoints =
                [
                    Nested("eu", "child-eu", min: 2, location: "eu"),
                    Nested("us", "child-us", min: 1, location: "us"),
                ],
            },
            Child("child-eu", RoutingMethod.Weighted, 20, "192.0.2.1", "192.0.2.2", "192.0.2.3"),
            Child("child-us", RoutingMethod.Priority, 100, "198.51.100.1", "198.51.100.2", "2001:db8::1"),
        ],
        RoutingFixtures.Row("10.1.0.0/16", ("eu", 5), ("us", 90)),
        RoutingFixtures.Row("127.0.0.0/8", ("eu", 80), ("us", 10)));

    public static EndpointOptions Nested(string name, string child, int min = 1, string? location = null) => new()
    {
        Name = name,
        Type = EndpointType.Nested,
        Profile = child,
        MinChildEndpoints = min,
        Location = location,
    };

    /// <summary>A child profile with endpoints named after their profile and position (<c>child-eu-0</c>, …).</summary>
    public static ProfileOptions Child(string name, RoutingMethod method, int ttl, params string[] targets) => new()
    {
        Name = name,
        RoutingMethod = method,
        Ttl = ttl,
        Endpoints = [.. targets.Select((t, i) => new EndpointOptions { Name = $"{name}-{i}", Target = t })],
    };

    /// <summary>Every endpoint Online but those named, which are Degraded; Nested endpoints as the service gives them (CheckingEndpoint).</summary>
    public static Func<string, string, EndpointRoutingState> DegradedOnly(params string[] degraded) =>
        (_, endpoint) => degraded.Contains(endpoint) ? RoutingFixtures.Degraded
            : endpoint is "eu" or "us" ? RoutingFixtures.Checking
            : RoutingFixtures.Online;

    /// <summary><paramref name="snapshot"/> with <paramref name="profile"/>'s endpoints in <paramref name="degraded"/> Degraded, the others Online.</summary>
    public static RoutingSnapshot Degrade(RoutingSnapshot snapshot, string profile, params string[] degraded)
    {
        var routing = snapshot.FindProfile(profile)!;
        return snapshot.WithEndpointStates(profile, [.. routing.Endpoints.Select(e => degraded.Contains(e.Name)
            ? RoutingFixtures.Degraded
            : new EndpointRoutingState(true, EndpointStatus.Online))]);
    }
}
