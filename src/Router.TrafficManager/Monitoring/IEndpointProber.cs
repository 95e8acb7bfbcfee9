using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Monitoring;

/// <summary>Probes one endpoint once. The seam between <see cref="ProbeScheduler"/> and the network.</summary>
internal interface IEndpointProber
{
    /// <summary>
    /// Probes <paramref name="target"/> with <paramref name="monitor"/>'s protocol, port, path, headers, expected
    /// status codes and timeout (and its fallback, when the deep probe cannot connect).
    /// </summary>
    /// <returns>The result; a connection error, a timeout or an unexpected status is a failed result, never an exception.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (shutdown, endpoint removed).</exception>
    /// <remarks>Implementations must be asynchronous: the scheduler calls them from timer callbacks.</remarks>
    Task<ProbeResult> ProbeAsync(string target, MonitorOptions monitor, CancellationToken cancellationToken);
}
