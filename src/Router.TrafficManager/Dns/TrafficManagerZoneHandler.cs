using Router.Dns;
using Router.Dns.Server.Pipeline;
using Router.Dns.Server.Zones;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Dns;

/// <summary>
/// Answers <c>TrafficManager:Zone</c> authoritatively from the current <see cref="RoutingSnapshot"/> (CONTRACT "DNS
/// behaviour" and "Router"): AA set; SOA and NS at the apex (made up from the configuration, with glue for
/// <c>ns1</c> when the host gave addresses); a profile name answers its routed endpoint(s) with the profile's TTL —
/// an address target as A or AAAA, a name target as CNAME for every type (followed when the target is another
/// profile of the zone); an unknown name NXDOMAIN and a known name without the type NODATA, both with the SOA
/// (RFC 2308). The ECS scope is set from the routing decision. Allocation-free; names of other zones pass on.
/// </summary>
/// <remarks>
/// Decisions where Traffic Manager and the contract are silent: an A query for a profile whose routed endpoint is
/// IPv6 (or AAAA for IPv4) gets NODATA — the endpoint is chosen regardless of the query type, so a dual-stack client
/// asking both gets one consistent answer; a profile whose endpoints are all disabled answers NXDOMAIN, as Traffic
/// Manager does; ANY answers the routed record (one RRset, RFC 8482). A CNAME target in one of the static zones is
/// left to the resolver (its records are not added here); static-zone CNAMEs into this zone are followed by
/// <see cref="AuthoritativeHandler"/> through <see cref="IDynamicZone"/>.
/// </remarks>
internal sealed class TrafficManagerZoneHandler(RoutingSnapshotHolder snapshots, RoutingMetrics? metrics = null) : IDnsHandler, IDynamicZone
{
    private readonly RoutingSnapshotHolder _snapshots = snapshots ?? throw new ArgumentNullException(nameof(snapshots));

    public string Name => "trafficmanager";

    public DnsHandlerResult Handle(DnsRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var snapshot = _snapshots.Current;
        ReadOnlySpan<byte> name = context.QueryName;
        if (!snapshot.Zone.Contains(name))
        {
            return DnsHandlerResult.Continue;
        }

        ref readonly DnsQuery query = ref context.Query;
        if (query.Class is not (DnsClass.IN or DnsClass.ANY))
        {
            return DnsPipeline.Reply(context, DnsResponseCode.Refused);
        }

        // Zone transfers are not offered (RFC 5936 §4.2: REFUSED when not permitted).
        if (query.Type is DnsRecordType.AXFR or DnsRecordType.IXFR)
        {
            return DnsPipeline.Reply(context, DnsResponseCode.Refused);
        }

        var writer = new DnsResponseWriter(context);
        var code = Answer(ref writer, context, snapshot, name, query.Type, RoutingSnapshot.MaxChainLength - 1);
        writer.Complete(code, authoritative: true);
        return DnsHandlerResult.Answered;
    }

    public int MatchApexLength(ReadOnlySpan<byte> lowercaseName)
    {
        var snapshot = _snapshots.Current;
        return snapshot.Zone.Contains(lowercaseName) ? snapshot.Zone.ApexWire.Length : -1;
    }

    public DnsResponseCode AnswerChained(ref DnsResponseWriter writer, DnsRequestContext context, ReadOnlySpan<byte> lowercaseName,
        DnsRecordType type, int remainingLinks)
    {
        ArgumentNullException.ThrowIfNull(context);
        var snapshot = _snapshots.Current;
        if (!snapshot.Zone.Contains(lowercaseName))
        {
            return DnsResponseCode.NoError;
        }

        return Answer(ref writer, context, snapshot, lowercaseName, type, remainingLinks);
    }

    private DnsResponseCode Answer(ref DnsResponseWriter writer, DnsRequestContext context, RoutingSnapshot snapshot,
        ReadOnlySpan<byte> name, DnsRecordType type, int remainingLinks)
    {
        var zone = snapshot.Zone;
        while (true)
        {
            if (name.SequenceEqual(zone.ApexWire))
            {
                return AnswerApex(ref writer, zone, type);
            }

            var profile = snapshot.FindProfile(name);
            if (profile is null)
            {
                if (zone.Glue.Length > 0 && name.SequenceEqual(zone.NameServerWire))
                {
                    return AnswerGlue(ref writer, zone, name, type);
                }

                // A name above a multi-label profile name exists without data (RFC 8020); anything else does not.
                AddNegative(ref writer, zone);
                return snapshot.NameExists(name) ? DnsResponseCode.NoError : DnsResponseCode.NameError;
            }

            var family = type switch
            {
                DnsRecordType.A => RouteFamily.IPv4,
                DnsRecordType.AAAA => RouteFamily.IPv6,
                _ => RouteFamily.Any,
            };
            var decision = default(RoutingDecision);
            profile.Route(context.RoutingAddress, family, ref decision);
            if (decision.Scope > context.ClientSubnetScope)
            {
                context.ClientSubnetScope = decision.Scope;
            }

            if (decision.Count == 0)
            {
                // Traffic Manager answers NXDOMAIN when every endpoint is disabled; other empty choices are NODATA.
                AddNegative(ref writer, zone);
                return decision.Rule == RoutingRule.NoEnabledEndpoint ? DnsResponseCode.NameError : DnsResponseCode.NoError;
            }

            var first = profile.Endpoints[decision[0]];
            if (first.Kind == EndpointTargetKind.Name)
            {
                if (!writer.TryAddRecord(DnsSection.Answer, name, DnsRecordType.CNAME, profile.Ttl, first.Rdata, rdataIsName: true))
                {
                    return DnsResponseCode.NoError;
                }

                metrics?.Answered(first);
                if (type is DnsRecordType.CNAME or DnsRecordType.ANY || remainingLinks <= 0 || !zone.Contains(first.TargetWire))
                {
                    // Outside this zone: the resolver follows the CNAME itself.
                    return DnsResponseCode.NoError;
                }

                name = first.TargetWire;
                remainingLinks--;
                continue;
            }

            int answered = 0;
            for (int i = 0; i < decision.Count; i++)
            {
                var endpoint = profile.Endpoints[decision[i]];
                if (type != DnsRecordType.ANY && endpoint.RecordType != type)
                {
                    continue;
                }

                if (!writer.TryAddRecord(DnsSection.Answer, name, endpoint.RecordType, profile.Ttl, endpoint.Rdata))
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
    }

    private static DnsResponseCode AnswerApex(ref DnsResponseWriter writer, TrafficManagerZone zone, DnsRecordType type)
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
                    foreach (var (glueType, rdata) in zone.Glue)
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

    private static DnsResponseCode AnswerGlue(ref DnsResponseWriter writer, TrafficManagerZone zone, ReadOnlySpan<byte> name, DnsRecordType type)
    {
        int answered = 0;
        foreach (var (glueType, rdata) in zone.Glue)
        {
            if (glueType == type || (type == DnsRecordType.ANY && glueType == zone.Glue[0].Type))
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
