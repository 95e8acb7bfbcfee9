namespace Router.Health.Evaluation;

/// <summary>Whether a registry can be served from this region, and why.</summary>
internal readonly record struct RegistryVerdict(HealthState Status, bool FailOpen, string? Reason);
