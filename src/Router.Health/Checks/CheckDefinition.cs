namespace Router.Health.Checks;

/// <summary>One <c>Check</c> section, parsed and validated: the type's settings, and the latency budget applied around the check.</summary>
internal sealed record CheckDefinition(ICheckSettings Settings, TimeSpan? LatencyBudget);
