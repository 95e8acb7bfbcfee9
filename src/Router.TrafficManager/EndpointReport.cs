using System.Net;
using Router.TrafficManager.Cluster;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager;

/// <summary>One endpoint's configuration and monitor state.</summary>
/// <param name="Name">The endpoint name.</param>
/// <param name="Target">The address or name answered and probed.</param>
/// <param name="Location">The location in the latency table.</param>
/// <param name="Priority">The priority (configured, or the 1-based position).</param>
/// <param name="Weight">The weight.</param>
/// <param name="Enabled">The effective flag: configuration, overridden by the admin API.</param>
/// <param name="EnabledOverride">The admin API's override, when one is in force.</param>
/// <param name="Status">The monitor status.</param>
/// <param name="ConsecutiveFailures">Failed probes in a row (0 after a success).</param>
/// <param name="LastProbe">The last finished probe, if any.</param>
/// <param name="LastStatusChange">When this instance's own status last changed (start-up counts as a change).</param>
/// <remarks>
/// In a cluster, <paramref name="Status"/> is the agreed status (what every instance answers by), and
/// <paramref name="ConsecutiveFailures"/>, <paramref name="LastProbe"/> and <paramref name="LastStatusChange"/> are this
/// instance's own; <see cref="OwnStatus"/> and <see cref="Views"/> say who saw what.
/// </remarks>
public sealed record EndpointReport(
    string Name, string Target, string? Location, int Priority, int Weight, bool Enabled, bool? EnabledOverride,
    EndpointStatus Status, int ConsecutiveFailures, ProbeResult? LastProbe, DateTimeOffset? LastStatusChange)
{
    /// <summary>This instance's own status of the endpoint, in a cluster; null for a single instance.</summary>
    public EndpointStatus? OwnStatus { get; init; }

    /// <summary>Every live instance's view of the endpoint, this instance's first, in a cluster; null for a single instance.</summary>
    public IReadOnlyList<EndpointViewReport>? Views { get; init; }

    /// <summary>
    /// Whether the profile's failback mode holds it back from answers after a recovery (<see cref="Status"/> is then
    /// Online, or CheckingEndpoint after a restart).
    /// </summary>
    public bool Held { get; init; }

    /// <summary>Why it is held back (<see cref="Held"/>), or the operator's reason for <see cref="EndpointStatus.Maintenance"/>; null otherwise.</summary>
    public string? Reason { get; init; }
}
