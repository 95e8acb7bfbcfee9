namespace Router.Health.Configuration;

/// <summary>Probe timing and the thresholds of the state machine.</summary>
public sealed class HealthEvaluationOptions
{
    /// <summary>Seconds between two probes of one resource. <value>The default value is 5.</value></summary>
    public double IntervalSeconds { get; set; } = 5;

    /// <summary>Seconds one probe may take; must be less than the interval. <value>The default value is 3.</value></summary>
    public double TimeoutSeconds { get; set; } = 3;

    /// <summary>Consecutive failures that make a resource Unhealthy. <value>The default value is 3.</value></summary>
    public int FailuresToUnhealthy { get; set; } = 3;

    /// <summary>Consecutive successes that make it Healthy again. <value>The default value is 2.</value></summary>
    public int SuccessesToHealthy { get; set; } = 2;

    /// <summary>
    /// A resource with no conclusive result for this long counts as healthy (fail-open) with a reason.
    /// <value>The default value is 60.</value>
    /// </summary>
    public double StaleAfterSeconds { get; set; } = 60;

    /// <summary>Probes running at once at most. <value>The default value is 64.</value></summary>
    public int MaxConcurrentChecks { get; set; } = 64;
}
