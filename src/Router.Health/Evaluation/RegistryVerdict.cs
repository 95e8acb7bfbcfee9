using Router.Health.Configuration;
using Router.Health.Topology;

namespace Router.Health.Evaluation;

/// <summary>One dependency of a registry as the verdict saw it.</summary>
internal readonly record struct DependencyView(ResourceKind Kind, int ResourceIndex, ResourceHealth Health, HealthState EffectiveState, bool Stale);

/// <summary>Whether a registry can be served from this region, and why.</summary>
internal readonly record struct RegistryVerdict(HealthState Status, bool FailOpen, string? Reason);

/// <summary>
/// The per-registry verdict (CONTRACT "Health monitor"): Unhealthy iff a dependency is Unhealthy with fresh data;
/// Unknown or stale dependencies count as healthy with <c>failOpen</c> and a reason; the kill switch passes
/// everything through. Pure.
/// </summary>
internal static class RegistryEvaluator
{
    public const string DeepEvaluationDisabledReason = "deep evaluation disabled";

    public static RegistryVerdict Evaluate(in RegistryDefinition registry, ResourceHealth[] states, HealthTopology topology,
        DeepEvaluationMode globalMode, TimeSpan staleAfter, DateTimeOffset now)
    {
        if (globalMode == DeepEvaluationMode.Disabled || registry.DeepEvaluation == DeepEvaluationMode.Disabled)
        {
            return new RegistryVerdict(HealthState.Healthy, true, DeepEvaluationDisabledReason);
        }

        string? unhealthy = null;
        string? failOpen = null;
        for (int k = 0; k < RegistryDefinition.KindCount; k++)
        {
            var kind = (ResourceKind)k;
            int index = registry[kind];
            if (index < 0)
            {
                continue;
            }

            var view = View(kind, index, states[index], staleAfter, now);
            string name = topology.Resources[index].Id;
            if (view.EffectiveState == HealthState.Unhealthy)
            {
                unhealthy = Append(unhealthy, $"{Lower(kind)} '{name}' is unhealthy: {view.Health.LastError}");
            }
            else if (view.Stale)
            {
                failOpen = Append(failOpen, $"{Lower(kind)} '{name}' has no conclusive result for {staleAfter.TotalSeconds:0} s; counted as healthy");
            }
            else if (view.EffectiveState == HealthState.Unknown)
            {
                failOpen = Append(failOpen, view.Health.LastConclusiveAt is null
                    ? view.Health.LastResult is { } last
                        ? $"{Lower(kind)} '{name}' has no conclusive result yet (last: {last.Error}); counted as healthy"
                        : $"{Lower(kind)} '{name}' has no result yet; counted as healthy"
                    : $"{Lower(kind)} '{name}' is not settled yet ({view.Health.ConsecutiveFailures} consecutive failure(s), last: {view.Health.LastError}); counted as healthy");
            }
        }

        return unhealthy is not null
            ? new RegistryVerdict(HealthState.Unhealthy, false, unhealthy)
            : new RegistryVerdict(HealthState.Healthy, failOpen is not null, failOpen);
    }

    /// <summary>How one dependency counts now: stale data (or none that is conclusive) never counts against it.</summary>
    public static DependencyView View(ResourceKind kind, int index, ResourceHealth health, TimeSpan staleAfter, DateTimeOffset now)
    {
        bool stale = health.LastConclusiveAt is { } at ? now - at > staleAfter : health.State != HealthState.Unknown;
        var effective = stale ? HealthState.Unknown : health.State;
        return new DependencyView(kind, index, health, effective, stale);
    }

    private static string Lower(ResourceKind kind) => kind switch
    {
        ResourceKind.Storage => "storage",
        ResourceKind.Cache => "cache",
        ResourceKind.Auth => "auth",
        ResourceKind.Container => "container",
        _ => "metadata",
    };

    private static string Append(string? list, string item) => list is null ? item : list + "; " + item;
}
