using System.Net;
using Router.Dns;
using Router.Dns.Server.Pipeline;
using Router.Dns.Server.Zones;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Dns;

/// <summary>
/// Answers <c>TrafficManager:Zone</c> authoritatively from the current <see cref="RoutingSnapshot"/> (CONTRACT "DNS
/// behaviour" and "Router"): AA set; SOA and NS at the apex (made up from the configuration, with glue for
/// <c>ns1</c> at the DNS server's specific listen addresses); a profile name answers its routed endpoint(s) with the
/// profile's TTL — an address target as A or AAAA, a name target as CNAME for every type, followed when the target is
/// another profile of the zone or a name in one of the static zones; an unknown name NXDOMAIN and a known name without
/// the type NODATA, both with the SOA (RFC 2308). The ECS scope is set from the routing decision. Allocation-free;
/// names of other zones pass on.
/// </summary>
/// <remarks>
/// Decisions where Traffic Manager and the contract are silent: an A query is routed among the IPv4 and name targets,
/// an AAAA query among the IPv6 and name targets, any other type among all endpoints (eligibility and the all-degraded
/// rule apply within those), so a dual-stack profile answers both families and NODATA only when no enabled endpoint
/// can answer the type; a profile whose endpoints are all disabled answers NXDOMAIN, as Traffic Manager does; ANY
/// answers the routed record (one RRset, RFC 8482). The <see cref="Router.Dns.Server.DnsServer"/> attaches each pipeline it builds
/// (<see cref="IChainedZoneConsumer"/>): its static zones continue CNAME chains that leave this zone (RFC 6604: the
/// response code is the last name's), and its specific listen addresses are the glue of <c>ns1</c> (none when it
/// listens on wildcards only, as for the static zones). Static-zone CNAMEs into this zone are followed by
/// <see cref="AuthoritativeHandler"/> through <see cref="IDynamicZone"/>.
/// </remarks>
internal sealed class TrafficManagerZoneHandler(RoutingSnapshotHolder snapshots, RoutingMetrics? metrics = null)
    : IDnsHandler, IDynamicZone, IChainedZoneConsumer
{
    private readonly RoutingSnapshotHolder _snapshots = snapshots ?? throw new ArgumentNullException(nameof(snapshots));
    private PipelineAttachment? _pipeline;

    public string Name => "trafficmanager";

    public void AttachPipeline(IStaticZoneChain staticZones, IReadOnlyList<IPAddress> nameServerAddresses)
    {
        ArgumentNullException.ThrowIfNull(staticZones);
        ArgumentNullException.ThrowIfNull(nameServerAddresses);
        Volatile.Write(ref _pipeline, new PipelineAttachment(staticZones, TrafficManagerZone.EncodeGlue(nameServerAddresses)));
    }

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
        var code = Answer(ref writer, context, snapshot, Volatile.Read(ref _pipeline), name, query.Type, RoutingSnapshot.MaxChainLength - 1);
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

        return Answer(ref writer, context, snapshot, Volatile.Read(ref _pipeline), lowercaseName, type, remainingLinks);
    }

    /// <summary>
    /// <see cref="RoutingSnapshot.Explain"/> for the current snapshot, and for a name in a static zone that is a CNAME
    /// (directly or through a chain of at most <see cref="RoutingSnapshot.MaxChainLength"/> links) to a profile: the
    /// profile's explanation with the static CNAMEs in front of its answer and rule. Null when the name leads to no
    /// profile. Not on the answer path.
    /// </summary>
    /// <param name="name">A profile name (relative to the zone or fully qualified) or a fully qualified name in a static zone.</param>
    /// <param name="client">The address routed for.</param>
    /// <param name="type">The query type routed for (A by default).</param>
    public ExplainReport? Explain(string name, IPAddress client, DnsRecordType type = DnsRecordType.A)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(client);
        var snapshot = _snapshots.Current;
        var report = snapshot.Explain(name, client, type);
        if (report is not null || Volatile.Read(ref _pipeline) is not { } pipeline)
        {
            return report;
        }

        string text = name.Trim();
        if (text.Length == 0 || !DnsName.TryParse(text.EndsWith('.') ? text : text + ".", DnsName.Root, out var current, out _))
        {
            return null;
        }

        var links = new List<(DnsName Owner, DnsName Target)>();
        for (int i = 0; i < RoutingSnapshot.MaxChainLength - 1; i++)
        {
            var target = pipeline.StaticZones.FindCname(current.ToLowerInvariant().Wire);
            if (target is null)
            {
                return null;
            }

            links.Add((current, target));
            if (snapshot.Zone.Contains(target.ToLowerInvariant().Wire))
            {
                if (snapshot.Explain(target.ToString(), client, type) is not { } profile)
                {
                    return null;
                }

                string chain = string.Join(", ", links.Select(l => $"{l.Owner} is a CNAME to {l.Target}"));
                return profile with
                {
                    Name = name,
                    Rule = $"{chain} (static zone); {profile.Rule}",
                    Answer = [.. links.Select(l => $"CNAME {l.Target}"), .. profile.Answer],
                };
            }

            current = target;
        }

        return null;
    }

    private DnsResponseCode Answer(ref DnsResponseWriter writer, DnsRequestContext context, RoutingSnapshot snapshot, PipelineAttachment? pipeline,
        ReadOnlySpan<byte> name, DnsRecordType type, int remainingLinks)
    {
        var zone = snapshot.Zone;
        var glue = pipeline?.Glue ?? zone.Glue;
        while (true)
        {
            if (name.SequenceEqual(zone.ApexWire))
            {
                return AnswerApex(ref writer, zone, glue, type);
            }

            var profile = snapshot.FindProfile(name);
            if (profile is null)
            {
                if (glue.Length > 0 && name.SequenceEqual(zone.NameServerWire))
                {
                    return AnswerGlue(ref writer, zone, glue, name, type);
                }

                // A name above a multi-label profile name exists without data (RFC 8020); anything else does not.
                AddNegative(ref writer, zone);
                return snapshot.NameExists(name) ? DnsResponseCode.NoError : DnsResponseCode.NameError;
            }

            var decision = default(RoutingDecision);
            profile.Route(context.RoutingAddress, RoutingSnapshot.FamilyOf(type), ref decision);
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
                if (type is DnsRecordType.CNAME or DnsRecordType.ANY || remainingLinks <= 0 || writer.IsTruncated)
                {
                    return DnsResponseCode.NoError;
                }

                if (!zone.Contains(first.TargetWire))
                {
                    // In one of our other zones the chain goes on there (RFC 6604: the last name's code); elsewhere the
                    // resolver follows the CNAME itself.
                    return pipeline is not null &&
                        pipeline.StaticZones.TryAnswerChained(ref writer, context, first.TargetWire, type, remainingLinks - 1, out var code)
                        ? code
                        : DnsResponseCode.NoError;
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

    private static DnsResponseCode AnswerApex(ref DnsResponseWriter writer, TrafficManagerZone zone, (DnsRecordType Type, byte[] Rdata)[] glue,
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
                    foreach (var (glueType, rdata) in glue)
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

    private static DnsResponseCode AnswerGlue(ref DnsResponseWriter writer, TrafficManagerZone zone, (DnsRecordType Type, byte[] Rdata)[] glue,
        ReadOnlySpan<byte> name, DnsRecordType type)
    {
        int answered = 0;
        foreach (var (glueType, rdata) in glue)
        {
            if (glueType == type || (type == DnsRecordType.ANY && glueType == glue[0].Type))
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

    /// <summary>What the DNS server gave at its last pipeline build: one object, so a query sees a consistent pair.</summary>
    private sealed class PipelineAttachment(IStaticZoneChain staticZones, (DnsRecordType Type, byte[] Rdata)[] glue)
    {
        public IStaticZoneChain StaticZones { get; } = staticZones;

        /// <summary>The A/AAAA records of <c>ns1</c>: the server's specific listen addresses (empty: <c>ns1</c> does not exist).</summary>
        public (DnsRecordType Type, byte[] Rdata)[] Glue { get; } = glue;
    }
}
