namespace Router.TrafficManager.Routing;

/// <summary>How an endpoint is answered.</summary>
internal enum EndpointTargetKind
{
    /// <summary>An IPv4 address: an A record.</summary>
    IPv4,

    /// <summary>An IPv6 address: an AAAA record.</summary>
    IPv6,

    /// <summary>A name: a CNAME record.</summary>
    Name,

    /// <summary>Another profile of the zone: its answer (a candidate for every family its child answers).</summary>
    Nested,
}
