using Router.Health.Configuration;

namespace Router.Health.Evaluation;

/// <summary>
/// One dependency of a registry as the verdict saw it. For a zone pool, <paramref name="EffectiveState"/> is the pool
/// rule's, <paramref name="Stale"/> says whether any instance is stale, and <paramref name="LostZones"/> has a bit for
/// each zone whose instance is Unhealthy with fresh data (0 for a single resource).
/// </summary>
internal readonly record struct DependencyView(ResourceKind Kind, int ResourceIndex, ResourceHealth Health, HealthState EffectiveState, bool Stale,
    ulong LostZones = 0);
