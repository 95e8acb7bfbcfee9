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
}
