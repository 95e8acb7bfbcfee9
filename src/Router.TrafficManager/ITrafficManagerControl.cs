using System.Net;
using Router.TrafficManager.Cluster;

namespace Router.TrafficManager;

/// <summary>What the admin API and the CLI ask of a running traffic manager. Reads come from the current snapshot.</summary>
public interface ITrafficManagerControl
{
    /// <summary>Every profile, in configuration order.</summary>
    IReadOnlyList<ProfileReport> GetProfiles();

    /// <summary>One profile by name (case-insensitive), or null.</summary>
    ProfileReport? GetProfile(string name);

    /// <summary>
    /// Manually enables or disables an endpoint: effective for the next query, persisted so it survives a restart (in a
    /// cluster: written to the store, from which every instance applies it). Says whether it was done, or why not: the
    /// profile or endpoint does not exist, the setting could not be saved, or the cluster store cannot be reached (then
    /// nothing changed).
    /// </summary>
    Task<EndpointSwitchResult> SetEndpointEnabledAsync(string profile, string endpoint, bool enabled, CancellationToken cancellationToken);

    /// <summary>
    /// Manually changes an endpoint: enable/disable and maintenance (out of answers, still probed), each left as it is
    /// when not given. Effective for the next query and persisted, as <see cref="SetEndpointEnabledAsync"/>.
    /// </summary>
    Task<EndpointSwitchResult> SetEndpointAsync(string profile, string endpoint, EndpointChange change, CancellationToken cancellationToken);

    /// <summary>
    /// Releases an endpoint that its profile's failback mode holds back after a recovery: it returns to answers with the
    /// next query. <see cref="EndpointSwitchOutcome.NotHeld"/> when it is not held.
    /// </summary>
    Task<EndpointSwitchResult> ReleaseEndpointAsync(string profile, string endpoint, CancellationToken cancellationToken);

    /// <summary>The cluster as this instance sees it; null without a <c>Cluster</c> section.</summary>
    ClusterReport? GetCluster() => null;

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

    /// <summary>The cluster store cannot be reached (or did not take the setting); nothing changed.</summary>
    Unavailable,

    /// <summary>A release of an endpoint that is not held back; nothing changed.</summary>
    NotHeld,
}

/// <summary>A manual change of one endpoint (<c>PUT /api/profiles/{p}/endpoints/{e}</c>); a null field is left as it is.</summary>
/// <param name="Enabled">Enable (true) or disable (false) it.</param>
/// <param name="Maintenance">Put it in maintenance (true: out of answers, still probed) or end maintenance (false).</param>
/// <param name="Reason">Why it is in maintenance, shown in status and explain; kept only while in maintenance.</param>
public sealed record EndpointChange(bool? Enabled, bool? Maintenance = null, string? Reason = null);

/// <summary>The outcome of <see cref="ITrafficManagerControl.SetEndpointEnabledAsync"/>, with the reason when it was not done.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Error">Why it was not done; null when switched.</param>
public sealed record EndpointSwitchResult(EndpointSwitchOutcome Outcome, string? Error);
