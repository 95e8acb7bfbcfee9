using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Monitoring;

public sealed class ProbeSchedulerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static TheoryData<int> ToleratedFailuresRange => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

    [Theory]
    [MemberData(nameof(ToleratedFailuresRange))]
    public async Task Probing_FailingEndpoint_DegradedExactlyAtToleratedPlusOneProbes(int tolerated)
    {
        // Arrange
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-eastus", FakeBehaviour.Fail);
        harness.Apply([SchedulerHarness.Target("eastus", SchedulerHarness.Monitor(tolerated: tolerated))]);
        harness.Scheduler.Start();
        var start = harness.Clock.GetUtcNow();

        // Act 1: the tolerated failures, one per interval
        harness.Advance(TimeSpan.Zero);
        for (int i = 1; i < tolerated + 1; i++)
        {
            Assert.Equal(EndpointStatus.CheckingEndpoint, harness.State("eastus").Status);
            Assert.Equal(i, harness.State("eastus").ConsecutiveFailures);
            harness.Advance(Interval);
        }

        // Assert: probe number tolerated + 1 degrades it, at tolerated intervals after the first
        var state = harness.State("eastus");
        Assert.Equal(EndpointStatus.Degraded, state.Status);
        Assert.Equal(tolerated + 1, state.ConsecutiveFailures);
        Assert.Equal(start + (Interval * tolerated), state.LastStatusChange);
        Assert.Equal(tolerated + 1, harness.Prober.Calls.Count);
        Assert.Equal(tolerated + 1, harness.Changes.Count); // every probe is published
        var logged = Assert.Single(harness.Logs.GetSnapshot(), e => e.Id.Id == TrafficManagerEventIds.EndpointStatusChanged);
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Equal("status 503 not in 200", logged.GetStructuredStateValue("Cause"));
        Assert.Equal(1, harness.StatusChanges.GetMeasurementSnapshot().ContainsTags(Tag("status", "Degraded"), Tag("endpoint", "eastus")).EvaluateAsCounter());
        Assert.Equal(tolerated + 1, harness.Probes.GetMeasurementSnapshot().ContainsTags(Tag("outcome", "failure"), Tag("fallback", "false")).EvaluateAsCounter());
    }

    [Fact]
    public async Task Probing_DegradedEndpointRecovers_OnlineAfterFirstSuccess()
    {
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-eastus", FakeBehaviour.Fail);
        harness.Apply([SchedulerHarness.Target("eastus", SchedulerHarness.Monitor(tolerated: 0))]);
        harness.Scheduler.Start();
        harness.Advance(TimeSpan.Zero);
        Assert.Equal(EndpointStatus.Degraded, harness.State("eastus").Status);

        harness.Prober.Set("target-eastus", FakeBehaviour.Succeed);
        harness.Advance(Interval);

        Assert.Equal(EndpointStatus.Online, harness.State("eastus").Status);
        var change = harness.Changes[^1];
        Assert.Equal((EndpointStatus.Degraded, EndpointStatus.Online), (change.Previous.Status, change.Current.Status));
        var logged = harness.Logs.GetSnapshot().Last(e => e.Id.Id == TrafficManagerEventIds.EndpointStatusChanged);
        Assert.Equal(LogLevel.Information, logged.Level);
        Assert.Equal("probe succeeded (status 200)", logged.GetStructuredStateValue("Cause"));
    }

    [Fact]
    public async Task Probing_HungProbe_CutAtTimeoutAndCountedAsFailure()
    {
        // Arrange: tolerated 1, so the second timeout degrades
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-eastus", FakeBehaviour.Hang);
        harness.Apply([SchedulerHarness.Target("eastus", SchedulerHarness.Monitor(tolerated: 1))]);
        harness.Scheduler.Start();
        var start = harness.Clock.GetUtcNow();

        // Round 1: the probe hangs; just before its timeout nothing is decided
        harness.Advance(TimeSpan.Zero);
        var first = Assert.Single(harness.Prober.Calls);
        harness.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        Assert.Empty(harness.Changes);
        Assert.False(first.CancellationToken.IsCancellationRequested);

        // Round 2: at the timeout it is cut (its token cancelled) and counted as a failure
        harness.Advance(TimeSpan.FromMilliseconds(1));
        await harness.WaitForChangesAsync(1);
        Assert.True(first.CancellationToken.IsCancellationRequested);
        var state = harness.State("eastus");
        Assert.Equal((EndpointStatus.CheckingEndpoint, 1), (state.Status, state.ConsecutiveFailures));
        Assert.Equal("timeout after 10 s", state.LastProbe?.Error);
        Assert.Equal(start, state.LastProbe?.StartedAt);
        Assert.True(state.LastProbe?.Duration >= Timeout);

        // Round 3: the next probe starts on schedule and times out too: degraded
        harness.Advance(Interval - Timeout);
        Assert.Equal(2, harness.Prober.Calls.Count);
        Assert.Equal(start + Interval, harness.Prober.Calls[1].StartedAt);
        harness.Advance(Timeout);
        await harness.WaitForChangesAsync(2);
        Assert.Equal(EndpointStatus.Degraded, harness.State("eastus").Status);
        Assert.Equal(start + Interval + Timeout, harness.State("eastus").LastStatusChange);
    }

    [Fact]
    public async Task Probing_ProbeLongerThanInterval_NextTicksSkippedNeverOverlapping()
    {
        // Arrange: a timeout longer than the interval (validation forbids it; the scheduler must still not overlap)
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-eastus", FakeBehaviour.Hang);
        harness.Apply([SchedulerHarness.Target("eastus", SchedulerHarness.Monitor(interval: 10, timeout: 25))]);
        harness.Scheduler.Start();
        var start = harness.Clock.GetUtcNow();

        // Act: ticks at 10 and 20 s find the probe of 0 s still running
        harness.Advance(TimeSpan.Zero);
        harness.Advance(TimeSpan.FromSeconds(20));
        Assert.Single(harness.Prober.Calls);
        Assert.Equal(2, harness.Logs.GetSnapshot().Count(e => e.Id.Id == TrafficManagerEventIds.ProbeSkipped));

        // Assert: cut at 25 s; the tick at 30 s starts the next one
        harness.Advance(TimeSpan.FromSeconds(5));
        await harness.WaitForChangesAsync(1);
        harness.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal([start, start + TimeSpan.FromSeconds(30)], harness.Prober.Calls.Select(c => c.StartedAt));
        Assert.True(harness.Prober.Calls[0].Task.IsCompleted);
    }

    [Fact]
    public async Task Probing_ManyEndpointsWithJitter_FirstProbesSpreadOverTheInterval()
    {
        // Arrange: 6 endpoints, the jitter seam hands out 0, 1/6, 2/6, …
        int next = 0;
        const int Count = 6;
        await using var harness = new SchedulerHarness(jitter: () => (double)next++ / Count);
        harness.Apply([.. Enumerable.Range(0, Count).Select(i => SchedulerHarness.Target("e" + i, SchedulerHarness.Monitor()))]);
        var start = harness.Clock.GetUtcNow();

        // Act: one interval, minus a tick
        harness.Scheduler.Start();
        harness.Advance(Interval - TimeSpan.FromTicks(1));

        // Assert: each endpoint probed once, at its own offset within the interval
        var firsts = harness.Prober.Calls.Select(c => c.StartedAt - start).ToArray();
        Assert.Equal(Count, firsts.Length);
        Assert.Equal(Count, firsts.Distinct().Count());
        Assert.All(firsts, offset => Assert.InRange(offset, TimeSpan.Zero, Interval - TimeSpan.FromTicks(1)));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => Interval * i / Count), firsts.Order());

        // And the second round keeps the spacing: every endpoint exactly one interval after its first probe.
        harness.Advance(Interval);
        foreach (var group in harness.Prober.Calls.GroupBy(c => c.Target))
        {
            var times = group.Select(c => c.StartedAt).ToArray();
            Assert.Equal(2, times.Length);
            Assert.Equal(Interval, times[1] - times[0]);
        }
    }

    [Fact]
    public async Task Probing_HungEndpoint_DoesNotDelayAnother()
    {
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-slow", FakeBehaviour.HangIgnoringCancellation);
        harness.Apply([
            SchedulerHarness.Target("slow", SchedulerHarness.Monitor()),
            SchedulerHarness.Target("fast", SchedulerHarness.Monitor()),
        ]);
        harness.Scheduler.Start();
        var start = harness.Clock.GetUtcNow();

        harness.Advance(TimeSpan.Zero);
        Assert.Equal(EndpointStatus.Online, harness.State("fast").Status);
        harness.Advance(Interval * 2);

        Assert.Equal([start, start + Interval, start + (Interval * 2)], harness.Prober.CallsTo("target-fast").Select(c => c.StartedAt));
        Assert.Equal(EndpointStatus.Online, harness.State("fast").Status);
        Assert.Equal(3, harness.Changes.Count(c => c.Endpoint == "fast"));
        await harness.WaitForChangesAsync(5); // fast ×3, slow cut at 10 s and at 40 s
        Assert.Equal(2, harness.State("slow").ConsecutiveFailures);
    }

    [Fact]
    public async Task Apply_UnchangedSettings_KeepStateAndSchedule_ChangedSettingsStartOver()
    {
        // Arrange: two failing endpoints, two probes each
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-a", FakeBehaviour.Fail);
        harness.Prober.Set("target-b", FakeBehaviour.Fail);
        harness.Apply([SchedulerHarness.Target("a", SchedulerHarness.Monitor()), SchedulerHarness.Target("b", SchedulerHarness.Monitor())]);
        harness.Scheduler.Start();
        var start = harness.Clock.GetUtcNow();
        harness.Advance(TimeSpan.Zero);
        harness.Advance(Interval);
        harness.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(2, harness.State("a").ConsecutiveFailures);

        // Act: a reload with equal settings (new instances) for a, another port for b, and names in other case
        var changed = SchedulerHarness.Monitor();
        changed.Port = 8081;
        harness.Apply([
            SchedulerHarness.Target("A", SchedulerHarness.Monitor(), profile: "CONTOSO", target: "target-a"),
            SchedulerHarness.Target("b", changed),
        ]);

        // Assert
        Assert.Equal((EndpointStatus.CheckingEndpoint, 2), (harness.State("a").Status, harness.State("a").ConsecutiveFailures));
        var b = harness.State("b");
        Assert.Equal((EndpointStatus.CheckingEndpoint, 0, (ProbeResult?)null), (b.Status, b.ConsecutiveFailures, b.LastProbe));
        harness.Advance(TimeSpan.Zero); // b starts over: its first probe at its jitter offset (0) from now
        Assert.Equal(start + Interval + TimeSpan.FromSeconds(5), harness.Prober.CallsTo("target-b")[^1].StartedAt);
        Assert.Equal(8081, harness.Prober.CallsTo("target-b")[^1].Monitor.Port);
        harness.Advance(TimeSpan.FromSeconds(25)); // a keeps its schedule: third probe at 60 s
        Assert.Equal(start + (Interval * 2), harness.Prober.CallsTo("target-a")[^1].StartedAt);
        Assert.Equal(3, harness.State("a").ConsecutiveFailures);
    }

    [Fact]
    public async Task Apply_DisableWhileProbing_CancelsProbeAndStopsProbingUntilEnabled()
    {
        // Arrange
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-a", FakeBehaviour.Hang);
        var monitor = SchedulerHarness.Monitor();
        harness.Apply([SchedulerHarness.Target("a", monitor)]);
        harness.Scheduler.Start();
        harness.Advance(TimeSpan.Zero);
        var running = Assert.Single(harness.Prober.Calls);

        // Act 1: disable
        harness.Apply([SchedulerHarness.Target("a", monitor, enabled: false)]);
        harness.Advance(Interval * 5);

        // Assert 1: cancelled, never probed again, nothing published for the dropped probe
        Assert.True(running.CancellationToken.IsCancellationRequested);
        Assert.Single(harness.Prober.Calls);
        Assert.Equal(EndpointStatus.Disabled, harness.State("a").Status);
        Assert.Empty(harness.Changes);
        Assert.Equal(1, harness.StatusChanges.GetMeasurementSnapshot().ContainsTags(Tag("status", "Disabled")).EvaluateAsCounter());

        // Act 2: enable again
        harness.Prober.Set("target-a", FakeBehaviour.Succeed);
        harness.Apply([SchedulerHarness.Target("a", monitor, enabled: true)]);
        Assert.Equal(EndpointStatus.CheckingEndpoint, harness.State("a").Status);
        harness.Advance(TimeSpan.Zero);

        // Assert 2
        Assert.Equal(2, harness.Prober.Calls.Count);
        Assert.Equal(EndpointStatus.Online, harness.State("a").Status);
    }

    [Fact]
    public async Task Apply_DisabledFromTheStart_NeverProbed()
    {
        await using var harness = new SchedulerHarness();
        harness.Apply([SchedulerHarness.Target("a", SchedulerHarness.Monitor(), enabled: false)]);
        harness.Scheduler.Start();

        harness.Advance(Interval * 3);

        Assert.Empty(harness.Prober.Calls);
        Assert.Equal(EndpointStatus.Disabled, harness.State("a").Status);
    }

    [Fact]
    public async Task Apply_EndpointRemoved_ForgottenAndNoLongerProbed()
    {
        await using var harness = new SchedulerHarness();
        harness.Apply([SchedulerHarness.Target("a", SchedulerHarness.Monitor()), SchedulerHarness.Target("b", SchedulerHarness.Monitor())]);
        harness.Scheduler.Start();
        harness.Advance(TimeSpan.Zero);

        harness.Apply([SchedulerHarness.Target("b", SchedulerHarness.Monitor())]);
        harness.Advance(Interval * 2);

        Assert.False(harness.Scheduler.States.TryGet("contoso", "a", out _));
        Assert.Single(harness.Prober.CallsTo("target-a"));
        Assert.Equal(3, harness.Prober.CallsTo("target-b").Count);
        Assert.Equal(["b"], harness.Scheduler.States.Select(s => s.Endpoint));
    }

    [Fact]
    public async Task Apply_SameEndpointTwice_Throws()
    {
        await using var harness = new SchedulerHarness();
        Assert.Throws<ArgumentException>(() => harness.Apply([
            SchedulerHarness.Target("a", SchedulerHarness.Monitor()),
            SchedulerHarness.Target("A", SchedulerHarness.Monitor()),
        ]));
    }

    [Fact]
    public async Task StopAsync_HungProbes_ReturnsWithoutTimePassingAndCancelsThem()
    {
        // Arrange
        await using var harness = new SchedulerHarness();
        foreach (var name in new[] { "a", "b", "c" })
        {
            harness.Prober.Set("target-" + name, FakeBehaviour.Hang);
        }

        harness.Apply([.. new[] { "a", "b", "c" }.Select(n => SchedulerHarness.Target(n, SchedulerHarness.Monitor()))]);
        harness.Scheduler.Start();
        harness.Advance(TimeSpan.Zero);
        Assert.Equal(3, harness.Prober.Calls.Count);

        // Act: the virtual clock does not move, so the stop cannot be waiting out a timeout
        await harness.Scheduler.StopAsync().WaitAsync(SchedulerHarness.WaitBound);

        // Assert
        Assert.All(harness.Prober.Calls, c => Assert.True(c.CancellationToken.IsCancellationRequested));
        harness.Advance(Interval * 3);
        Assert.Equal(3, harness.Prober.Calls.Count);
        Assert.Empty(harness.Changes);
        Assert.Equal(0, harness.Clock.ActiveTimerCount);
        Assert.Equal(EndpointStatus.CheckingEndpoint, harness.State("a").Status);
    }

    [Fact]
    public async Task Probing_ProberThrows_LoggedAndNotCounted()
    {
        await using var harness = new SchedulerHarness();
        harness.Apply([SchedulerHarness.Target("a", SchedulerHarness.Monitor(tolerated: 0))]);
        harness.Scheduler.Start();
        harness.Advance(TimeSpan.Zero);
        Assert.Equal(EndpointStatus.Online, harness.State("a").Status);

        harness.Prober.Set("target-a", FakeBehaviour.Throw);
        harness.Advance(Interval);

        var state = harness.State("a");
        Assert.Equal((EndpointStatus.Online, 0), (state.Status, state.ConsecutiveFailures));
        Assert.StartsWith("probe crashed: InvalidOperationException", state.LastProbe?.Error, StringComparison.Ordinal);
        var crash = Assert.Single(harness.Logs.GetSnapshot(), e => e.Id.Id == TrafficManagerEventIds.ProbeCrashed);
        Assert.Equal(LogLevel.Error, crash.Level);
        Assert.Equal(1, harness.Probes.GetMeasurementSnapshot().ContainsTags(Tag("outcome", "error")).EvaluateAsCounter());
    }

    [Fact]
    public async Task Probing_FallbackUsed_LoggedOncePerStreak()
    {
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-a", FakeBehaviour.SucceedWithFallback);
        harness.Apply([SchedulerHarness.Target("a", SchedulerHarness.Monitor())]);
        harness.Scheduler.Start();

        // Round 1: three probes answered by the fallback
        harness.Advance(TimeSpan.Zero);
        harness.Advance(Interval * 2);
        Assert.Single(harness.Logs.GetSnapshot(), e => e.Id.Id == TrafficManagerEventIds.FallbackUsed);
        Assert.Equal(EndpointStatus.Online, harness.State("a").Status);
        Assert.Equal(3, harness.Probes.GetMeasurementSnapshot().ContainsTags(Tag("fallback", "true"), Tag("outcome", "success")).EvaluateAsCounter());

        // Round 2: the deep probe answers again, then the fallback once more
        harness.Prober.Set("target-a", FakeBehaviour.Succeed);
        harness.Advance(Interval);
        Assert.Single(harness.Logs.GetSnapshot(), e => e.Id.Id == TrafficManagerEventIds.FallbackEnded);
        harness.Prober.Set("target-a", FakeBehaviour.SucceedWithFallback);
        harness.Advance(Interval);
        Assert.Equal(2, harness.Logs.GetSnapshot().Count(e => e.Id.Id == TrafficManagerEventIds.FallbackUsed));
    }

    [Fact]
    public async Task Metrics_StatusGauge_OneForTheCurrentStatusPerEndpoint()
    {
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-b", FakeBehaviour.Fail);
        harness.Apply([
            SchedulerHarness.Target("a", SchedulerHarness.Monitor()),
            SchedulerHarness.Target("b", SchedulerHarness.Monitor(tolerated: 0)),
            SchedulerHarness.Target("c", SchedulerHarness.Monitor(), enabled: false),
        ]);
        harness.Scheduler.Start();
        harness.Advance(TimeSpan.Zero);

        harness.StatusGauge.RecordObservableInstruments();

        var current = harness.StatusGauge.GetMeasurementSnapshot().Where(m => m.Value == 1)
            .Select(m => $"{m.Tags["endpoint"]}={m.Tags["status"]}").Order();
        Assert.Equal(["a=Online", "b=Degraded", "c=Disabled"], current);
        Assert.Equal(15, harness.StatusGauge.GetMeasurementSnapshot().Count); // 3 endpoints × 5 statuses (Maintenance is the service's)
    }

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);
}
