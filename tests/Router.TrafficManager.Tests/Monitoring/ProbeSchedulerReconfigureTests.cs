using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Monitoring;

/// <summary>
/// <see cref="ProbeScheduler.Apply"/> with changed monitor settings: what is probed resets the endpoint; timing and
/// thresholds keep its status and counters. And the timer callback's own robustness.
/// </summary>
public sealed class ProbeSchedulerReconfigureTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    public static TheoryData<string> TimingSettings => ["IntervalSeconds", "TimeoutSeconds", "ToleratedFailures", "SuccessesToOnline", "all"];

    public static TheoryData<string> ProbedSettings => ["Target", "Protocol", "Port", "Path", "Headers", "ExpectedStatusCodes", "Fallback"];

    [Theory]
    [MemberData(nameof(TimingSettings))]
    public async Task Apply_TimingOrThresholdChangedOnDegradedEndpoint_StaysDegradedWithItsCounters(string setting)
    {
        // Arrange: degraded after one failure (tolerated 0), 5 s before its next probe
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-a", FakeBehaviour.Fail);
        harness.Apply(SchedulerHarness.Target("a", SchedulerHarness.Monitor(tolerated: 0)));
        harness.Start();
        var start = harness.Clock.GetUtcNow();
        harness.Advance(TimeSpan.Zero);
        harness.Advance(TimeSpan.FromSeconds(25));
        var degraded = harness.State("a");
        Assert.Equal((EndpointStatus.Degraded, 1), (degraded.Status, degraded.ConsecutiveFailures));

        // Act: a reload that changes only when or how strictly results are judged
        var changed = SchedulerHarness.Monitor(tolerated: 0);
        switch (setting)
        {
            case "IntervalSeconds": changed.IntervalSeconds = 20; break;
            case "TimeoutSeconds": changed.TimeoutSeconds = 5; break;
            case "ToleratedFailures": changed.ToleratedFailures = 3; break;
            case "SuccessesToOnline": changed.SuccessesToOnline = 2; break;
            default: (changed.IntervalSeconds, changed.TimeoutSeconds, changed.ToleratedFailures, changed.SuccessesToOnline) = (20, 5, 3, 2); break;
        }

        harness.Apply(SchedulerHarness.Target("a", changed));

        // Assert: still degraded (out of DNS answers), same counters, same last probe, same change time
        Assert.Equal(degraded, harness.State("a"));
        Assert.Equal(1, harness.StatusChanges.GetMeasurementSnapshot().ContainsTags(Tag("endpoint", "a")).EvaluateAsCounter());
        Assert.Single(harness.Logs.GetSnapshot(), e => e.Id.Id == TrafficManagerEventIds.EndpointStatusChanged);

        // And the next failing probe keeps counting (the schedule was kept, or brought no later than one new interval)
        harness.Advance(TimeSpan.FromSeconds(5));
        var next = harness.State("a");
        Assert.Equal((EndpointStatus.Degraded, 2), (next.Status, next.ConsecutiveFailures));
        Assert.Equal(start + Interval, harness.Prober.Calls[^1].StartedAt);
        Assert.Equal(start, next.LastStatusChange);
        Assert.DoesNotContain(harness.Changes, c => c.Current.Status != EndpointStatus.Degraded && c.Previous.Status == EndpointStatus.Degraded);
    }

    [Theory]
    [InlineData(true, 1, EndpointStatus.Degraded)]
    [InlineData(true, 2, EndpointStatus.Online)]
    [InlineData(false, 1, EndpointStatus.Degraded)]
    [InlineData(false, 0, EndpointStatus.Degraded)]
    [InlineData(false, 2, EndpointStatus.CheckingEndpoint)]
    [InlineData(false, 5, EndpointStatus.CheckingEndpoint)]
    public async Task Apply_ToleratedFailuresLowered_EndpointWithMoreFailuresDegradesAtOnce(bool online, int tolerated, EndpointStatus expected)
    {
        // Arrange: two consecutive failures under ToleratedFailures 3, after a success (Online) or none (CheckingEndpoint)
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-a", online ? FakeBehaviour.Succeed : FakeBehaviour.Fail);
        harness.Apply(SchedulerHarness.Target("a", SchedulerHarness.Monitor(tolerated: 3)));
        harness.Start();
        harness.Advance(TimeSpan.Zero);
        harness.Prober.Set("target-a", FakeBehaviour.Fail);
        harness.Advance(online ? Interval * 2 : Interval);
        var before = harness.State("a");
        Assert.Equal((online ? EndpointStatus.Online : EndpointStatus.CheckingEndpoint, 2), (before.Status, before.ConsecutiveFailures));
        harness.Advance(TimeSpan.FromSeconds(7));

        // Act
        harness.Apply(SchedulerHarness.Target("a", SchedulerHarness.Monitor(tolerated: tolerated)));

        // Assert: judged by the new threshold with the failures it has
        var after = harness.State("a");
        Assert.Equal((expected, 2, before.LastProbe), (after.Status, after.ConsecutiveFailures, after.LastProbe));
        if (expected == before.Status)
        {
            Assert.Equal(before.LastStatusChange, after.LastStatusChange);
            Assert.DoesNotContain(harness.Logs.GetSnapshot(), e => e.Id.Id == TrafficManagerEventIds.EndpointStatusChanged
                && e.GetStructuredStateValue("Status") == nameof(EndpointStatus.Degraded));
            return;
        }

        Assert.Equal(harness.Clock.GetUtcNow(), after.LastStatusChange);
        var logged = harness.Logs.GetSnapshot().Last(e => e.Id.Id == TrafficManagerEventIds.EndpointStatusChanged);
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Contains($"ToleratedFailures {tolerated}", logged.GetStructuredStateValue("Cause"), StringComparison.Ordinal);
        Assert.Equal(1, harness.StatusChanges.GetMeasurementSnapshot().ContainsTags(Tag("status", "Degraded"), Tag("endpoint", "a")).EvaluateAsCounter());
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(4, 3)]
    [InlineData(3, 2)]
    public async Task Apply_SuccessesToOnlineChanged_DegradedEndpointNeedsTheNewCount(int successesToOnline, int moreSuccesses)
    {
        // Arrange: degraded, then one success of the 3 it needs
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-a", FakeBehaviour.Fail);
        harness.Apply(SchedulerHarness.Target("a", SchedulerHarness.Monitor(tolerated: 0, successesToOnline: 3)));
        harness.Start();
        harness.Advance(TimeSpan.Zero);
        harness.Prober.Set("target-a", FakeBehaviour.Succeed);
        harness.Advance(Interval);
        Assert.Equal((EndpointStatus.Degraded, 1), (harness.State("a").Status, harness.State("a").ConsecutiveSuccesses));

        // Act
        harness.Apply(SchedulerHarness.Target("a", SchedulerHarness.Monitor(tolerated: 0, successesToOnline: successesToOnline)));

        // Assert: degraded until the new count of successes in a row, then online
        for (int i = 0; i < moreSuccesses; i++)
        {
            Assert.Equal(EndpointStatus.Degraded, harness.State("a").Status);
            harness.Advance(Interval);
        }

        var state = harness.State("a");
        Assert.Equal((EndpointStatus.Online, 1 + moreSuccesses), (state.Status, state.ConsecutiveSuccesses));
    }

    [Theory]
    [InlineData(0.0, 5, 10, 36, new[] { 0, 15, 25, 35 })] // shorter: next one new interval from the change
    [InlineData(0.0, 5, 60, 95, new[] { 0, 30, 90 })] // longer: next when the old schedule had it
    [InlineData(0.0, 30, 10, 55, new[] { 0, 30, 40, 50 })] // changed right after a probe
    [InlineData(0.5, 0, 10, 31, new[] { 10, 20, 30 })] // before the first (jittered, at 15 s) probe
    [InlineData(0.5, 2, 60, 80, new[] { 15, 75 })] // longer, before the first probe: that one stays
    public async Task Apply_IntervalChanged_RescheduledNoLaterThanOneNewIntervalFromNow(double jitter, int changeAt, int interval, int until, int[] expected)
    {
        // Arrange
        await using var harness = new SchedulerHarness(jitter: () => jitter);
        harness.Prober.Set("target-a", FakeBehaviour.Fail);
        harness.Apply(SchedulerHarness.Target("a", SchedulerHarness.Monitor(tolerated: 100)));
        harness.Start();
        var start = harness.Clock.GetUtcNow();
        harness.Advance(TimeSpan.FromSeconds(changeAt));

        // Act
        harness.Apply(SchedulerHarness.Target("a", SchedulerHarness.Monitor(interval: interval, tolerated: 100)));
        harness.Advance(TimeSpan.FromSeconds(until - changeAt));

        // Assert: probe times, and every failure counted across the change
        Assert.Equal(expected.Select(s => start + TimeSpan.FromSeconds(s)), harness.Prober.Calls.Select(c => c.StartedAt));
        Assert.Equal(expected.Length, harness.State("a").ConsecutiveFailures);
        Assert.Equal(1, harness.Clock.ActiveTimerCount);
    }

    [Fact]
    public async Task Apply_IntervalChangedWhileProbing_RunningProbeContinuesAndCounts()
    {
        // Arrange: a probe hangs from 0 s (cut at 10 s)
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-a", FakeBehaviour.Hang);
        harness.Apply(SchedulerHarness.Target("a", SchedulerHarness.Monitor()));
        harness.Start();
        var start = harness.Clock.GetUtcNow();
        harness.Advance(TimeSpan.FromSeconds(2));
        var running = Assert.Single(harness.Prober.Calls);

        // Act: interval 20 s at 2 s
        harness.Apply(SchedulerHarness.Target("a", SchedulerHarness.Monitor(interval: 20)));
        Assert.False(running.CancellationToken.IsCancellationRequested);
        harness.Advance(TimeSpan.FromSeconds(8));
        await harness.WaitForChangesAsync(1);

        // Assert: not cancelled by the change, cut by its own deadline and counted; the next one at 2 + 20 s
        Assert.Equal("timeout after 10 s", harness.State("a").LastProbe?.Error);
        Assert.Equal(1, harness.State("a").ConsecutiveFailures);
        harness.Advance(TimeSpan.FromSeconds(12));
        Assert.Equal([start, start + TimeSpan.FromSeconds(22)], harness.Prober.Calls.Select(c => c.StartedAt));
        Assert.Equal(2, harness.Prober.Calls.Count);
    }

    [Fact]
    public async Task Apply_TimeoutChanged_NextProbeUsesItAndStatusKept()
    {
        // Arrange: the first probe hangs and is cut at 10 s
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-a", FakeBehaviour.Hang);
        harness.Apply(SchedulerHarness.Target("a", SchedulerHarness.Monitor()));
        harness.Start();
        var start = harness.Clock.GetUtcNow();
        harness.Advance(TimeSpan.Zero);
        harness.Advance(TimeSpan.FromSeconds(12));
        await harness.WaitForChangesAsync(1);

        // Act
        harness.Apply(SchedulerHarness.Target("a", SchedulerHarness.Monitor(timeout: 5)));
        harness.Advance(TimeSpan.FromSeconds(18 + 5));
        await harness.WaitForChangesAsync(2);

        // Assert: the second probe (at 30 s) cut at 35 s, counted on top of the first
        var state = harness.State("a");
        Assert.Equal((EndpointStatus.CheckingEndpoint, 2, "timeout after 5 s"), (state.Status, state.ConsecutiveFailures, state.LastProbe?.Error));
        Assert.Equal(start + Interval, state.LastProbe?.StartedAt);
    }

    [Theory]
    [MemberData(nameof(ProbedSettings))]
    public async Task Apply_WhatIsProbedChanged_StartsOverAtCheckingEndpoint(string setting)
    {
        // Arrange: degraded
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-a", FakeBehaviour.Fail);
        harness.Apply(SchedulerHarness.Target("a", SchedulerHarness.Monitor(tolerated: 0)));
        harness.Start();
        harness.Advance(TimeSpan.Zero);
        Assert.Equal(EndpointStatus.Degraded, harness.State("a").Status);

        // Act: results of the new probe say nothing the old ones said
        var changed = SchedulerHarness.Monitor(tolerated: 0);
        string target = "target-a";
        switch (setting)
        {
            case "Target": target = "target-a2"; break;
            case "Protocol": changed.Protocol = MonitorProtocol.Https; break;
            case "Port": changed.Port = 8080; break;
            case "Path": changed.Path = "/health"; break;
            case "Headers": changed.Headers["Host"] = "example.com"; break;
            case "ExpectedStatusCodes": changed.ExpectedStatusCodes = ["200-299"]; break;
            default: changed.Fallback = new FallbackMonitorOptions { Protocol = MonitorProtocol.Tcp }; break;
        }

        harness.Apply(SchedulerHarness.Target("a", changed, target: target));

        // Assert
        var state = harness.State("a");
        Assert.Equal((EndpointStatus.CheckingEndpoint, 0, (ProbeResult?)null), (state.Status, state.ConsecutiveFailures, state.LastProbe));
        harness.Advance(TimeSpan.Zero);
        Assert.Equal(target, harness.Prober.Calls[^1].Target);
        Assert.Same(changed, harness.Prober.Calls[^1].Monitor);
    }

    [Fact]
    public async Task Start_TimerFiresBeforeCreateTimerReturns_TickIsComplete()
    {
        // Arrange: a clock whose first timer fires inside CreateTimer, as a real one with a near-zero due time may
        await using var harness = new SchedulerHarness(clock: manual => new FiresOnCreateTimeProvider(manual));
        harness.Apply(SchedulerHarness.Target("a", SchedulerHarness.Monitor()));

        // Act
        harness.Start();

        // Assert: that early tick probed (and nothing failed)
        Assert.Single(harness.Prober.Calls);
        Assert.Equal(EndpointStatus.Online, harness.State("a").Status);
        Assert.DoesNotContain(harness.Logs.GetSnapshot(), e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task Tick_CallbackFails_LoggedAsErrorAndScheduleContinues()
    {
        // Arrange: a logger that throws for the "tick skipped" event; probes outlast the interval, so ticks are skipped
        await using var harness = new SchedulerHarness(extraLogs: new ThrowingLoggerProvider(TrafficManagerEventIds.ProbeSkipped));
        harness.Prober.Set("target-a", FakeBehaviour.Hang);
        harness.Apply(SchedulerHarness.Target("a", SchedulerHarness.Monitor(interval: 10, timeout: 15)));
        harness.Start();
        var start = harness.Clock.GetUtcNow();
        harness.Advance(TimeSpan.Zero);

        // Act: the tick at 10 s finds the probe running, and logging that throws
        var advance = Record.Exception(() => harness.Advance(TimeSpan.FromSeconds(10)));

        // Assert: nothing escaped the timer callback; the failure is an error event; the tick at 20 s probes
        Assert.Null(advance);
        var failed = Assert.Single(harness.Logs.GetSnapshot(), e => e.Id.Id == TrafficManagerEventIds.TickFailed);
        Assert.Equal(LogLevel.Error, failed.Level);
        Assert.IsType<AggregateException>(failed.Exception);
        harness.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal([start, start + TimeSpan.FromSeconds(20)], harness.Prober.Calls.Select(c => c.StartedAt));
    }

    /// <summary>Fires the first timer created once inside <see cref="CreateTimer"/>, then lets the manual clock run it.</summary>
    private sealed class FiresOnCreateTimeProvider(FakeTimeProvider inner) : TimeProvider
    {
        private int _fired;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (Interlocked.Exchange(ref _fired, 1) == 0)
            {
                callback(state);
            }

            return inner.CreateTimer(callback, state, dueTime, period);
        }
    }

    /// <summary>Loggers that throw when asked to write one event.</summary>
    private sealed class ThrowingLoggerProvider(int eventId) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ThrowingLogger(eventId);

        public void Dispose()
        {
        }

        private sealed class ThrowingLogger(int eventId) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId id, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (id.Id == eventId)
                {
                    throw new InvalidOperationException("the log sink is broken");
                }
            }
        }
    }

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);
}
