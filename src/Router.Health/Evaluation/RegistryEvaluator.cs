using Router.Health.Configuration;
using Router.Health.Topology;

namespace Router.Health.Evaluation;

/// <summary>
/// The per-registry verdict (CONTRACT "Health monitor"): Unhealthy iff a dependency is Unhealthy with fresh data;
/// Unknown or stale dependencies count as healthy with <c>failOpen</c> and a reason; the kill switch passes
/// everything through. Pure.
/// </summary>
internal static class RegistryEvaluator
{
    public const string DeepEvaluationDisabledReason = "deep evaluation disabled";

    /// <summary>Between the reasons of several dependencies in one verdict.</summary>
    public const string ReasonSeparator = "; ";

    /// <summary>Whether the kill switch is on for <paramref name="registry"/>: globally or for that registry.</summary>
    public static bool IsDeepEvaluationDisabled(DeepEvaluationMode globalMode, in RegistryDefinition registry) =>
        globalMode == DeepEvaluationMode.Disabled || registry.DeepEvaluation == DeepEvaluationMode.Disabled;

    /// <summary>
    /// The verdict rule, the one place it is written; every verdict (<see cref="Evaluate"/>, <see cref="Status"/>
    /// and the health endpoint's pre-encoded answer) comes from here. With the kill switch on the registry passes with
    /// <c>failOpen</c>; else one <see cref="DependencyEffect.Unhealthy"/> dependency makes it Unhealthy; else it is
    /// Healthy, with <c>failOpen</c> when a dependency counted as healthy only because the monitor does not know better.
    /// </summary>
    /// <returns>The status, whether it is fail-open, and which dependencies' reasons make up the verdict's reason
    /// (<see cref="DependencyEffect.None"/> with the kill switch on: the reason is <see cref="DeepEvaluationDisabledReason"/>).</returns>
    /// <remarks>A registry with <c>Zones</c> is also Unhealthy when <paramref name="noZoneServes"/>
    /// (<see cref="RegistryZones.NoZoneServes"/>); its reason then follows the unhealthy dependencies'.</remarks>
    public static (HealthState Status, bool FailOpen, DependencyEffect ReasonFrom) Combine(
        bool deepEvaluationDisabled, bool anyUnhealthy, bool anyFailOpen, bool noZoneServes = false) =>
        deepEvaluationDisabled ? (HealthState.Healthy, true, DependencyEffect.None)
        : anyUnhealthy || noZoneServes ? (HealthState.Unhealthy, false, DependencyEffect.Unhealthy)
        : (HealthState.Healthy, anyFailOpen, DependencyEffect.FailOpen);

    public static RegistryVerdict Evaluate(in RegistryDefinition registry, ResourceHealth[] states, HealthTopology topology,
        DeepEvaluationMode globalMode, TimeSpan staleAfter, DateTimeOffset now)
    {
        if (IsDeepEvaluationDisabled(globalMode, registry))
        {
            var (disabledStatus, disabledFailOpen, _) = Combine(true, false, false);
            return new RegistryVerdict(disabledStatus, disabledFailOpen, DeepEvaluationDisabledReason);
        }

        string? unhealthy = null;
        string? failOpen = null;
        ulong lost = 0;
        for (int k = 0; k < RegistryDefinition.KindCount; k++)
        {
            var kind = (ResourceKind)k;
            int index = registry[kind];
            if (index < 0)
            {
                continue;
            }

            var resource = topology.Resources[index];
            var view = View(resource, index, states[index], staleAfter, now);
            var (effect, reason) = Explain(view, resource, staleAfter, now);
            lost |= view.LostZones;
            if (effect == DependencyEffect.Unhealthy)
            {
                unhealthy = Append(unhealthy, reason!);
            }
            else if (effect == DependencyEffect.FailOpen)
            {
                failOpen = Append(failOpen, reason!);
            }
        }

        bool noZoneServes = RegistryZones.NoZoneServes(registry.Zones, lost);
        if (noZoneServes)
        {
            unhealthy = Append(unhealthy, registry.Zones!.Reason);
        }

        var (status, isFailOpen, reasonFrom) = Combine(false, unhealthy is not null, failOpen is not null, noZoneServes);
        return new RegistryVerdict(status, isFailOpen, reasonFrom == DependencyEffect.Unhealthy ? unhealthy : failOpen, lost);
    }

    /// <summary>
    /// <see cref="Evaluate"/>'s status alone, without building the reason: what the monitor needs to find registry
    /// transitions among the thousands of registries a resource's transition touches.
    /// </summary>
    public static HealthState Status(in RegistryDefinition registry, ResourceHealth[] states, HealthTopology topology, DeepEvaluationMode globalMode,
        TimeSpan staleAfter, DateTimeOffset now)
    {
        bool disabled = IsDeepEvaluationDisabled(globalMode, registry);
        bool anyUnhealthy = false;
        ulong lost = 0;
        for (int k = 0; k < RegistryDefinition.KindCount && !disabled && !anyUnhealthy; k++)
        {
            int index = registry[(ResourceKind)k];
            if (index >= 0)
            {
                var view = View(topology.Resources[index], index, states[index], staleAfter, now);
                anyUnhealthy = view.EffectiveState == HealthState.Unhealthy;
                lost |= view.LostZones;
            }
        }

        // Fail-open does not change the status, so it is not looked for.
        return Combine(disabled, anyUnhealthy, anyFailOpen: false, !disabled && RegistryZones.NoZoneServes(registry.Zones, lost)).Status;
    }

    /// <summary>
    /// What one dependency contributes to its registries' verdicts, and the words for it in the verdict's reason
    /// (null for <see cref="DependencyEffect.None"/>). Depends only on the resource, never on the registry: the
    /// health endpoint encodes it once per resource state (<see cref="Http.EncodedResource"/>).
    /// </summary>
    public static (DependencyEffect Effect, string? Reason) Explain(in DependencyView view, string resourceId, TimeSpan staleAfter)
    {
        var kind = view.Kind;
        if (view.EffectiveState == HealthState.Unhealthy)
        {
            return (DependencyEffect.Unhealthy, $"{Lower(kind)} '{resourceId}' is unhealthy: {view.Health.LastError}");
        }

        if (view.Stale)
        {
            return (DependencyEffect.FailOpen, $"{Lower(kind)} '{resourceId}' has no conclusive result for {staleAfter.TotalSeconds:0} s; counted as healthy");
        }

        if (view.EffectiveState == HealthState.Unknown)
        {
            return (DependencyEffect.FailOpen, view.Health.LastConclusiveAt is null
                ? view.Health.LastResult is { } last
                    ? $"{Lower(kind)} '{resourceId}' has no conclusive result yet (last: {last.Error}); counted as healthy"
                    : $"{Lower(kind)} '{resourceId}' has no result yet; counted as healthy"
                : $"{Lower(kind)} '{resourceId}' is not settled yet ({view.Health.ConsecutiveFailures} consecutive failure(s), last: {view.Health.LastError}); counted as healthy");
        }

        return (DependencyEffect.None, null);
    }

    /// <summary>
    /// <see cref="Explain(in DependencyView, string, TimeSpan)"/> for any resource: a zone pool's words come from
    /// <see cref="ZonePoolRule.Explain"/>, with its instances' staleness at <paramref name="now"/>.
    /// </summary>
    public static (DependencyEffect Effect, string? Reason) Explain(in DependencyView view, ResourceDefinition resource, TimeSpan staleAfter, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (!resource.IsPool)
        {
            return Explain(view, resource.Id, staleAfter);
        }

        Span<bool> stale = stackalloc bool[resource.Probes.Length];
        ZonePoolRule.StaleFlags(view.Health, staleAfter, now, stale);
        return ZonePoolRule.Explain(view, resource, stale);
    }

    /// <summary>How resource <paramref name="resource"/> counts now: a single one by its state, a zone pool by <see cref="ZonePoolRule"/>.</summary>
    public static DependencyView View(ResourceDefinition resource, int index, ResourceHealth health, TimeSpan staleAfter, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return resource.IsPool
            ? ZonePoolRule.View(resource, index, health, staleAfter, now)
            : View(resource.Kind, index, health, staleAfter, now);
    }

    /// <summary>How one dependency counts now: stale data (or none that is conclusive) never counts against it.</summary>
    public static DependencyView View(ResourceKind kind, int index, ResourceHealth health, TimeSpan staleAfter, DateTimeOffset now)
    {
        bool stale = health.LastConclusiveAt is { } at ? now - at > staleAfter : health.State != HealthState.Unknown;
        var effective = stale ? HealthState.Unknown : health.State;
        return new DependencyView(kind, index, health, effective, stale);
    }

    /// <summary>
    /// <see cref="View(ResourceKind, int, ResourceHealth, TimeSpan, DateTimeOffset)"/>'s staleness rule as a deadline: <paramref name="health"/> reads stale at every instant whose
    /// UTC ticks are greater than the result (<see cref="long.MinValue"/>: always, <see cref="long.MaxValue"/>: never).
    /// </summary>
    public static long StaleAfterUtcTicks(ResourceHealth health, TimeSpan staleAfter)
    {
        ArgumentNullException.ThrowIfNull(health);
        if (health.LastConclusiveAt is not { } at)
        {
            return health.State != HealthState.Unknown ? long.MinValue : long.MaxValue;
        }

        long ticks = at.UtcTicks;
        return staleAfter.Ticks > long.MaxValue - ticks ? long.MaxValue : ticks + staleAfter.Ticks;
    }

    internal static string Lower(ResourceKind kind) => kind switch
    {
        ResourceKind.Storage => "storage",
        ResourceKind.Cache => "cache",
        ResourceKind.Auth => "auth",
        ResourceKind.Container => "container",
        _ => "metadata",
    };

    private static string Append(string? list, string item) => list is null ? item : list + ReasonSeparator + item;
}
