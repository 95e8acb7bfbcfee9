using System.Net;
using Router.Dns;
using Router.Dns.Server.Pipeline;
using Router.Dns.Server.Zones;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Dns;

/// <summary>
/// Answers <c>TrafficManager:Zone</c> authoritatively from the current <see cref="RoutingSnapshot"/> (CONTRACT "DNS
/// behaviour" and "Router"), as a zone of the DNS server's pipeline (<see cref="IDnsZone"/>): SOA and NS at the apex
/// (made up from the configuration, with glue for <c>ns1</c> at the DNS server's specific listen addresses); a profile
/// name answers its routed endpoint(s) with the profile's TTL — an address target as A or AAAA, a name target as CNAME
/// for every type, whose target the pipeline follows in whichever of its zones holds it; an unknown name NXDOMAIN and a
/// known name without the type NODATA, both with the SOA (RFC 2308). The ECS scope is set from the routing decision.
/// Allocation-free.
/// </summary>
/// <remarks>
/// Decisions where Traffic Manager and the contract are silent: an A query is routed among the IPv4 and name targets,
/// an AAAA query among the IPv6 and name targets, any other type among all endpoints (eligibility and the all-degraded
/// rule apply within those), so a dual-stack profile answers both families and NODATA only when no enabled endpoint
/// can answer the type; a profile whose endpoints are all disabled answers NXDOMAIN, as Traffic Manager does; ANY
/// answers the routed record (one RRset, RFC 8482). The glue of <c>ns1</c> is <see cref="DnsRequestContext.NameServers"/>
/// when the pipeline is a DNS server's (none when it listens on wildcards only, as for the static zones), else the
/// addresses the snapshot was built with. Each name of a chain reads the snapshot current when it is answered. It is an
/// <see cref="IDnsHandler"/> too (answering from this zone alone) because hosts hand it to the DNS server as an extra
/// handler; the server's pipeline asks it as a zone.
/// </remarks>
internal sealed class TrafficManagerZoneHandler(RoutingSnapshotHolder snapshots, RoutingMetrics? metrics = null) : IDnsHandler, IDnsZone
{
    private readonly RoutingSnapshotHolder _snapshots = snapshots ?? throw new ArgumentNullException(nameof(snapshots));

    public string Name => "trafficmanager";

    public DnsHandlerResult Handle(DnsRequestContext context) => DnsPipeline.AnswerFromZone(context, this);

    public int MatchApexLength(ReadOnlySpan<byte> lowercaseName)
    {
        var snapshot = _snapshots.Current;
        return snapshot.Zone.Contains(lowercaseName) ? snapshot.Zone.ApexWire.Length : -1;
    }

    /// <summary>Always null: the CNAME of a profile is chosen per query.</summary>
    public DnsName? FindCname(ReadOnlySpan<byte> lowercaseName) => null;

    /// <summary>
    /// <see cref="RoutingSnapshot.Explain"/> for the current snapshot; null when the name is not a profile. Names that
    /// lead to a profile through CNAMEs of other zones are explained by <see cref="ZoneChainExplainControl"/>. Not on the
    /// answer path.
    /// </summary>
    /// <param name="name">A profile name, relative to the zone or fully qualified.</param>
    /// <param name="client">The address routed for.</param>
    /// <param name="type">The query type routed for (A by default).</param>
    public ExplainReport? Explain(string name, IPAddress client, DnsRecordType type = DnsRecordType.A)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(client);
        return _snapshots.Current.Explain(name, client, type);
    }

    public DnsResponseCode Answer(scoped ref DnsResponseWriter writer, DnsRequestContext context, ReadOnlySpan<byte> lowercaseName,
        DnsRecordType type, out ReadOnlySpan<byte> cnameTarget)
    {
        ArgumentNullException.ThrowIfNull(context);
        cnameTarget = default;
        var snapshot = _snapshots.Current;
        var zone = snapshot.Zone;
        ReadOnlySpan<byte> name = lowercaseName;
        if (!zone.Contains(name))
        {
            // Not ours any more: a reload renamed the zone since the pipeline chose this one. SERVFAIL, not an empty
            // NOERROR (which a resolver would cache as NODATA): the client asks again and meets the new zone set.
            return DnsResponseCode.ServerFailure;
        }

        var glue = context.NameServers ?? zone.Glue;
        if (name.SequenceEqual(zone.ApexWire))
        {
            return AnswerApex(ref writer, zone, glue, type);
        }

        var profile = snapshot.FindProfile(name);
        if (profile is null)
        {
            if (glue.Records.Length > 0 && name.SequenceEqual(zone.NameServerWire))
            {
                return AnswerGlue(ref writer, zone, glue, name, type);
            }

            // A name above a multi-label profile name exists without data (RFC 8020); anything else does not.
            AddNegative(ref writer, zone);
            return snapshot.NameExists(name) ? DnsResponseCode.NoError : DnsResponseCode.NameError;
        }

        var decision = default(RoutingDecision);
        var answering = snapshot.Route(profile, context.RoutingAddress, RoutingSnapshot.FamilyOf(type), ref decision, out uint ttl);
        if (decision.Scope > context.ClientSubnetScope)
        {
            context.ClientSubnetScope = decision.Scope;
        }

        if (decision.Rule is RoutingRule.GeographicMatch or RoutingRule.GeographicMappedNotEligible or RoutingRule.GeographicNoMapping)
        {
            metrics?.GeoRouted(decision);
        }

        if (decision.Count == 0)
        {
            // Traffic Manager answers NXDOMAIN when every endpoint is disabled; other empty choices are NODATA.
            AddNegative(ref writer, zone);
            return decision.Rule == RoutingRule.NoEnabledEndpoint && ReferenceEquals(answering, profile) ? DnsResponseCode.NameError : DnsResponseCode.NoError;
        }

        var first = answering.Endpoints[decision[0]];
        if (first.Kind == EndpointTargetKind.Name)
        {
            if (!writer.TryAddRecord(DnsSection.Answer, name, DnsRecordType.CNAME, ttl, first.Rdata, rdataIsName: true))
            {
                return DnsResponseCode.NoError;
            }

            metrics?.Answered(first);
            if (type is not (DnsRecordType.CNAME or DnsRecordType.ANY))
            {
                cnameTarget = first.TargetWire;
            }

            return DnsResponseCode.NoError;
        }

        int answered = 0;
        for (int i = 0; i < decision.Count; i++)
        {
            var endpoint = answering.Endpoints[decision[i]];
            if (endpoint.Kind == EndpointTargetKind.Nested || (type != DnsRecordType.ANY && endpoint.RecordType != type))
            {
                continue;
            }

            if (!writer.TryAddRecord(DnsSection.Answer, name, endpoint.RecordType, ttl, endpoint.Rdata))
            {
                break;
            }

            metrics?.Answered(endpoint);
            answered++;
        }

        if (answered == 0 && !writer.IsTruncated)
        {
            AddNegative(ref writer, zone);
        }

        return DnsResponseCode.NoError;
    }

    private static DnsResponseCode AnswerApex(ref DnsResponseWriter writer, TrafficManagerZone zone, NameServerGlue glue,
        DnsRecordType type)
    {
        switch (type)
        {
            case DnsRecordType.SOA:
            case DnsRecordType.ANY:
                writer.TryAddRecord(DnsSection.Answer, zone.ApexWire, DnsRecordType.SOA, zone.Ttl, zone.SoaRdata);
                break;
            case DnsRecordType.NS:
                if (writer.TryAddRecord(DnsSection.Answer, zone.ApexWire, DnsRecordType.NS, zone.Ttl, zone.NsRdata, rdataIsName: true))
                {
                    foreach (var (glueType, rdata) in glue.Records)
                    {
                        writer.TryAddRecord(DnsSection.Additional, zone.NameServerWire, glueType, zone.Ttl, rdata);
                    }
                }

                break;
            default:
                AddNegative(ref writer, zone);
                break;
        }

        return DnsResponseCode.NoError;
    }

    private static DnsResponseCode AnswerGlue(ref DnsResponseWriter writer, TrafficManagerZone zone, NameServerGlue glue,
        ReadOnlySpan<byte> name, DnsRecordType type)
    {
        int answered = 0;
        foreach (var (glueType, rdata) in glue.Records)
        {
            if (glueType == type || (type == DnsRecordType.ANY && glueType == glue.Records[0].Type))
            {
                writer.TryAddRecord(DnsSection.Answer, name, glueType, zone.Ttl, rdata);
                answered++;
            }
        }

        if (answered == 0)
        {
            AddNegative(ref writer, zone);
        }

        return DnsResponseCode.NoError;
    }

    // RFC 2308 §3: the SOA goes in the authority section with TTL min(SOA TTL, SOA MINIMUM).
    private static void AddNegative(ref DnsResponseWriter writer, TrafficManagerZone zone) =>
        writer.TryAddRecord(DnsSection.Authority, zone.ApexWire, DnsRecordType.SOA, zone.NegativeTtl, zone.SoaRdata);
}
