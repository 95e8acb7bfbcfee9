namespace Router.Health.Evaluation;

/// <summary>The state of a resource or a registry. <see cref="Unknown"/> is the default and counts as available.</summary>
public enum HealthState
{
    Unknown,
    Healthy,
    Unhealthy,
}
