namespace Router.Health.Evaluation;

/// <summary>What one dependency does to the verdict of the registries that use it.</summary>
internal enum DependencyEffect
{
    /// <summary>Healthy with fresh data: nothing to say.</summary>
    None,

    /// <summary>Counted as healthy only because the monitor does not know better (Unknown or stale): fail-open.</summary>
    FailOpen,

    /// <summary>Unhealthy with fresh data: the registry cannot be served here.</summary>
    Unhealthy,
}
