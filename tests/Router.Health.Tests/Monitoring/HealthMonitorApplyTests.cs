using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Router.Health.Configuration;
using Router.Health.Evaluation;
using Router.Health.Tests.Topology;

namespace Router.Health.Tests.Monitoring;

/// <summary>
/// <see cref="Router.Health.Monitoring.HealthMonitor.Apply"/>: a reload keeps what it can, resets what changed, and
/// the kill switch works at once and is logged.
/// </summary>
public sealed class HealthMonitorApplyTests
{
    [Fact]
    public async Task Apply_UnchangedResources_KeepStateChangedOnesReset()
    {
        // Arrange: sa-1 and cache down.
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        harness.Check("sa-1").Fail("disk full");
        harness.Check("cache").Fail("connection refused");
        await harness.StartAsync();
        await harness.RunIntervalsAsync(2);
        var sa1Before = harness.State("sa-1");
        Assert.Equal(HealthState.Unhealthy, sa1Before.State);
        Assert.Equal(HealthState.Unhealthy, harness.State("cache").State);
        harness.Clock.AdvanceStepwise(TimeSpan.FromSeconds(1));

        // Act: the same section, rebuilt, but the cache check gets another timeout.
        var changed = TestOptions.ContosoAndFabrikam();
        changed.Resources[2].Check.TimeoutSeconds = 2;
        await harness.ApplyAsync(changed);

        // Assert: sa-1 carried its state over (and was probed once more); the cache starts from scratch.
        var sa1 = harness.State("sa-1");
        Assert.Equal(HealthState.Unhealthy, sa1.State);
        Assert.Equal(sa1Before.Since, sa1.Since);
        Assert.Equal(4, sa1.ConsecutiveFailures);
        var cache = harness.State("cache");
        Assert.Equal(HealthState.Unknown, cache.State);
        Assert.Equal(1, cache.ConsecutiveFailures);
        Assert.Equal(harness.Clock.GetUtcNow(), cache.Since);
        Assert.Equal(HealthState.Unhealthy, harness.Verdict("contoso").Status);
        Assert.Single(harness.Events("TopologyApplied"));
        Assert.Empty(harness.Events("DeepEvaluationSwitched"));
    }

    [Fact]
    public async Task Apply_RemovedAndAddedResources_ProbedByTheNewTopologyOnly()
    {
        // Arrange
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        await harness.StartAsync();
        var next = TestOptions.ContosoAndFabrikam();
        next.Resources.RemoveAt(5);
        next.Registries[0].Metadata = null;
        next.Resources.Add(TestOptions.Resource("sa-3", ResourceKind.Storage));
        next.Registries.Add(new RegistryOptions { Name = "northwind", Storage = "sa-3", Cache = "cache" });

        // Act
        await harness.ApplyAsync(next);
        await harness.RunIntervalsAsync(2);

        // Assert
        Assert.Equal(1, harness.Check("meta").CallCount);
        Assert.Equal(3, harness.Check("sa-3").CallCount);
        Assert.Equal(4, harness.Check("sa-1").CallCount);
        Assert.Equal(HealthState.Healthy, harness.State("sa-3").State);
        Assert.Equal(new RegistryVerdict(HealthState.Healthy, false, null), harness.Verdict("northwind"));
    }

    [Fact]
    public async Task Apply_GlobalKillSwitch_TakesEffectAtOnceAndIsLogged()
    {
        // Arrange: contoso down because of sa-1.
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        harness.Check("sa-1").Fail();
        await harness.StartAsync();
        await harness.RunIntervalsAsync(2);
        Assert.Equal(HealthState.Unhealthy, harness.Verdict("contoso").Status);
        var disabled = TestOptions.ContosoAndFabrikam();
        disabled.DeepEvaluation = DeepEvaluationMode.Disabled;

        // Act 1: switched off; no probe and no time needed.
        harness.Apply(disabled);

        // Assert 1
        Assert.Equal(new RegistryVerdict(HealthState.Healthy, true, "deep evaluation disabled"), harness.Verdict("contoso"));
        Assert.Equal(new RegistryVerdict(HealthState.Healthy, true, "deep evaluation disabled"), harness.Verdict("fabrikam"));
        var off = Assert.Single(harness.Events("DeepEvaluationSwitched"));
        Assert.Equal(LogLevel.Warning, off.Level);
        Assert.Equal("(all registries)", Value(off, "Registry"));
        Assert.Equal("Disabled", Value(off, "Mode"));

        // Act 2: switched on again; sa-1 kept its state meanwhile.
        harness.Apply(TestOptions.ContosoAndFabrikam());

        // Assert 2
        Assert.Equal(HealthState.Unhealthy, harness.Verdict("contoso").Status);
        Assert.Equal(["Disabled", "Enabled"], harness.Events("DeepEvaluationSwitched").Select(e => Value(e, "Mode")!).ToArray());
    }

    [Fact]
    public async Task Apply_RegistryKillSwitch_OnlyThatRegistryAndLogged()
    {
        // Arrange: the shared cache is down, so both registries are.
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        harness.Check("cache").Fail();
        await harness.StartAsync();
        await harness.RunIntervalsAsync(2);
        var fabrikamOff = TestOptions.ContosoAndFabrikam();
        fabrikamOff.Registries[1].DeepEvaluation = DeepEvaluationMode.Disabled;

        // Act 1
        harness.Apply(fabrikamOff);

        // Assert 1
        Assert.Equal(HealthState.Unhealthy, harness.Verdict("contoso").Status);
        Assert.Equal(new RegistryVerdict(HealthState.Healthy, true, "deep evaluation disabled"), harness.Verdict("fabrikam"));
        var off = Assert.Single(harness.Events("DeepEvaluationSwitched"));
        Assert.Equal("fabrikam", Value(off, "Registry"));
        Assert.Equal("Disabled", Value(off, "Mode"));

        // Act 2: the override removed: fabrikam follows the global switch again.
        harness.Apply(TestOptions.ContosoAndFabrikam());

        // Assert 2
        Assert.Equal(HealthState.Unhealthy, harness.Verdict("fabrikam").Status);
        var inherit = harness.Events("DeepEvaluationSwitched")[^1];
        Assert.Equal("fabrikam", Value(inherit, "Registry"));
        Assert.Equal("inherit", Value(inherit, "Mode"));
    }

    [Fact]
    public async Task Apply_NotStarted_DoesNotStartProbing()
    {
        // Arrange
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());

        // Act
        harness.Apply(TestOptions.ContosoAndFabrikam());
        harness.Clock.AdvanceStepwise(TimeSpan.FromMinutes(1));

        // Assert
        Assert.All(harness.AllChecks, c => Assert.Equal(0, c.CallCount));
        Assert.Equal(0, harness.Clock.ActiveTimerCount);
    }

    private static string? Value(FakeLogRecord entry, string name) => entry.GetStructuredStateValue(name);
}
