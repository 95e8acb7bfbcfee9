using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Routing;

/// <summary>What routing needs to know of an endpoint's monitor state.</summary>
/// <param name="Enabled">The effective flag (configuration, overridden by the admin API).</param>
/// <param name="Status">The monitor status; <see cref="EndpointStatus.Disabled"/> is never answered.</param>
internal readonly record struct EndpointRoutingState(bool Enabled, EndpointStatus Status)
{
    /// <summary>Enabled and not <see cref="EndpointStatus.Disabled"/>.</summary>
    public bool IsEnabled => Enabled && Status != EndpointStatus.Disabled;

    /// <summary>Enabled and <see cref="EndpointStatus.Online"/> or <see cref="EndpointStatus.CheckingEndpoint"/>.</summary>
    public bool IsHealthy => IsEnabled && Status is EndpointStatus.Online or EndpointStatus.CheckingEndpoint;
}
