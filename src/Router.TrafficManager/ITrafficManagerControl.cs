using System.Net;

namespace Router.TrafficManager;

/// <summary>What the admin API and the CLI ask of a running traffic manager. Reads come from the current snapshot.</summary>
public interface ITrafficManagerControl
{
    /// <summary>Every profile, in configuration order.</summary>
    IReadOnlyList<ProfileReport> GetProfiles();

    /// <summary>One profile by name (case-insensitive), or null.</summary>
    ProfileReport? GetProfile(string name);

    /// <summary>
    /// Manually enables or disables an endpoint: effective for the next query, persisted so it survives a restart.
    /// Returns false with <paramref name="error"/> when the profile or endpoint does not exist.
    /// </summary>
    bool TrySetEndpointEnabled(string profile, string endpoint, bool enabled, out string? error);

    /// <summary>
    /// Why <paramref name="name"/> (a profile name, relative or fully qualified) resolves as it does for
    /// <paramref name="client"/>; null when the name is not one of ours.
    /// </summary>
    ExplainReport? Explain(string name, IPAddress client);
}
