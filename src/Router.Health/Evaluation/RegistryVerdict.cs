namespace Router.Health.Evaluation;

/// <summary>
/// Whether a registry can be served from this region, and why; <paramref name="LostZones"/> has a bit for each zone in
/// which one of its zonal dependencies has an Unhealthy instance (the verdict's <c>degradedZones</c>).
/// </summary>
internal readonly record struct RegistryVerdict(HealthState Status, bool FailOpen, string? Reason, ulong LostZones = 0);
