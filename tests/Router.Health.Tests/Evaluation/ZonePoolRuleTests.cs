using Microsoft.Extensions.Time.Testing;
using Router.Health.Checks;
using Router.Health.Configuration;
using Router.Health.Evaluation;
using Router.Health.Tests.Monitoring;
using Router.Health.Topology;

namespace Router.Health.Tests.Evaluation;

/// <summary>The zone pool rule itself, pure: the state from the instances' counts, each instance's own state machine, staleness.</summary>
public sealed class ZonePoolRuleTests
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(60);
    private readonly FakeTimeProvider _clock = new();

    [Theory]
    [InlineData(3, 2, 3, 0, HealthState.Healthy)]
    [InlineData(3, 2, 2, 1, HealthState.Healthy)]
    [InlineData(3, 2, 1, 2, HealthState.Unhealthy)]
    [InlineData(3, 2, 1, 1, HealthState.Unknown)] // holds only by counting the third (Unknown) as healthy
    [InlineData(3, 2, 0, 0, HealthState.Unknown)]
    [InlineData(3, 1, 1, 2, HealthState.Healthy)]
    [InlineData(3, 1, 0, 3, HealthState.Unhealthy)]
    [InlineData(3, 3, 2, 1, HealthState.Unhealthy)]
    [InlineData(5, 3, 3, 2, HealthState.Healthy)]
    [InlineData(5, 3, 2, 3, HealthState.Unhealthy)]
    public void StateOf_Counts_PoolState(int count, int minHealthy, int healthy, int unhealthy, HealthState expected) =>
        Assert.Equal(expected, ZonePoolRule.StateOf(count, minHealthy, healthy, unhealthy));

    [Fact]
    public void WithInstance_EachInstanceItsOwnStateMachine_PoolSumsThemUp()
    {
        // Arrange: 3 failures down, 2 successes up.
        var resource = Pool(minHealthy: 2);
        var policy = new HysteresisPolicy(new HysteresisOptions { FailuresToUnhealthy = 3, SuccessesToHealthy = 2 });
        var pool = ZonePoolRule.Initial(resource, _clock.GetUtcNow());
        for (int zone = 0; zone < 3; zone++)
        {
            pool = Record(resource, policy, pool, zone, CheckResult.Success(TimeSpan.Zero));
        }

        var healthySince = pool.Since;

        // Act: zone 3 fails three times, zone 2 twice.
        for (int i = 0; i < 3; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(5));
            pool = Record(resource, policy, pool, 2, CheckResult.Failure("EROFS", TimeSpan.Zero));
            if (i < 2)
            {
                pool = Record(resource, policy, pool, 1, CheckResult.Failure("ENOSPC", TimeSpan.Zero));
            }
        }

        // Assert: only zone 3 crossed its threshold; the pool holds, unchanged since it became Healthy.
        Assert.Equal([HealthState.Healthy, HealthState.Healthy, HealthState.Unhealthy], pool.Zones!.Select(z => z.State));
        Assert.Equal(HealthState.Healthy, pool.State);
        Assert.Equal(healthySince, pool.Since);
        Assert.Equal(3, pool.ConsecutiveFailures);
        Assert.Equal("zone 3: EROFS", pool.LastError);
        var view = RegistryEvaluator.View(resource, 0, pool, StaleAfter, _clock.GetUtcNow());
        Assert.Equal(HealthState.Healthy, view.EffectiveState);
        Assert.Equal(1UL << 2, view.LostZones);
        Assert.Equal((DependencyEffect.None, (string?)null), RegistryEvaluator.Explain(view, resource, StaleAfter, _clock.GetUtcNow()));

        // Act 2: zone 2's third failure.
        _clock.Advance(TimeSpan.FromSeconds(5));
        pool = Record(resource, policy, pool, 1, CheckResult.Failure("ENOSPC", TimeSpan.Zero));

        // Assert 2
        Assert.Equal(HealthState.Unhealthy, pool.State);
        Assert.Equal(_clock.GetUtcNow(), pool.Since);
        Assert.Equal("zone 2: ENOSPC, zone 3: EROFS", pool.LastError);
    }

    [Fact]
    public void View_UnhealthyInstancesStale_CountAsHealthyFailOpen()
    {
        // Arrange: zones 2 and 3 Unhealthy at t0.
        var resource = Pool(minHealthy: 2);
        var policy = new HysteresisPolicy(new HysteresisOptions { FailuresToUnhealthy = 1, SuccessesToHealthy = 1 });
        var pool = ZonePoolRule.Initial(resource, _clock.GetUtcNow());
        pool = Record(resource, policy, pool, 1, CheckResult.Failure("EROFS", TimeSpan.Zero));
        pool = Record(resource, policy, pool, 2, CheckResult.Failure("EROFS", TimeSpan.Zero));
        _clock.Advance(TimeSpan.FromSeconds(30));
        pool = Record(resource, policy, pool, 0, CheckResult.Success(TimeSpan.Zero));

        // Act: 60 s after the failures, and just after.
        var atDeadline = RegistryEvaluator.View(resource, 0, pool, StaleAfter, _clock.GetUtcNow().AddSeconds(30));
        var after = RegistryEvaluator.View(resource, 0, pool, StaleAfter, _clock.GetUtcNow().AddSeconds(30).AddTicks(1));

        // Assert
        Assert.Equal(HealthState.Unhealthy, atDeadline.EffectiveState);
        Assert.Equal((1UL << 1) | (1UL << 2), atDeadline.LostZones);
        Assert.Equal(HealthState.Unknown, after.EffectiveState);
        Assert.True(after.Stale);
        Assert.Equal(0UL, after.LostZones);
        var (effect, reason) = RegistryEvaluator.Explain(after, resource, StaleAfter, _clock.GetUtcNow().AddSeconds(30).AddTicks(1));
        Assert.Equal(DependencyEffect.FailOpen, effect);
        Assert.Equal("storage 'sa' holds 2 of 3 zones only by counting unknown ones as healthy (zone 2: stale, zone 3: stale)", reason);
    }

    private ResourceHealth Record(ResourceDefinition resource, HysteresisPolicy policy, ResourceHealth pool, int zone, CheckResult result) =>
        ZonePoolRule.WithInstance(resource, pool, zone, policy.Next(pool.Zones![zone], result, _clock.GetUtcNow()), _clock.GetUtcNow());

    private ResourceDefinition Pool(int minHealthy) => new("sa", ResourceKind.Storage,
        [.. Enumerable.Range(0, 3).Select(i => new ResourceProbe(new FakeCheck(_clock), TimeSpan.FromSeconds(3), (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), i))],
        "fingerprint", minHealthy);
}
