using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Routing;

/// <summary>What routing needs to know of an endpoint's monitor state.</summary>
/// <param name="Enabled">The effective flag (configuration, overridden by the admin API).</param>
/// <param name="Status">
/// The monitor status; <see cref="EndpointStatus.Disabled"/> and <see cref="EndpointStatus.Maintenance"/> are never answered.
/// </param>
/// <param name="Held">
/// Online (or checking) but held back from answers by the profile's failback mode: not eligible, but, as a degraded
/// endpoint, eligible under the all-degraded rule.
/// </param>
/// <param name="Reason">Why it is held back, or the operator's reason for maintenance; null otherwise.</param>
/// <param name="Nested">
/// A Nested endpoint's view of its child (which makes <paramref name="Status"/> Online or Degraded), set by
/// <see cref="RoutingSnapshot"/>; null for other endpoints, and for a nested one before its snapshot counted it.
/// </param>
internal readonly record struct EndpointRoutingState(bool Enabled, EndpointStatus Status, bool Held = false, string? Reason = null,
    NestedStatus? Nested = null)
{
    /// <summary>Enabled and neither <see cref="EndpointStatus.Disabled"/> nor <see cref="EndpointStatus.Maintenance"/>.</summary>
    public bool IsEnabled => Enabled && Status is not (EndpointStatus.Disabled or EndpointStatus.Maintenance);

    /// <summary>Enabled, not held back, and <see cref="EndpointStatus.Online"/> or <see cref="EndpointStatus.CheckingEndpoint"/>.</summary>
    public bool IsHealthy => IsEnabled && !Held && Status is EndpointStatus.Online or EndpointStatus.CheckingEndpoint;
}
