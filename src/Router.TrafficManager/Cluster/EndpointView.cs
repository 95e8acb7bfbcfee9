using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Cluster;

/// <summary>What one instance's monitor knows about one endpoint, as it publishes it.</summary>
/// <param name="Profile">The profile name.</param>
/// <param name="Endpoint">The endpoint name.</param>
/// <param name="Status">The instance's own monitor status of the endpoint.</param>
/// <param name="ConsecutiveFailures">Failed probes in a row.</param>
/// <param name="LastProbeSucceeded">Whether the last probe succeeded; null before the first.</param>
/// <param name="LastProbeError">Why the last probe failed; null when it succeeded or there was none.</param>
/// <param name="LastProbeAt">When the last probe started; null before the first.</param>
public sealed record EndpointView(
    string Profile, string Endpoint, EndpointStatus Status, int ConsecutiveFailures, bool? LastProbeSucceeded, string? LastProbeError,
    DateTimeOffset? LastProbeAt);
