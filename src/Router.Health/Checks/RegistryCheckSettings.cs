namespace Router.Health.Checks;

/// <summary>What one <see cref="RegistryCheck"/> pulls; built and validated by <see cref="CheckFactory"/>.</summary>
internal sealed record RegistryCheckSettings
{
    /// <summary>The tag pulled when <c>Reference</c> is not set.</summary>
    public const string DefaultReference = "latest";

    /// <summary>The registry's base URL (http or https, path ending in <c>/</c>); <c>v2/…</c> is resolved against it.</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>The canary's repository, valid by <see cref="DistributionNames.IsRepository"/>.</summary>
    public required string Repository { get; init; }

    /// <summary>A tag or digest. <value>The default value is <c>latest</c>.</value></summary>
    public string Reference { get; init; } = DefaultReference;

    /// <summary>Basic credentials for the registry (Basic challenge) or its token endpoint (Bearer challenge); null for anonymous.</summary>
    public string? Username { get; init; }

    /// <summary>The password of <see cref="Username"/>.</summary>
    public string? Password { get; init; }

    /// <summary>The TCP connect timeout of the handler; null leaves connecting bounded by the probe's timeout alone.</summary>
    public TimeSpan? ConnectTimeout { get; init; }
}