using Router.Health.Configuration;

namespace Router.Health.Evaluation;

/// <summary>One dependency of a registry as the verdict saw it.</summary>
internal readonly record struct DependencyView(ResourceKind Kind, int ResourceIndex, ResourceHealth Health, HealthState EffectiveState, bool Stale);
