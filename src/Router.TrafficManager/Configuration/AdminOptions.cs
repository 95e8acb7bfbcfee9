namespace Router.TrafficManager.Configuration;

/// <summary>The <c>Admin</c> section: the admin HTTP API (profiles, manual enable/disable, explain, metrics).</summary>
public sealed class AdminOptions
{
    /// <summary>The environment variable read for the bearer token when <see cref="BearerToken"/> is not set.</summary>
    public const string TokenEnvironmentVariable = "ROUTER_ADMIN_TOKEN";

    public const string DefaultListen = "http://127.0.0.1:8053";

    /// <summary>Where the API listens, as a URL. <value>The default value is <c>http://127.0.0.1:8053</c>.</value></summary>
    public string? Listen { get; set; }

    /// <summary>
    /// The token clients send as <c>Authorization: Bearer …</c>. Required when <see cref="Listen"/> is not a loopback
    /// address (from here or <c>ROUTER_ADMIN_TOKEN</c>); when set it is required on loopback too.
    /// </summary>
    public string? BearerToken { get; set; }

    /// <summary>
    /// The file manual endpoint enable/disable is kept in, so it survives a restart. Relative paths are relative to the
    /// configuration file. <value>The default value is <c>router-state.json</c> next to the configuration file.</value>
    /// </summary>
    public string? StateFile { get; set; }
}
