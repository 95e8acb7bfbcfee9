using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Monitoring;

/// <summary>One endpoint as the probe scheduler sees it.</summary>
/// <param name="Profile">The profile name (compared ignoring case).</param>
/// <param name="Endpoint">The endpoint name, unique within the profile (compared ignoring case).</param>
/// <param name="Target">Where probes go: an IPv4/IPv6 address or a DNS name.</param>
/// <param name="Enabled">The effective enabled flag (configuration or admin override); disabled endpoints are not probed.</param>
/// <param name="Monitor">The profile's monitor settings; treat the instance as immutable once given.</param>
internal sealed record ProbeTarget(string Profile, string Endpoint, string Target, bool Enabled, MonitorOptions Monitor);

/// <summary>A probe finished (or a configuration change moved the state) and the endpoint's state is now <paramref name="Current"/>.</summary>
/// <remarks><see cref="Previous"/> and <see cref="Current"/> may have the same status: every probe is published.</remarks>
internal readonly record struct EndpointStateChange(string Profile, string Endpoint, EndpointMonitorState Previous, EndpointMonitorState Current);

/// <summary>One endpoint's current state, as <see cref="ProbeScheduler.GetStates"/> lists it.</summary>
internal readonly record struct EndpointStateEntry(string Profile, string Endpoint, EndpointMonitorState State);
