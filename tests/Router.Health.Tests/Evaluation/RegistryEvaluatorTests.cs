using Microsoft.Extensions.Time.Testing;
using Router.Health.Checks;
using Router.Health.Configuration;
using Router.Health.Evaluation;
using Router.Health.Tests.Monitoring;
using Router.Health.Tests.Topology;
using Router.Health.Topology;

namespace Router.Health.Tests.Evaluation;

/// <summary>
/// The per-registry verdict: Unhealthy iff a dependency is Unhealthy with fresh data; Unknown, stale and switched
/// off count as healthy with <c>failOpen</c> and a reason. contoso: sa-1, cache, auth, api, meta; fabrikam: sa-2,
/// cache, auth, api.
/// </summary>
public sealed class RegistryEvaluatorTests
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(60);

    private readonly FakeTimeProvider _clock = new();
    private readonly HealthTopology _topology;
    private readonly ResourceHealth[] _states;

    public RegistryEvaluatorTests()
    {
        var errors = new List<string>();
        _topology = HealthTopology.Build(TestOptions.ContosoAndFabrikam(), _clock, "Health", errors, (_, _, _) => new FakeCheck(_clock))
            ?? throw new InvalidOperationException(string.Join("; ", errors));

        // Everything probed and healthy at the start time.
        _states = [.. _topology.Resources.Select(_ => Healthy(_clock.GetUtcNow()))];
    }

    [Fact]
    public void Evaluate_AllDependenciesHealthy_HealthyWithoutFailOpen()
    {
        // Act
        var verdict = Evaluate("contoso");

        // Assert
        Assert.Equal(new RegistryVerdict(HealthState.Healthy, false, null), verdict);
    }

    [Fact]
    public void Evaluate_DependencyUnhealthyWithFreshData_UnhealthyWithReason()
    {
        // Arrange
        _clock.Advance(TimeSpan.FromSeconds(15));
        Set("cache", Unhealthy(_clock.GetUtcNow(), "READONLY You can't write against a read only replica"));

        // Act
        var verdict = Evaluate("contoso");

        // Assert
        Assert.Equal(HealthState.Unhealthy, verdict.Status);
        Assert.False(verdict.FailOpen);
        Assert.Equal("cache 'cache' is unhealthy: READONLY You can't write against a read only replica", verdict.Reason);
    }

    [Fact]
    public void Evaluate_TwoDependenciesUnhealthy_ReasonNamesBoth()
    {
        // Arrange
        Set("sa-1", Unhealthy(_clock.GetUtcNow(), "read-only file system"));
        Set("auth", Unhealthy(_clock.GetUtcNow(), "status 401, expected 200"));

        // Act
        var verdict = Evaluate("contoso");

        // Assert
        Assert.Equal(HealthState.Unhealthy, verdict.Status);
        Assert.Equal("storage 'sa-1' is unhealthy: read-only file system; auth 'auth' is unhealthy: status 401, expected 200", verdict.Reason);
    }

    [Fact]
    public void Evaluate_UnhealthyAndUnknownDependencies_UnhealthyWithoutFailOpen()
    {
        // Arrange
        Set("sa-1", Unhealthy(_clock.GetUtcNow(), "disk full"));
        Set("cache", ResourceHealth.Initial(_clock.GetUtcNow()));

        // Act
        var verdict = Evaluate("contoso");

        // Assert: the broken dependency decides; fail-open is not reported for a 503.
        Assert.Equal(HealthState.Unhealthy, verdict.Status);
        Assert.False(verdict.FailOpen);
        Assert.DoesNotContain("cache", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_DependencyWithNoResultYet_HealthyFailOpenWithReason()
    {
        // Arrange
        Set("api", ResourceHealth.Initial(_clock.GetUtcNow()));

        // Act
        var verdict = Evaluate("contoso");

        // Assert
        Assert.Equal(HealthState.Healthy, verdict.Status);
        Assert.True(verdict.FailOpen);
        Assert.Equal("container 'api' has no result yet; counted as healthy", verdict.Reason);
    }

    [Fact]
    public void Evaluate_UnknownWithFailuresBelowThreshold_HealthyFailOpenSaysNotSettled()
    {
        // Arrange: two failures from the start, threshold 3.
        var policy = new HysteresisPolicy(new HysteresisOptions { FailuresToUnhealthy = 3 });
        var meta = ResourceHealth.Initial(_clock.GetUtcNow());
        meta = policy.Next(meta, CheckResult.Failure("connection refused", TimeSpan.Zero), _clock.GetUtcNow());
        meta = policy.Next(meta, CheckResult.Failure("connection refused", TimeSpan.Zero), _clock.GetUtcNow());
        Set("meta", meta);

        // Act
        var verdict = Evaluate("contoso");

        // Assert
        Assert.Equal(HealthState.Healthy, verdict.Status);
        Assert.True(verdict.FailOpen);
        Assert.Equal("metadata 'meta' is not settled yet (2 consecutive failure(s), last: connection refused); counted as healthy", verdict.Reason);
    }

    [Fact]
    public void Evaluate_UnhealthyButStale_HealthyFailOpenNamingStaleness()
    {
        // Arrange: Unhealthy at t0, then only inconclusive results for longer than StaleAfter.
        Set("sa-1", Unhealthy(_clock.GetUtcNow(), "disk full"));
        _clock.Advance(StaleAfter + TimeSpan.FromSeconds(1));

        // Act
        var verdict = Evaluate("contoso");

        // Assert
        Assert.Equal(HealthState.Healthy, verdict.Status);
        Assert.True(verdict.FailOpen);
        Assert.Contains("storage 'sa-1' has no conclusive result for 60 s", verdict.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(59, HealthState.Unhealthy)]
    [InlineData(60, HealthState.Unhealthy)]
    [InlineData(61, HealthState.Healthy)]
    public void Evaluate_AgeOfLastConclusiveResult_StaleOnlyBeyondStaleAfter(int ageSeconds, HealthState expected)
    {
        // Arrange
        Set("sa-1", Unhealthy(_clock.GetUtcNow(), "disk full"));

        // The other dependencies stay fresh.
        _clock.Advance(TimeSpan.FromSeconds(ageSeconds));
        foreach (string id in new[] { "cache", "auth", "api", "meta" })
        {
            Set(id, Healthy(_clock.GetUtcNow()));
        }

        // Act
        var verdict = Evaluate("contoso");

        // Assert
        Assert.Equal(expected, verdict.Status);
        Assert.Equal(expected == HealthState.Healthy, verdict.FailOpen);
    }

    [Fact]
    public void Evaluate_HealthyButStale_FailOpen()
    {
        // Arrange: nothing conclusive for 90 s.
        _clock.Advance(TimeSpan.FromSeconds(90));

        // Act
        var verdict = Evaluate("fabrikam");

        // Assert
        Assert.Equal(HealthState.Healthy, verdict.Status);
        Assert.True(verdict.FailOpen);
        Assert.Contains("storage 'sa-2' has no conclusive result for 60 s; counted as healthy", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_GlobalDeepEvaluationDisabled_HealthyFailOpenDisabledReason()
    {
        // Arrange
        Set("sa-1", Unhealthy(_clock.GetUtcNow(), "disk full"));

        // Act
        var verdict = Evaluate("contoso", DeepEvaluationMode.Disabled);

        // Assert
        Assert.Equal(new RegistryVerdict(HealthState.Healthy, true, "deep evaluation disabled"), verdict);
    }

    [Fact]
    public void Evaluate_GlobalDisabledRegistryEnabled_StillDisabled()
    {
        // Arrange: the kill switch wins wherever it is thrown.
        var topology = Build(o => o.Registries[0].DeepEvaluation = DeepEvaluationMode.Enabled);
        var states = topology.Resources.Select(_ => Unhealthy(_clock.GetUtcNow(), "down")).ToArray();

        // Act
        var verdict = RegistryEvaluator.Evaluate(topology.Registries[0], states, topology, DeepEvaluationMode.Disabled, StaleAfter, _clock.GetUtcNow());

        // Assert
        Assert.Equal(new RegistryVerdict(HealthState.Healthy, true, RegistryEvaluator.DeepEvaluationDisabledReason), verdict);
    }

    [Fact]
    public void Evaluate_RegistryDeepEvaluationDisabled_OnlyThatRegistryPassesThrough()
    {
        // Arrange: both share the broken cache; only fabrikam has its switch off.
        var topology = Build(o => o.Registries[1].DeepEvaluation = DeepEvaluationMode.Disabled);
        var states = topology.Resources.Select(r => r.Id == "cache" ? Unhealthy(_clock.GetUtcNow(), "OOM") : Healthy(_clock.GetUtcNow())).ToArray();

        // Act
        var contoso = RegistryEvaluator.Evaluate(topology.Registries[0], states, topology, DeepEvaluationMode.Enabled, StaleAfter, _clock.GetUtcNow());
        var fabrikam = RegistryEvaluator.Evaluate(topology.Registries[1], states, topology, DeepEvaluationMode.Enabled, StaleAfter, _clock.GetUtcNow());

        // Assert
        Assert.Equal(HealthState.Unhealthy, contoso.Status);
        Assert.Equal(new RegistryVerdict(HealthState.Healthy, true, "deep evaluation disabled"), fabrikam);
    }

    [Fact]
    public void Evaluate_MetadataUnhealthy_OnlyRegistriesThatNameMetadataUnhealthy()
    {
        // Arrange
        Set("meta", Unhealthy(_clock.GetUtcNow(), "password authentication failed"));

        // Act
        var contoso = Evaluate("contoso");
        var fabrikam = Evaluate("fabrikam");

        // Assert
        Assert.Equal(HealthState.Unhealthy, contoso.Status);
        Assert.Contains("metadata 'meta'", contoso.Reason, StringComparison.Ordinal);
        Assert.Equal(new RegistryVerdict(HealthState.Healthy, false, null), fabrikam);
    }

    [Fact]
    public void Evaluate_Sa1Unhealthy_OnlyContosoUnhealthy()
    {
        // Arrange
        Set("sa-1", Unhealthy(_clock.GetUtcNow(), "read-only file system"));

        // Act
        var contoso = Evaluate("contoso");
        var fabrikam = Evaluate("fabrikam");

        // Assert
        Assert.Equal(HealthState.Unhealthy, contoso.Status);
        Assert.Equal(HealthState.Healthy, fabrikam.Status);
        Assert.False(fabrikam.FailOpen);
    }

    [Fact]
    public void Evaluate_SharedDependencyUnhealthy_EveryDependentUnhealthy()
    {
        // Arrange
        Set("auth", Unhealthy(_clock.GetUtcNow(), "status 503"));

        // Act + Assert
        Assert.Equal(HealthState.Unhealthy, Evaluate("contoso").Status);
        Assert.Equal(HealthState.Unhealthy, Evaluate("fabrikam").Status);
    }

    [Fact]
    public void View_StaleUnhealthy_EffectivelyUnknown()
    {
        // Arrange
        var health = Unhealthy(_clock.GetUtcNow(), "disk full");
        _clock.Advance(TimeSpan.FromMinutes(5));

        // Act
        var view = RegistryEvaluator.View(ResourceKind.Storage, 0, health, StaleAfter, _clock.GetUtcNow());

        // Assert
        Assert.True(view.Stale);
        Assert.Equal(HealthState.Unknown, view.EffectiveState);
        Assert.Equal(HealthState.Unhealthy, view.Health.State);
    }

    [Fact]
    public void View_NeverProbed_UnknownAndNotStale()
    {
        // Arrange
        var health = ResourceHealth.Initial(_clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromMinutes(5));

        // Act
        var view = RegistryEvaluator.View(ResourceKind.Cache, 2, health, StaleAfter, _clock.GetUtcNow());

        // Assert
        Assert.False(view.Stale);
        Assert.Equal(HealthState.Unknown, view.EffectiveState);
    }

    private RegistryVerdict Evaluate(string registry, DeepEvaluationMode global = DeepEvaluationMode.Enabled)
    {
        Assert.True(_topology.TryFindRegistry(registry, out int index));
        return RegistryEvaluator.Evaluate(_topology.Registries[index], _states, _topology, global, StaleAfter, _clock.GetUtcNow());
    }

    private HealthTopology Build(Action<HealthOptions> configure)
    {
        var options = TestOptions.ContosoAndFabrikam();
        configure(options);
        var errors = new List<string>();
        return HealthTopology.Build(options, _clock, "Health", errors, (_, _, _) => new FakeCheck(_clock))
            ?? throw new InvalidOperationException(string.Join("; ", errors));
    }

    private void Set(string id, ResourceHealth health) => _states[Array.FindIndex(_topology.Resources, r => r.Id == id)] = health;

    private static ResourceHealth Healthy(DateTimeOffset at) => new()
    {
        State = HealthState.Healthy,
        Since = at,
        ConsecutiveSuccesses = 1,
        LastConclusiveAt = at,
        LastCheckedAt = at,
        LastResult = CheckResult.Success(TimeSpan.FromMilliseconds(2)),
    };

    private static ResourceHealth Unhealthy(DateTimeOffset at, string error) => new()
    {
        State = HealthState.Unhealthy,
        Since = at,
        ConsecutiveFailures = 3,
        LastConclusiveAt = at,
        LastCheckedAt = at,
        LastResult = CheckResult.Failure(error, TimeSpan.FromMilliseconds(2)),
        LastError = error,
    };
}
