namespace Router.TrafficManager.Routing;

/// <summary>The rule that produced a <see cref="RoutingDecision"/>.</summary>
internal enum RoutingRule
{
    /// <summary>No endpoint is enabled: nothing to answer.</summary>
    NoEnabledEndpoint,

    /// <summary>Performance: the eligible endpoint with the lowest latency from the client's network.</summary>
    LowestLatency,

    /// <summary>Performance: no latency known for any eligible endpoint (no table row, or no location in it): the first eligible.</summary>
    FirstEligibleWithoutLatency,

    /// <summary>Priority: the eligible endpoint with the lowest priority value.</summary>
    LowestPriority,

    /// <summary>Weighted: a random eligible endpoint, in proportion to the weights.</summary>
    RandomByWeight,

    /// <summary>MultiValue: up to MaxReturn eligible endpoints of the queried family.</summary>
    MultiValue,

    /// <summary>Endpoints are enabled, but none that can answer the queried family: NODATA.</summary>
    NoEndpointOfFamily,

    /// <summary>Subnet: the eligible endpoint whose subnets contain the client.</summary>
    SubnetMatch,

    /// <summary>Subnet: no endpoint's subnets contain the client; the first eligible endpoint without subnets.</summary>
    SubnetCatchAll,

    /// <summary>Subnet: the endpoint mapped to the client is not eligible; the first eligible endpoint without subnets.</summary>
    SubnetMappedNotEligible,

    /// <summary>Subnet: neither a matching nor an eligible catch-all endpoint: NODATA.</summary>
    SubnetNoEndpoint,

    /// <summary>A method without its own rule (none today): the first eligible endpoint.</summary>
    FirstEligible,

    /// <summary>Geographic: the eligible endpoint of the most specific mapping of the client's location.</summary>
    GeographicMatch,

    /// <summary>Geographic: the endpoint mapped to the client's location is not eligible: NODATA.</summary>
    GeographicMappedNotEligible,

    /// <summary>Geographic: no mapping covers the client's location (no WORLD): NODATA.</summary>
    GeographicNoMapping,
}
