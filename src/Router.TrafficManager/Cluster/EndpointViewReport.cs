using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Cluster;

/// <summary>One live instance's view of an endpoint, as <c>router status</c> and the admin API show it.</summary>
/// <param name="Instance">The instance id.</param>
/// <param name="Status">Its own monitor status of the endpoint.</param>
/// <param name="ConsecutiveFailures">Failed probes in a row, as it counts them.</param>
/// <param name="LastProbeSucceeded">Whether its last probe succeeded; null before the first.</param>
/// <param name="LastProbeError">Why its last probe failed.</param>
/// <param name="LastProbeAt">When its last probe started.</param>
public sealed record EndpointViewReport(
    string Instance, EndpointStatus Status, int ConsecutiveFailures, bool? LastProbeSucceeded, string? LastProbeError, DateTimeOffset? LastProbeAt);
