namespace Router.Health.Configuration;

/// <summary>One registry and the resources it depends on, by kind.</summary>
public sealed class RegistryOptions
{
    public string? Name { get; set; }

    public string? Storage { get; set; }

    public string? Cache { get; set; }

    public string? Auth { get; set; }

    public string? Container { get; set; }

    /// <summary>Only for registries that use metadata search.</summary>
    public string? Metadata { get; set; }

    /// <summary>The per-registry kill switch; unset follows the global one.</summary>
    public DeepEvaluationMode? DeepEvaluation { get; set; }

    /// <summary>
    /// The availability zones the registry is served from (<c>["1","2","3"]</c>): the verdict is Unhealthy when no one
    /// of them has every zonal dependency (zone pool) of the registry healthy. Every zonal dependency must have an
    /// instance in each. <value>The default value is none (no zone rule).</value>
    /// </summary>
    public List<string> Zones { get; set; } = [];
}
