using Router.Dns.Server.Pipeline;

namespace Router.Dns.Server.Zones;

/// <summary>
/// A zone answered by a handler the host adds to the pipeline (the traffic manager's zone) rather than by the static
/// zones. <see cref="AuthoritativeHandler"/> uses it two ways: a query for a name in a dynamic zone more specific than
/// any static zone is left to that handler, and a CNAME chain from a static zone continues in the dynamic zone, so
/// the answer carries the target's records (CONTRACT "DNS behaviour"). Implementations must be allocation-free and
/// thread-safe: both members run on the receive loop.
/// </summary>
public interface IDynamicZone
{
    /// <summary>
    /// The length in octets of this zone's apex (wire form) when <paramref name="lowercaseName"/> (lowercased wire form)
    /// is the apex or below it; otherwise -1. The longest apex wins among zones that contain a name.
    /// </summary>
    int MatchApexLength(ReadOnlySpan<byte> lowercaseName);

    /// <summary>
    /// Continues an answer at <paramref name="lowercaseName"/>, the target of a CNAME already written: adds the records
    /// of <paramref name="type"/> to the answer section (routing for <see cref="DnsRequestContext.RoutingAddress"/> and
    /// setting <see cref="DnsRequestContext.ClientSubnetScope"/> when the answer depends on it), or this zone's SOA to
    /// the authority section for NXDOMAIN/NODATA, and returns the response code of the last name (RFC 6604).
    /// </summary>
    /// <param name="writer">The response being written; the caller completes it.</param>
    /// <param name="context">The query.</param>
    /// <param name="lowercaseName">The name to answer, lowercased wire form, inside this zone.</param>
    /// <param name="type">The query type.</param>
    /// <param name="remainingLinks">How many more CNAME links the answer may follow.</param>
    DnsResponseCode AnswerChained(ref DnsResponseWriter writer, DnsRequestContext context, ReadOnlySpan<byte> lowercaseName,
        DnsRecordType type, int remainingLinks);
}
