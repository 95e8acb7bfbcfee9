namespace Router.Health.Evaluation;

/// <summary>Thresholds of the resource state machine.</summary>
public sealed class HysteresisOptions
{
    /// <summary>Consecutive failures that make a resource Unhealthy. <value>The default value is 3.</value></summary>
    public int FailuresToUnhealthy { get; init; } = 3;

    /// <summary>Consecutive successes that make an Unhealthy resource Healthy. <value>The default value is 2.</value></summary>
    public int SuccessesToHealthy { get; init; } = 2;
}
