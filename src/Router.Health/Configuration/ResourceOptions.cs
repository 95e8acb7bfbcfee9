namespace Router.Health.Configuration;

/// <summary>
/// One backing resource, probed once per interval however many registries share it: either one <see cref="Check"/>,
/// or a zone pool of <see cref="Instances"/>, one per availability zone.
/// </summary>
public sealed class ResourceOptions
{
    public string? Id { get; set; }

    public ResourceKind? Kind { get; set; }

    /// <summary>How the resource is checked; not with <see cref="Instances"/>.</summary>
    public CheckOptions Check { get; set; } = new();

    /// <summary>
    /// A zone pool: one instance per zone, each with its own check and its own state machine (the thresholds of
    /// <c>Evaluation</c>). Instead of <see cref="Check"/>. <value>The default value is none (one check).</value>
    /// </summary>
    public List<ZoneInstanceOptions> Instances { get; set; } = [];

    /// <summary>
    /// A zone pool is Healthy while at least this many instances are (Unknown and stale ones count as healthy:
    /// fail-open). 1 to the number of instances. <value>The default value is a majority (instances / 2 + 1).</value>
    /// </summary>
    public int? MinHealthy { get; set; }
}
