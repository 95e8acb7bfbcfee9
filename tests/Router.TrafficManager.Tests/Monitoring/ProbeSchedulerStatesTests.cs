using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Monitoring;

/// <summary>
/// <see cref="ProbeScheduler"/> as the one owner of endpoint state: every change is published as a new
/// <see cref="EndpointStates"/> snapshot, with a higher version, through <see cref="ProbeScheduler.States"/>, the
/// callback and <see cref="ProbeScheduler.Apply"/>'s return value.
/// </summary>
public sealed class ProbeSchedulerStatesTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Apply_NewTargets_ReturnsThePublishedSnapshotWithEveryEndpoint()
    {
        // Arrange
        await using var harness = new SchedulerHarness();
        var monitor = SchedulerHarness.Monitor();

        // Act
        var states = harness.Scheduler.Apply([SchedulerHarness.Target("eastus", monitor), SchedulerHarness.Target("westeurope", monitor, enabled: false)]);

        // Assert
        Assert.Same(harness.Scheduler.States, states);
        Assert.True(states.TryGet("contoso", "eastus", out var eastus));
        Assert.Equal(EndpointStatus.CheckingEndpoint, eastus.Status);
        Assert.True(states.TryGet("contoso", "westeurope", out var westeurope));
        Assert.Equal(EndpointStatus.Disabled, westeurope.Status);
        Assert.Empty(harness.Changes); // Apply returns its snapshot; it does not call back
    }

    [Fact]
    public async Task Probing_EveryProbe_CallbackCarriesANewerSnapshotHoldingTheNewState()
    {
        // Arrange
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-eastus", FakeBehaviour.Fail);
        var applied = harness.Scheduler.Apply([SchedulerHarness.Target("eastus", SchedulerHarness.Monitor(tolerated: 1))]);
        harness.Start();

        // Act: two failures, the second degrades
        harness.Advance(TimeSpan.Zero);
        harness.Advance(Interval);

        // Assert
        var changes = harness.Changes;
        Assert.Equal(2, changes.Count);
        Assert.True(applied.Version < changes[0].States.Version && changes[0].States.Version < changes[1].States.Version);
        foreach (var change in changes)
        {
            Assert.True(change.States.TryGet("contoso", "eastus", out var published));
            Assert.Equal(change.Current, published);
        }

        Assert.Equal(EndpointStatus.Degraded, changes[1].Current.Status);
        Assert.Same(changes[1].States, harness.Scheduler.States);

        // The earlier snapshots are unchanged: whoever holds one reads what was published then.
        Assert.True(applied.TryGet("contoso", "eastus", out var initial));
        Assert.Equal(EndpointStatus.CheckingEndpoint, initial.Status);
        Assert.Equal(0, initial.ConsecutiveFailures);
    }

    [Fact]
    public async Task Apply_EndpointRemovedAndOneDisabled_SnapshotWithoutTheOneAndTheOtherDisabled()
    {
        // Arrange
        await using var harness = new SchedulerHarness();
        var monitor = SchedulerHarness.Monitor();
        harness.Scheduler.Apply([SchedulerHarness.Target("eastus", monitor), SchedulerHarness.Target("westeurope", monitor)]);
        harness.Start();
        harness.Advance(TimeSpan.Zero);
        var before = harness.Scheduler.States;

        // Act
        var after = harness.Scheduler.Apply([SchedulerHarness.Target("westeurope", monitor, enabled: false)]);

        // Assert
        Assert.True(after.Version > before.Version);
        Assert.False(after.TryGet("contoso", "eastus", out _));
        Assert.True(after.TryGet("contoso", "westeurope", out var westeurope));
        Assert.Equal(EndpointStatus.Disabled, westeurope.Status);
        Assert.Equal(2, before.Count);
    }

    [Fact]
    public async Task Apply_Unchanged_SameSnapshot()
    {
        await using var harness = new SchedulerHarness();
        var monitor = SchedulerHarness.Monitor();
        var first = harness.Scheduler.Apply([SchedulerHarness.Target("eastus", monitor)]);

        var second = harness.Scheduler.Apply([SchedulerHarness.Target("eastus", monitor)]);

        Assert.Same(first, second);
    }
}
