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
    /// Says whether it was done, or why not: the profile or endpoint does not exist, or the setting could not be saved
    /// (then nothing changed).
    /// </summary>
    EndpointSwitchResult SetEndpointEnabled(string profile, string endpoint, bool enabled);

    /// <summary>
    /// Why <paramref name="name"/> (a profile name, relative or fully qualified) resolves as it does for
    /// <paramref name="client"/>; null when the name is not one of ours.
    /// </summary>
    ExplainReport? Explain(string name, IPAddress client);
}

/// <summary>What became of a manual enable/disable.</summary>
public enum EndpointSwitchOutcome
{
    /// <summary>Done, and saved.</summary>
    Switched,

    /// <summary>No such profile or endpoint.</summary>
    NotFound,

    /// <summary>The state file could not be written; nothing changed.</summary>
    NotSaved,
}

/// <summary>The outcome of <see cref="ITrafficManagerControl.SetEndpointEnabled"/>, with the reason when it was not done.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Error">Why it was not done; null when switched.</param>
public sealed record EndpointSwitchResult(EndpointSwitchOutcome Outcome, string? Error);
