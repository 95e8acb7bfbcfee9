using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;
using static Router.TrafficManager.Tests.Monitoring.Batch.BatchHarness;

namespace Router.TrafficManager.Tests.Monitoring.Batch;

/// <summary>Reloads that change a Batch endpoint's registry, origin or mode.</summary>
public sealed class BatchReloadTests
{
    [Fact]
    public async Task NewRegistry_StartsOver_AndCountsTheNewVerdict()
    {
        await using var h = new BatchHarness();
        h.Server.Set("a", true);
        h.Server.Set("b", false);
        h.Start(Target("contoso", BatchMonitor(tolerated: 0, registry: "a")));
        await h.RoundsAsync(1);
        Assert.Equal(EndpointStatus.Online, h.State("contoso").Status);

        h.Apply(Target("contoso", BatchMonitor(tolerated: 0, registry: "b")));
        Assert.Equal(EndpointStatus.CheckingEndpoint, h.State("contoso").Status);
        Assert.Single(h.Monitor.Pollers); // same origin and settings: the poller and its table stay

        await h.NextRoundAsync();
        Assert.Equal(EndpointStatus.Degraded, h.State("contoso").Status);
    }

    [Fact]
    public async Task NewOrigin_GetsItsOwnPoller_AndTheOldOneStops()
    {
        await using var h = new BatchHarness();
        h.Server.Set("contoso", true);
        h.Start(Target("contoso", BatchMonitor()));
        await h.RoundsAsync(1);

        h.Apply(Target("contoso", BatchMonitor(), target: "10.0.0.2"));

        Assert.Equal("10.0.0.2", h.Poller.Origin.Host);
        await h.RoundsAsync(1);
        Assert.Equal(EndpointStatus.Online, h.State("contoso").Status);
        Assert.True(h.Server.RequestsTo("10.0.0.2") >= 1);
    }

    [Fact]
    public async Task BackToProbeMode_StopsPolling_AndProbesTheEndpoint()
    {
        await using var h = new BatchHarness();
        h.Server.Set("contoso", true);
        h.Start(Target("contoso", BatchMonitor()));
        await h.RoundsAsync(1);

        var probe = new MonitorOptions { IntervalSeconds = 10, TimeoutSeconds = 2 };
        h.Apply(Target("contoso", probe));
        Assert.Empty(h.Monitor.Pollers);
        h.Scheduler.Advance(TimeSpan.Zero);

        var call = Assert.Single(h.Scheduler.Prober.Calls);
        Assert.Equal("10.0.0.1", call.Target);
        Assert.Equal(EndpointStatus.Online, h.State("contoso").Status);
        Assert.Null(h.State("contoso").LastProbe!.Value.Source);
    }

    [Fact]
    public async Task DisabledEndpoint_IsNotCounted()
    {
        await using var h = new BatchHarness();
        h.Server.Set("contoso", false);
        h.Start(Target("contoso", BatchMonitor()), Target("contoso", BatchMonitor(), endpoint: "westus", enabled: false));
        await h.RoundsAsync(1);

        Assert.Equal(1, h.State("contoso").ConsecutiveFailures);
        Assert.Equal(EndpointStatus.Disabled, h.State("contoso", "westus").Status);
        Assert.Null(h.State("contoso", "westus").LastProbe);
    }
}
