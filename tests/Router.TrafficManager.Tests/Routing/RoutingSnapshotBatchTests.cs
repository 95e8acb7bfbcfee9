using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Tests.Routing;

/// <summary>RoutingSnapshot.WithEndpointStates of many profiles at once: one new snapshot.</summary>
public sealed class RoutingSnapshotBatchTests
{
    private static readonly EndpointRoutingState Online = new(true, EndpointStatus.Online);
    private static readonly EndpointRoutingState Degraded = new(true, EndpointStatus.Degraded);

    [Fact]
    public void WithEndpointStates_ManyProfiles_OneSnapshotMovesThemAndSharesTheRest()
    {
        // Arrange: 1,000 Priority profiles, first endpoint preferred.
        var options = new TrafficManagerOptions
        {
            Zone = "tm.example.test",
            Profiles = [.. Enumerable.Range(0, 1000).Select(i => new ProfileOptions
            {
                Name = $"r{i}",
                RoutingMethod = RoutingMethod.Priority,
                Endpoints = [new EndpointOptions { Name = "east", Target = "192.0.2.1" }, new EndpointOptions { Name = "west", Target = "192.0.2.2" }],
            })],
        };
        var before = RoutingSnapshot.Build(options, (_, _) => Online);
        var changed = Enumerable.Range(0, 1000).Where(i => i % 2 == 0).Select(i => ($"r{i}", new[] { Degraded, Online })).ToList();

        // Act
        var after = before.WithEndpointStates(changed);

        // Assert: the changed profiles answer west; the others are the very same objects as before.
        for (int i = 0; i < 1000; i++)
        {
            var profile = after.FindProfile($"r{i}")!;
            if (i % 2 == 0)
            {
                Assert.Equal([1], profile.EligibleEndpoints().ToArray());
                Assert.Equal([0, 1], before.FindProfile($"r{i}")!.EligibleEndpoints().ToArray());
            }
            else
            {
                Assert.Same(before.FindProfile($"r{i}"), profile);
            }
        }
    }

    [Fact]
    public void WithEndpointStates_UnknownProfile_Throws()
    {
        // Arrange
        var options = new TrafficManagerOptions
        {
            Zone = "tm.example.test",
            Profiles = [new ProfileOptions { Name = "app", Endpoints = [new EndpointOptions { Name = "e", Target = "192.0.2.1" }] }],
        };
        var snapshot = RoutingSnapshot.Build(options, (_, _) => Online);

        // Act / Assert
        Assert.Throws<ArgumentException>(() => snapshot.WithEndpointStates([("nope", new[] { Online })]));
    }
}
