namespace Router.TrafficManager.Routing;

/// <summary>
/// Which address family a query asks for. Routing chooses among the endpoints that can answer it: for
/// <see cref="IPv4"/> the IPv4 and name (CNAME) targets, for <see cref="IPv6"/> the IPv6 and name targets, otherwise
/// all; MultiValue (addresses only) answers that family alone.
/// </summary>
internal enum RouteFamily
{
    /// <summary>Not an address query (ANY, CNAME, MX, …): every endpoint; MultiValue answers IPv4 when it has eligible IPv4 endpoints, else IPv6.</summary>
    Any,

    /// <summary>An A query: IPv4 and name targets.</summary>
    IPv4,

    /// <summary>An AAAA query: IPv6 and name targets.</summary>
    IPv6,
}
