using Router.Dns.Server.Pipeline;

namespace Router.Dns.Server.Zones;

/// <summary>
/// A zone answered authoritatively: the static zones of the configuration (<see cref="StaticZones"/>) or a zone a host
/// adds (the traffic manager's). The <see cref="DnsPipeline"/> picks, for each name, the zone with the longest apex
/// holding it, applies the rules every zone shares (class, zone transfers) once, and follows CNAME chains from one zone
/// to the next (RFC 1034 §4.3.2): a zone answers one name at a time and never refers to another zone.
/// </summary>
/// <remarks>
/// <see cref="MatchApexLength"/> and <see cref="Answer"/> run on the receive loop, on any thread: they must be
/// allocation-free and thread-safe, and must not block.
/// </remarks>
public interface IDnsZone
{
    /// <summary>
    /// The length in octets of this zone's apex (wire form) when <paramref name="lowercaseName"/> (lowercased wire form)
    /// is the apex or below it; otherwise -1. Among the zones holding a name the longest apex answers it.
    /// </summary>
    int MatchApexLength(ReadOnlySpan<byte> lowercaseName);

    /// <summary>
    /// Answers one name of this zone: adds its records of <paramref name="type"/> to the answer section (for a zone that
    /// routes, for <see cref="DnsRequestContext.RoutingAddress"/>, raising <see cref="DnsRequestContext.ClientSubnetScope"/>
    /// to what the answer depended on), or the zone's SOA to the authority section for NXDOMAIN or NODATA (RFC 2308).
    /// When the name is a CNAME and the type asked is neither CNAME nor ANY, it adds the CNAME and gives its target in
    /// <paramref name="cnameTarget"/> for the pipeline to follow, in whichever zone holds it.
    /// </summary>
    /// <param name="writer">The response being written; the pipeline completes it.</param>
    /// <param name="context">The query.</param>
    /// <param name="lowercaseName">The name to answer, lowercased wire form; this zone holds it (<see cref="MatchApexLength"/>).</param>
    /// <param name="type">The query type.</param>
    /// <param name="cnameTarget">The CNAME target to continue at, lowercased wire form; empty when the answer ends here.</param>
    /// <returns>The response code of this name (RFC 6604: the answer's code is the last name's).</returns>
    DnsResponseCode Answer(scoped ref DnsResponseWriter writer, DnsRequestContext context, ReadOnlySpan<byte> lowercaseName, DnsRecordType type,
        out ReadOnlySpan<byte> cnameTarget);

    /// <summary>
    /// The CNAME target of <paramref name="lowercaseName"/> (lowercased wire form) when this zone holds a fixed one there;
    /// null when it holds none, or when the target is chosen per query (a routed profile). For diagnostics (explain),
    /// not the answer path.
    /// </summary>
    DnsName? FindCname(ReadOnlySpan<byte> lowercaseName);
}
