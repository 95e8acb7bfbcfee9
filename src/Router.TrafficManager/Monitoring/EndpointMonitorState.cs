namespace Router.TrafficManager.Monitoring;

/// <summary>What the monitor knows about one endpoint: its status and the probe history that led to it.</summary>
/// <param name="Status">The endpoint's monitor status.</param>
/// <param name="ConsecutiveFailures">Failed probes in a row since the last success (or since enabling).</param>
/// <param name="ConsecutiveSuccesses">Successful probes in a row since the last failure (or since enabling).</param>
/// <param name="LastProbe">The last finished probe, if any; kept across enable/disable for the admin API.</param>
/// <param name="LastStatusChange">When <paramref name="Status"/> last changed; creating the state counts as a change.</param>
internal readonly record struct EndpointMonitorState(
    EndpointStatus Status, int ConsecutiveFailures, int ConsecutiveSuccesses, ProbeResult? LastProbe, DateTimeOffset? LastStatusChange)
{
    /// <summary>A fresh state: <see cref="EndpointStatus.CheckingEndpoint"/> when enabled, else <see cref="EndpointStatus.Disabled"/>.</summary>
    public static EndpointMonitorState Initial(bool enabled, DateTimeOffset now) =>
        new(enabled ? EndpointStatus.CheckingEndpoint : EndpointStatus.Disabled, 0, 0, null, now);
}
