namespace Router.Health.Configuration;

/// <summary>The <c>Health</c> section: the deep health monitor of one region.</summary>
public sealed class HealthOptions
{
    /// <summary>The region this monitor runs in; reported in every verdict.</summary>
    public string? Region { get; set; }

    /// <summary>
    /// Where the health endpoints listen, as a URL (<c>http://127.0.0.11:8081</c>).
    /// <value>The default value is <c>http://127.0.0.1:8081</c>.</value>
    /// </summary>
    public string? Listen { get; set; }

    /// <summary>
    /// The global kill switch: <c>Disabled</c> makes every registry answer 200 (pass-through).
    /// <value>The default value is <c>Enabled</c>.</value>
    /// </summary>
    public DeepEvaluationMode DeepEvaluation { get; set; } = DeepEvaluationMode.Enabled;

    public HealthEvaluationOptions Evaluation { get; set; } = new();

    public List<ResourceOptions> Resources { get; set; } = [];

    public List<RegistryOptions> Registries { get; set; } = [];

    /// <summary>
    /// A JSON Lines file of more registries, one object per line with the keys of a <see cref="Registries"/> entry
    /// (<c>{"Name":"contoso","Storage":"sa-1"}</c>); blank lines and lines starting with <c>#</c> are skipped. For
    /// topologies of up to millions of registries: it is streamed, not bound. A relative path is relative to the
    /// configuration file (the loader resolves it; elsewhere, to the working directory). A name may appear in only
    /// one of the two.
    /// </summary>
    public string? RegistriesFile { get; set; }

    /// <summary>
    /// The registries read from <see cref="RegistriesFile"/>, kept here by the first validation or build of these
    /// options so the file is read once; not a configuration key.
    /// </summary>
    internal RegistryTable? RegistriesFromFile { get; set; }
}
