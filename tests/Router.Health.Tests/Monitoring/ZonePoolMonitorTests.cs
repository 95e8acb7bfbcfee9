using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Router.Health.Configuration;
using Router.Health.Diagnostics;
using Router.Health.Evaluation;
using Router.Health.Tests.Topology;

namespace Router.Health.Tests.Monitoring;

/// <summary>
/// Zone pools in the monitor, in virtual time with fake checks: one state machine per instance, the pool rule
/// (MinHealthy), fail-open for Unknown and stale instances, and a registry's <c>Zones</c> rule.
/// </summary>
public sealed class ZonePoolMonitorTests
{
    private const ulong Zone1 = 1UL << 0;
    private const ulong Zone2 = 1UL << 1;
    private const ulong Zone3 = 1UL << 2;

    [Fact]
    public async Task Probe_OneZoneFails_PoolHoldsAndVerdictNamesTheLostZone()
    {
        // Arrange: storage in three zones, a majority (2) needed.
        await using var harness = new MonitorHarness(StoragePool());
        await harness.StartAsync();

        // Act: zone 2 fails its threshold (3 failures).
        harness.Check("sa-z2").Fail("Read-only file system");
        await harness.RunIntervalsAsync(3);

        // Assert: the instance is Unhealthy, the pool and the registry are not; the zone is named as lost.
        var pool = harness.State("sa");
        Assert.Equal(HealthState.Healthy, pool.State);
        Assert.Equal([HealthState.Healthy, HealthState.Unhealthy, HealthState.Healthy], pool.Zones!.Select(z => z.State));
        var verdict = harness.Verdict("contoso");
        Assert.Equal(new RegistryVerdict(HealthState.Healthy, false, null, Zone2), verdict);
        var lost = Assert.Single(harness.Events(nameof(HealthEventIds.ZoneInstanceUnhealthy)));
        Assert.Contains("lost zone 2 after 3 consecutive failures: Read-only file system. The pool is Healthy (2 of 3 needed)", lost.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Events(nameof(HealthEventIds.ResourceUnhealthy)));
        Assert.Empty(harness.Events(nameof(HealthEventIds.RegistryUnhealthy)));
        var transitions = harness.Transitions.GetMeasurementSnapshot();
        Assert.Equal(1, transitions.ContainsTags(Tag("subject", "zone"), Tag("kind", "Storage"), Tag("zone", "2"), Tag("state", "Unhealthy")).EvaluateAsCounter());
        Assert.Equal(0, transitions.ContainsTags(Tag("subject", "resource"), Tag("state", "Unhealthy")).EvaluateAsCounter());
    }

    [Fact]
    public async Task Probe_SecondZoneFails_UnhealthyThenHealthyOnlyAfterTheHysteresis()
    {
        // Arrange
        await using var harness = new MonitorHarness(StoragePool());
        await harness.StartAsync();

        // Act 1: zones 2 and 3 fail.
        harness.Check("sa-z2").Fail("Read-only file system");
        harness.Check("sa-z3").Fail("No space left on device");
        await harness.RunIntervalsAsync(3);

        // Assert 1: fewer than MinHealthy remain: the pool and the registry are Unhealthy, saying why.
        Assert.Equal(HealthState.Unhealthy, harness.State("sa").State);
        var down = harness.Verdict("contoso");
        Assert.Equal(HealthState.Unhealthy, down.Status);
        Assert.Equal("storage 'sa' is unhealthy: 1 of 3 zones up, 2 needed (zone 2: Read-only file system, zone 3: No space left on device)", down.Reason);
        Assert.Equal(Zone2 | Zone3, down.LostZones);
        Assert.Single(harness.Events(nameof(HealthEventIds.ResourceUnhealthy)));
        Assert.Single(harness.Events(nameof(HealthEventIds.RegistryUnhealthy)));

        // Act 2: both come back; one success each is not enough (SuccessesToHealthy = 2).
        harness.Check("sa-z2").Succeed();
        harness.Check("sa-z3").Succeed();
        await harness.RunIntervalsAsync(1);

        // Assert 2
        Assert.Equal(HealthState.Unhealthy, harness.Verdict("contoso").Status);

        // Act 3: the second success.
        await harness.RunIntervalsAsync(1);

        // Assert 3: Healthy, nothing lost, and each transition told.
        Assert.Equal(new RegistryVerdict(HealthState.Healthy, false, null, 0), harness.Verdict("contoso"));
        Assert.Equal(2, harness.Events(nameof(HealthEventIds.ZoneInstanceHealthy)).Count(e => e.Message.Contains("(was Unhealthy) after 2 consecutive successes", StringComparison.Ordinal)));
        Assert.Single(harness.Events(nameof(HealthEventIds.ResourceHealthy)), e => e.Message.Contains("(was Unhealthy)", StringComparison.Ordinal));
        Assert.Single(harness.Events(nameof(HealthEventIds.RegistryHealthy)));
    }

    [Fact]
    public async Task Verdict_UnknownInstances_CountAsHealthyWithFailOpen()
    {
        // Arrange: nothing probed yet.
        await using var harness = new MonitorHarness(StoragePool());

        // Act
        var verdict = harness.Verdict("contoso");

        // Assert
        Assert.Equal(HealthState.Healthy, verdict.Status);
        Assert.True(verdict.FailOpen);
        Assert.Equal("storage 'sa' holds 2 of 3 zones only by counting unknown ones as healthy (zone 1: no result yet, zone 2: no result yet, zone 3: no result yet)",
            verdict.Reason);
    }

    [Fact]
    public async Task Verdict_UnhealthyInstancesGoStale_CountAsHealthyWithFailOpen()
    {
        // Arrange: zones 2 and 3 Unhealthy (at t = 15 s), so the pool is.
        await using var harness = new MonitorHarness(StoragePool());
        await harness.StartAsync();
        harness.Check("sa-z2").Fail();
        harness.Check("sa-z3").Fail();
        await harness.RunIntervalsAsync(3);
        Assert.Equal(HealthState.Unhealthy, harness.Verdict("contoso").Status);

        // Act: from now on their checks cannot run (the monitor's trouble); 60 s later their data is stale.
        harness.Check("sa-z2").BeInconclusive();
        harness.Check("sa-z3").BeInconclusive();
        await harness.RunIntervalsAsync(12);
        var stillFresh = harness.Verdict("contoso");
        await harness.RunIntervalsAsync(1);

        // Assert: at t = 75 s (60 s after their last failure) still Unhealthy; at t = 80 s they count as healthy.
        Assert.Equal(HealthState.Unhealthy, stillFresh.Status);
        var verdict = harness.Verdict("contoso");
        Assert.Equal(HealthState.Healthy, verdict.Status);
        Assert.True(verdict.FailOpen);
        Assert.Equal(0UL, verdict.LostZones);
        Assert.Equal("storage 'sa' holds 2 of 3 zones only by counting unknown ones as healthy (zone 2: stale, zone 3: stale)", verdict.Reason);
    }

    [Fact]
    public async Task Verdict_StorageOnlyInZone1AndFrontEndOnlyInZone2_ZonesRuleUnhealthyUntilOneZoneHasBoth()
    {
        // Arrange: both pools need one instance; "pull" declares its zones, "anyzone" does not.
        var options = TestOptions.With(
            [TestOptions.Pool("sa", ResourceKind.Storage, 1, "1", "2", "3"), TestOptions.Pool("fe", ResourceKind.Container, 1, "1", "2", "3")],
            [
                new RegistryOptions { Name = "pull", Storage = "sa", Container = "fe", Zones = ["1", "2", "3"] },
                new RegistryOptions { Name = "anyzone", Storage = "sa", Container = "fe" },
            ]);
        await using var harness = new MonitorHarness(options);
        await harness.StartAsync();

        // Act 1: storage is left only in zone 1, the front end only in zone 2.
        foreach (string id in new[] { "sa-z2", "sa-z3", "fe-z1", "fe-z3" })
        {
            harness.Check(id).Fail();
        }

        await harness.RunIntervalsAsync(3);

        // Assert 1: every pool holds, yet no zone can serve a pull.
        Assert.Equal(HealthState.Healthy, harness.State("sa").State);
        Assert.Equal(HealthState.Healthy, harness.State("fe").State);
        var pull = harness.Verdict("pull");
        Assert.Equal(HealthState.Unhealthy, pull.Status);
        Assert.Equal("no zone has all of the registry's zonal dependencies healthy (zones 1, 2, 3)", pull.Reason);
        Assert.Equal(new RegistryVerdict(HealthState.Healthy, false, null, Zone1 | Zone2 | Zone3), harness.Verdict("anyzone"));
        Assert.Contains(harness.Events(nameof(HealthEventIds.RegistryUnhealthy)), e => e.Message.Contains("pull", StringComparison.Ordinal));

        // Act 2: the front end comes back in zone 1 (two successes).
        harness.Check("fe-z1").Succeed();
        await harness.RunIntervalsAsync(2);

        // Assert 2: zone 1 has both: the pull registry is served again, with zones 2 and 3 degraded.
        Assert.Equal(new RegistryVerdict(HealthState.Healthy, false, null, Zone2 | Zone3), harness.Verdict("pull"));
        Assert.Contains(harness.Events(nameof(HealthEventIds.RegistryHealthy)), e => e.Message.Contains("pull", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Apply_PoolUnchanged_KeepsItsInstances_MinHealthyChanged_StartsAgainUnknown()
    {
        // Arrange: zone 2 lost.
        await using var harness = new MonitorHarness(StoragePool());
        await harness.StartAsync();
        harness.Check("sa-z2").Fail();
        await harness.RunIntervalsAsync(3);

        // Act 1: the same pool again (a registry added).
        var same = StoragePool();
        same.Registries.Add(new RegistryOptions { Name = "fabrikam", Storage = "sa" });
        harness.Apply(same);

        // Assert 1
        Assert.Equal([HealthState.Healthy, HealthState.Unhealthy, HealthState.Healthy], harness.State("sa").Zones!.Select(z => z.State));
        Assert.Equal(Zone2, harness.Verdict("fabrikam").LostZones);

        // Act 2: MinHealthy changed.
        var changed = StoragePool();
        changed.Resources[0].MinHealthy = 3;
        harness.Apply(changed);

        // Assert 2: the instances start again (the new loops may have probed once: the clock did not move).
        var zones = harness.State("sa").Zones!;
        Assert.NotEqual(HealthState.Unhealthy, zones[1].State);
        Assert.InRange(zones[0].ConsecutiveSuccesses, 0, 1);
        Assert.NotEqual(HealthState.Unhealthy, harness.State("sa").State);
    }

    /// <summary>Storage <c>sa</c> in zones 1, 2 and 3 (default MinHealthy: 2) behind registry <c>contoso</c>.</summary>
    internal static HealthOptions StoragePool() => TestOptions.With(
        [TestOptions.Pool("sa", ResourceKind.Storage, null, "1", "2", "3")],
        [new RegistryOptions { Name = "contoso", Storage = "sa" }]);

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);
}
