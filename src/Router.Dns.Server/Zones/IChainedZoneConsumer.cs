using System.Net;
using Router.Dns.Server.Pipeline;

namespace Router.Dns.Server.Zones;

/// <summary>
/// The authoritative zones of one pipeline as a dynamic zone sees them: where a CNAME chain that leaves the dynamic
/// zone continues (CONTRACT "DNS behaviour": the answer carries the target's records when the target is in one of our
/// zones). <see cref="TryAnswerChained"/> is on the answer path: allocation-free and thread-safe.
/// </summary>
public interface IStaticZoneChain
{
    /// <summary>
    /// Continues an answer at <paramref name="lowercaseName"/>, the target of a CNAME already written, when a zone of the
    /// pipeline holds it (a static zone, or a dynamic zone nested deeper than any static one): adds its records of
    /// <paramref name="type"/>, following further CNAMEs within <paramref name="remainingLinks"/>, or the zone's SOA for
    /// NXDOMAIN/NODATA.
    /// </summary>
    /// <param name="writer">The response being written; the caller completes it.</param>
    /// <param name="context">The query.</param>
    /// <param name="lowercaseName">The name to answer, lowercased wire form.</param>
    /// <param name="type">The query type.</param>
    /// <param name="remainingLinks">How many more CNAME links the answer may follow after this name.</param>
    /// <param name="responseCode">The response code of the last name in the chain (RFC 6604).</param>
    /// <returns><see langword="false"/> when no zone of the pipeline holds the name (the resolver follows the CNAME).</returns>
    bool TryAnswerChained(ref DnsResponseWriter writer, DnsRequestContext context, ReadOnlySpan<byte> lowercaseName, DnsRecordType type,
        int remainingLinks, out DnsResponseCode responseCode);

    /// <summary>
    /// The CNAME target of <paramref name="lowercaseName"/> (lowercased wire form) in the static zones, or null when the
    /// static zones do not answer the name or it is not a CNAME. For diagnostics (explain), not the answer path.
    /// </summary>
    DnsName? FindCname(ReadOnlySpan<byte> lowercaseName);
}

/// <summary>
/// An extra handler (usually an <see cref="IDynamicZone"/>) that needs to know the pipeline it answers in.
/// <see cref="DnsServer"/> calls <see cref="AttachPipeline"/> each time it builds a pipeline (start and every
/// configuration reload), before that pipeline answers a query.
/// </summary>
public interface IChainedZoneConsumer
{
    /// <summary>Gives the handler the pipeline's static zones and the server's own addresses.</summary>
    /// <param name="staticZones">Where CNAME chains leaving the handler's zone continue.</param>
    /// <param name="nameServerAddresses">
    /// The specific (non-wildcard) <c>Dns:Listen</c> addresses, as the static zones use them for their made-up
    /// <c>ns1</c>; empty when the server listens on wildcard addresses only.
    /// </param>
    void AttachPipeline(IStaticZoneChain staticZones, IReadOnlyList<IPAddress> nameServerAddresses);
}
