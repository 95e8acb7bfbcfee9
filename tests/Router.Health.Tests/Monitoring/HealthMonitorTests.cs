using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Router.Health.Checks;
using Router.Health.Configuration;
using Router.Health.Diagnostics;
using Router.Health.Evaluation;
using Router.Health.Tests.Topology;
using Router.Testing;

namespace Router.Health.Tests.Monitoring;

/// <summary>
/// Scheduling and transitions of the monitor in virtual time, with fake checks: once per interval per resource,
/// jitter, crashing, hung and overloaded checks, bounded concurrency, events and metrics, prompt shutdown.
/// </summary>
public sealed class HealthMonitorTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Start_ResourcesSharedByManyRegistries_EachProbedOncePerInterval()
    {
        // Arrange: 100 registries over the six resources of the contract example.
        var registries = Enumerable.Range(0, 100).Select(i => new RegistryOptions
        {
            Name = $"tenant-{i}",
            Storage = i % 2 == 0 ? "sa-1" : "sa-2",
            Cache = "cache",
            Auth = "auth",
            Container = "api",
            Metadata = i % 10 == 0 ? "meta" : null,
        });
        await using var harness = new MonitorHarness(TestOptions.With(TestOptions.ContosoAndFabrikam().Resources, registries));
        var t0 = harness.Clock.GetUtcNow();

        // Act
        await harness.StartAsync();
        await harness.RunIntervalsAsync(4);

        // Assert: t = 0, 5, 10, 15, 20 s for every resource, never more.
        var expected = Enumerable.Range(0, 5).Select(i => t0 + (i * harness.Interval)).ToArray();
        Assert.All(harness.AllChecks, check => Assert.Equal(expected, check.Calls));
        Assert.All(harness.AllChecks, check => Assert.Equal(1, check.MaxInFlight));
    }

    [Fact]
    public async Task Start_BetweenIntervals_NoExtraProbes()
    {
        // Arrange
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        await harness.StartAsync();

        // Act: most of an interval, in small steps.
        for (int i = 0; i < 4; i++)
        {
            await harness.AdvanceAsync(Second, () => harness.Clock.ActiveTimerCount == harness.ResourceCount, "loops parked");
        }

        // Assert
        Assert.All(harness.AllChecks, check => Assert.Equal(1, check.CallCount));
    }

    [Fact]
    public async Task Start_Jitter_SpreadsFirstProbesOverTheInterval()
    {
        // Arrange: four resources, interval 10 s; the jitter seam hands out 0, 0.25, 0.5, 0.75 in turn.
        var options = TestOptions.With(
            new[] { "r0", "r1", "r2", "r3" }.Select(id => TestOptions.Resource(id, ResourceKind.Storage)),
            [new RegistryOptions { Name = "contoso", Storage = "r0" }]);
        options.Evaluation.IntervalSeconds = 10;
        double[] offsets = [0, 0.25, 0.5, 0.75];
        int next = -1;
        await using var harness = new MonitorHarness(options, jitter: () => offsets[Interlocked.Increment(ref next) % offsets.Length]);
        var t0 = harness.Clock.GetUtcNow();
        var step = TimeSpan.FromSeconds(2.5);

        // Act 1: start; exactly one resource probes at once, the others wait for their offset.
        harness.Monitor.Start();
        await Poll.UntilAsync(() => Probed(harness) == 1 && harness.Clock.ActiveTimerCount == 4, "the first probe");

        // Act 2: one more resource every 2.5 s.
        for (int k = 2; k <= 4; k++)
        {
            int expected = k;
            await harness.AdvanceAsync(step, () => Probed(harness) == expected && harness.Clock.ActiveTimerCount == 4, $"{expected} resources probed");
        }

        // Act 3: one more interval keeps the spread.
        for (int k = 0; k < 4; k++)
        {
            int expected = 5 + k;
            await harness.AdvanceAsync(step, () => harness.AllChecks.Sum(c => c.CallCount) == expected && harness.Clock.ActiveTimerCount == 4, $"{expected} probes");
        }

        // Assert
        var firsts = harness.AllChecks.Select(c => (c.Calls[0] - t0).TotalSeconds).Order();
        Assert.Equal([0, 2.5, 5, 7.5], firsts);
        Assert.All(harness.AllChecks, c => Assert.Equal(TimeSpan.FromSeconds(10), c.Calls[1] - c.Calls[0]));

        static int Probed(MonitorHarness harness) => harness.AllChecks.Count(c => c.CallCount > 0);
    }

    [Fact]
    public async Task Probe_UnhealthyResourceGoesStale_LoggedOnceAndRegistryFailsOpen()
    {
        // Arrange: sa-1 fails past the threshold, so contoso is Unhealthy.
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        harness.Check("sa-1").Fail();
        await harness.StartAsync();
        await harness.RunIntervalsAsync(3);
        Assert.Equal(HealthState.Unhealthy, harness.Verdict("contoso").Status);
        Assert.Single(harness.Events("RegistryUnhealthy"), e => e.Message.Contains("contoso", StringComparison.Ordinal));

        // Act: from now on the monitor cannot evaluate sa-1, for longer than StaleAfterSeconds (60 s = 12 intervals).
        harness.Check("sa-1").BeInconclusive();
        await harness.RunIntervalsAsync(14);

        // Assert: the stale data no longer counts; going stale is said once, and contoso's fail-open is logged.
        var verdict = harness.Verdict("contoso");
        Assert.Equal(HealthState.Healthy, verdict.Status);
        Assert.True(verdict.FailOpen);
        Assert.Contains("no conclusive result", verdict.Reason, StringComparison.Ordinal);
        Assert.Single(harness.Events("ResourceStale"), e => e.Message.Contains("sa-1", StringComparison.Ordinal));
        Assert.Single(harness.Events("RegistryFailOpen"), e => e.Message.Contains("contoso", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Probe_CheckThrows_InconclusiveAndNeverUnhealthy()
    {
        // Arrange: sa-1 is one failure short of the threshold when its check starts to crash; sa-2 crashes before
        // returning a task at all.
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        harness.Check("sa-1").Fail();
        harness.Check("sa-2").ThrowSynchronously();
        await harness.StartAsync();
        await harness.RunIntervalsAsync(1);
        harness.Check("sa-1").Throw();

        // Act
        await harness.RunIntervalsAsync(10);

        // Assert
        var sa1 = harness.State("sa-1");
        Assert.Equal(HealthState.Unknown, sa1.State);
        Assert.Equal(2, sa1.ConsecutiveFailures);
        Assert.Equal(CheckOutcome.Inconclusive, sa1.LastResult!.Outcome);
        Assert.Equal("the check could not run: the fake check broke", sa1.LastResult.Error);
        var sa2 = harness.State("sa-2");
        Assert.Equal(HealthState.Unknown, sa2.State);
        Assert.Equal(0, sa2.ConsecutiveFailures);
        Assert.Equal(CheckOutcome.Inconclusive, sa2.LastResult!.Outcome);
        Assert.Empty(harness.Events("ResourceUnhealthy"));
        Assert.Empty(harness.Events("RegistryUnhealthy"));
        // The exception is kept at Debug; the warning that the check is inconclusive comes once per streak.
        Assert.Contains(harness.Events("CheckCrashed"), e => e.Exception is InvalidOperationException && e.Level == LogLevel.Debug);
        Assert.Single(harness.Events("ResourceCheckInconclusive"), e => e.Message.Contains("sa-1", StringComparison.Ordinal));
        Assert.Equal(HealthState.Healthy, harness.Verdict("contoso").Status);
        Assert.True(harness.Verdict("contoso").FailOpen);
        Assert.True(harness.Verdict("fabrikam").FailOpen);
        Assert.Equal(22, harness.Outcomes.GetMeasurementSnapshot().ContainsTags(Tag(HealthTelemetryNames.OutcomeTag, "Inconclusive")).EvaluateAsCounter());
    }

    [Fact]
    public async Task Probe_EveryCheckInconclusive_FailOpenAndLoggedOncePerResource()
    {
        // Arrange
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        foreach (var id in new[] { "sa-1", "sa-2", "cache", "auth", "api", "meta" })
        {
            harness.Check(id).BeInconclusive("cannot open a socket: too many open files");
        }

        // Act: well past StaleAfter (60 s).
        await harness.StartAsync();
        await harness.RunIntervalsAsync(15);

        // Assert
        foreach (string registry in new[] { "contoso", "fabrikam" })
        {
            var verdict = harness.Verdict(registry);
            Assert.Equal(HealthState.Healthy, verdict.Status);
            Assert.True(verdict.FailOpen);
            Assert.False(string.IsNullOrEmpty(verdict.Reason));
        }

        Assert.All(harness.AllChecks, c => Assert.Equal(16, c.CallCount));
        Assert.Equal(6, harness.Events("ResourceCheckInconclusive").Count);
        Assert.Equal(0, harness.Transitions.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task Probe_HungCheck_BoundedByTimeoutPlusGraceAndOthersKeepSchedule()
    {
        // Arrange: interval 5 s, timeout 3 s; sa-1's check never answers (it ends only when cancelled).
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        var hung = harness.Check("sa-1");
        hung.Hang();
        string[] otherIds = ["sa-2", "cache", "auth", "api", "meta"];
        var others = otherIds.Select(harness.Check).ToArray();
        var t0 = harness.Clock.GetUtcNow();

        // Act: three intervals, each in two steps: the hung probe is given up at 4 s, the next round starts at 5 s.
        harness.Monitor.Start();
        await Poll.UntilAsync(() => harness.AllChecks.All(c => c.CallCount == 1) && harness.Clock.ActiveTimerCount == 6, "round 1 started");
        for (int round = 1; round <= 3; round++)
        {
            var givenUpAt = t0 + ((round - 1) * harness.Interval) + TimeSpan.FromSeconds(4);
            await harness.AdvanceAsync(TimeSpan.FromSeconds(4), () => harness.State("sa-1").LastCheckedAt == givenUpAt && harness.Clock.ActiveTimerCount == 6, $"round {round}: sa-1 given up");

            // Assert (each round): given up after timeout + 1 s, as the monitor's problem, not the dependency's.
            var state = harness.State("sa-1");
            Assert.Equal(CheckOutcome.Inconclusive, state.LastResult!.Outcome);
            Assert.Equal(TimeSpan.FromSeconds(4), state.LastResult.Duration);
            Assert.Equal("the check did not finish within its timeout (3 s) and was abandoned", state.LastResult.Error);
            Assert.NotEqual(HealthState.Unhealthy, state.State);

            int calls = round + 1;
            await harness.AdvanceAsync(Second, () => harness.AllChecks.All(c => c.CallCount == calls) && harness.Clock.ActiveTimerCount == 6, $"round {calls} started");
        }

        // Assert: everyone, the hung one included, probed at 0, 5, 10, 15 s.
        var expected = Enumerable.Range(0, 4).Select(i => t0 + (i * harness.Interval)).ToArray();
        Assert.All(others, c => Assert.Equal(expected, c.Calls));
        Assert.Equal(expected, hung.Calls);
        Assert.All(otherIds, id => Assert.Equal(HealthState.Healthy, harness.State(id).State));
        Assert.Equal(0, harness.Outcomes.GetMeasurementSnapshot().ContainsTags(Tag(HealthTelemetryNames.OutcomeTag, "Failure")).EvaluateAsCounter());
    }

    [Fact]
    public async Task Probe_HungCheck_NeverTwoProbesOfOneResourceAtOnce()
    {
        // Arrange
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        var hung = harness.Check("cache");
        hung.Hang();
        harness.Monitor.Start();
        await Poll.UntilAsync(() => harness.AllChecks.All(c => c.CallCount == 1) && harness.Clock.ActiveTimerCount == 6, "round 1 started");

        // Act: five rounds.
        for (int round = 1; round <= 5; round++)
        {
            int done = round;
            await harness.AdvanceAsync(TimeSpan.FromSeconds(4), () => hung.InFlight == 0 && harness.Clock.ActiveTimerCount == 6 && harness.State("cache").LastCheckedAt is not null && hung.CancelledCount == done, $"round {round}: cache given up");
            int calls = round + 1;
            await harness.AdvanceAsync(Second, () => harness.AllChecks.All(c => c.CallCount == calls) && harness.Clock.ActiveTimerCount == 6, $"round {calls} started");
        }

        // Assert: each abandoned probe was cancelled before the next one started.
        Assert.Equal(1, hung.MaxInFlight);
        Assert.Equal(5, hung.CancelledCount);
    }

    [Fact]
    public async Task Probe_ConcurrencyLimit_BoundsProbesInFlight()
    {
        // Arrange: six resources, each check takes 2 s; two slots; interval 10 s.
        var options = TestOptions.ContosoAndFabrikam();
        options.Evaluation.IntervalSeconds = 10;
        options.Evaluation.MaxConcurrentChecks = 2;
        await using var harness = new MonitorHarness(options);
        foreach (var id in new[] { "sa-1", "sa-2", "cache", "auth", "api", "meta" })
        {
            harness.Check(id).Take(TimeSpan.FromSeconds(2));
        }

        // Act: the six run two at a time, in three waves of 2 s.
        harness.Monitor.Start();
        await Poll.UntilAsync(() => Total(harness, c => c.DelaysStarted) == 2, "wave 1 running");
        for (int wave = 2; wave <= 3; wave++)
        {
            int started = wave * 2;
            await harness.AdvanceAsync(TimeSpan.FromSeconds(2), () => Total(harness, c => c.DelaysStarted) == started, $"wave {wave} running");
            Assert.Equal(2, harness.Concurrency.Current);
        }

        await harness.AdvanceAsync(TimeSpan.FromSeconds(2), () => harness.AllStates.All(s => s.State == HealthState.Healthy), "every resource Healthy");

        // Assert: never more than two at once, and waiting for a slot is no failure.
        Assert.Equal(2, harness.Concurrency.Max);
        Assert.Equal(6, harness.Outcomes.GetMeasurementSnapshot().ContainsTags(Tag(HealthTelemetryNames.OutcomeTag, "Success")).EvaluateAsCounter());
        Assert.Equal(0, harness.Outcomes.GetMeasurementSnapshot().Where(m => !m.ContainsTags(Tag(HealthTelemetryNames.OutcomeTag, "Success"))).EvaluateAsCounter());
        Assert.Empty(harness.Events("MonitorOverloaded"));

        static int Total(MonitorHarness harness, Func<FakeCheck, int> count) => harness.AllChecks.Sum(count);
    }

    [Fact]
    public async Task Probe_NoSlotWithinTheInterval_InconclusiveNotFailure()
    {
        // Arrange: one slot, two hung checks; interval 2 s, timeout 1.5 s, so a hung check holds the slot 2.5 s.
        var options = TestOptions.With(
            [TestOptions.Resource("a", ResourceKind.Storage), TestOptions.Resource("b", ResourceKind.Storage)],
            [new RegistryOptions { Name = "contoso", Storage = "a" }, new RegistryOptions { Name = "fabrikam", Storage = "b" }]);
        options.Evaluation.IntervalSeconds = 2;
        options.Evaluation.TimeoutSeconds = 1.5;
        options.Evaluation.MaxConcurrentChecks = 1;
        await using var harness = new MonitorHarness(options);
        harness.Check("a").Hang();
        harness.Check("b").Hang();
        harness.Monitor.Start();
        await Poll.UntilAsync(() => harness.AllChecks.Sum(c => c.CallCount) == 1 && harness.Clock.ActiveTimerCount == 2, "one probe running, one waiting");
        var running = harness.AllChecks.Single(c => c.CallCount == 1) == harness.Check("a") ? "a" : "b";
        var waiting = running == "a" ? "b" : "a";

        // Act 1: the waiting probe gets no slot within its interval.
        await harness.AdvanceAsync(TimeSpan.FromSeconds(2), () => harness.State(waiting).LastResult is not null && harness.Clock.ActiveTimerCount == 2, $"{waiting} gave up waiting and queued again");

        // Assert 1
        var state = harness.State(waiting);
        Assert.Equal(CheckOutcome.Inconclusive, state.LastResult!.Outcome);
        Assert.Contains("overloaded", state.LastResult.Error, StringComparison.Ordinal);
        Assert.Equal(0, harness.Check(waiting).CallCount);
        var overloaded = Assert.Single(harness.Events("MonitorOverloaded"));
        Assert.Equal(waiting, overloaded.GetStructuredStateValue("Resource"));

        // Act 2: the slot frees up when the hung probe is given up (2.5 s); the waiting one gets it.
        await harness.AdvanceAsync(TimeSpan.FromSeconds(0.5), () => harness.Check(waiting).CallCount == 1 && harness.State(running).LastResult is not null, $"{running} given up, {waiting} probed");

        // Assert 2: overload and hangs never count against a dependency.
        Assert.Equal(CheckOutcome.Inconclusive, harness.State(running).LastResult!.Outcome);
        Assert.Equal(0, harness.Outcomes.GetMeasurementSnapshot().ContainsTags(Tag(HealthTelemetryNames.OutcomeTag, "Failure")).EvaluateAsCounter());
        Assert.All(new[] { "contoso", "fabrikam" }, r => Assert.Equal(HealthState.Healthy, harness.Verdict(r).Status));
    }

    [Fact]
    public async Task Record_ThresholdCrossed_TransitionEventsAndMetrics()
    {
        // Arrange: everything healthy after the first round.
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        await harness.StartAsync();
        Assert.Equal(6, harness.Events("ResourceHealthy").Count);
        Assert.Empty(harness.Events("RegistryHealthy"));
        harness.Logs.Clear();
        harness.Transitions.Clear();

        // Act 1: sa-1 fails twice (below the threshold).
        harness.Check("sa-1").Fail("read-only file system");
        await harness.RunIntervalsAsync(2);

        // Assert 1: no transition yet.
        Assert.Empty(harness.Events("ResourceUnhealthy"));
        Assert.Equal(0, harness.Transitions.GetMeasurementSnapshot().EvaluateAsCounter());

        // Act 2: the third failure.
        await harness.RunIntervalsAsync(1);

        // Assert 2: sa-1 down, contoso (and only contoso) down, each once.
        var resource = Assert.Single(harness.Events("ResourceUnhealthy"));
        Assert.Equal(LogLevel.Error, resource.Level);
        Assert.Equal(HealthEventIds.ResourceUnhealthy, resource.Id.Id);
        Assert.Equal("sa-1", Value(resource, "Resource"));
        Assert.Equal(nameof(ResourceKind.Storage), Value(resource, "Kind"));
        Assert.Equal("3", Value(resource, "Failures"));
        Assert.Equal("read-only file system", Value(resource, "Error"));
        var registry = Assert.Single(harness.Events("RegistryUnhealthy"));
        Assert.Equal("contoso", Value(registry, "Registry"));
        Assert.Equal("eastus", Value(registry, "Region"));
        Assert.Equal("storage 'sa-1' is unhealthy: read-only file system", Value(registry, "Reason"));
        Assert.Equal(1, harness.Transitions.GetMeasurementSnapshot().ContainsTags(Tag("subject", "resource"), Tag("kind", "Storage"), Tag("state", "Unhealthy")).EvaluateAsCounter());
        Assert.Equal(1, harness.Transitions.GetMeasurementSnapshot().ContainsTags(Tag("subject", "registry"), Tag("state", "Unhealthy")).EvaluateAsCounter());
        Assert.Equal(2, harness.Transitions.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(HealthState.Unhealthy, harness.Verdict("contoso").Status);
        Assert.Equal(HealthState.Healthy, harness.Verdict("fabrikam").Status);

        // Act 3: steady failure is not logged again; then one success (not enough) and a second one.
        await harness.RunIntervalsAsync(3);
        harness.Check("sa-1").Succeed();
        await harness.RunIntervalsAsync(1);
        Assert.Single(harness.Events("ResourceUnhealthy"));
        Assert.Empty(harness.Events("ResourceHealthy"));
        await harness.RunIntervalsAsync(1);

        // Assert 3: back up, each once.
        var healthy = Assert.Single(harness.Events("ResourceHealthy"));
        Assert.Equal("sa-1", Value(healthy, "Resource"));
        Assert.Equal(nameof(HealthState.Unhealthy), Value(healthy, "Previous"));
        Assert.Equal("2", Value(healthy, "Successes"));
        var registryHealthy = Assert.Single(harness.Events("RegistryHealthy"));
        Assert.Equal("contoso", Value(registryHealthy, "Registry"));
        Assert.Equal(1, harness.Transitions.GetMeasurementSnapshot().ContainsTags(Tag("subject", "registry"), Tag("state", "Healthy")).EvaluateAsCounter());
        Assert.Equal(4, harness.Transitions.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(HealthState.Healthy, harness.Verdict("contoso").Status);
    }

    [Fact]
    public async Task Record_SharedCacheUnhealthy_EveryDependentRegistryLogged()
    {
        // Arrange
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        await harness.StartAsync();
        harness.Check("cache").Fail("OOM command not allowed when used memory > 'maxmemory'");

        // Act
        await harness.RunIntervalsAsync(3);

        // Assert
        Assert.Equal(["contoso", "fabrikam"], harness.Events("RegistryUnhealthy").Select(e => Value(e, "Registry")!).Order().ToArray());
        Assert.Single(harness.Events("ResourceUnhealthy"));
    }

    [Fact]
    public async Task StopAsync_HungCheck_ReturnsPromptlyAndCancelsIt()
    {
        // Arrange
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        var hung = harness.Check("meta");
        hung.Hang();
        harness.Monitor.Start();
        await Poll.UntilAsync(() => hung.InFlight == 1, "the hung probe running");

        // Act
        var stop = harness.Monitor.StopAsync();
        var first = await Task.WhenAny(stop, Task.Delay(Poll.Deadline));

        // Assert
        Assert.Same(stop, first);
        await stop;
        await Poll.UntilAsync(() => hung.CancelledCount == 1, "the hung probe saw cancellation");
        Assert.Single(harness.Events("MonitorStopped"));
    }

    [Fact]
    public async Task StopAsync_CheckIgnoringCancellation_StillReturnsPromptly()
    {
        // Arrange
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        var stuck = harness.Check("auth");
        stuck.HangIgnoringCancellation();
        harness.Monitor.Start();
        await Poll.UntilAsync(() => stuck.InFlight == 1, "the stuck probe running");

        // Act
        var stop = harness.Monitor.StopAsync();
        var first = await Task.WhenAny(stop, Task.Delay(Poll.Deadline));

        // Assert
        Assert.Same(stop, first);
        await stop;
        Assert.Equal(0, harness.Clock.ActiveTimerCount);
    }

    [Fact]
    public async Task StopAsync_AfterStop_NoMoreProbes()
    {
        // Arrange
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        await harness.StartAsync();

        // Act
        await harness.Monitor.StopAsync();
        harness.Clock.AdvanceStepwise(TimeSpan.FromMinutes(5));

        // Assert
        Assert.All(harness.AllChecks, c => Assert.Equal(1, c.CallCount));
        Assert.Equal(0, harness.Clock.ActiveTimerCount);
    }

    private static string? Value(FakeLogRecord entry, string name) => entry.GetStructuredStateValue(name);

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);
}
