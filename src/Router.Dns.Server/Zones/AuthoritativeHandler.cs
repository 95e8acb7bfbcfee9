using Router.Dns.Server.Pipeline;

namespace Router.Dns.Server.Zones;

/// <summary>
/// Answers authoritatively from the static zones (CONTRACT "DNS behaviour"): AA set; NXDOMAIN or NODATA with the
/// zone's SOA in authority (RFC 2308 §2); CNAME chains followed through our zones (RFC 1034 §4.3.2, the response code
/// that of the last name, RFC 6604); ANY answered with one RRset (RFC 8482 §4.2). Allocation-free.
/// </summary>
/// <remarks>
/// <see cref="IDynamicZone"/>s (zones other handlers answer) take part in two ways: a name whose closest enclosing
/// zone is dynamic (a longer apex than any static zone holding it, e.g. <c>tm.registry.test</c> inside
/// <c>registry.test</c>) is passed on for its handler to answer, and a CNAME whose target lies in a dynamic zone is
/// followed there. As an <see cref="IStaticZoneChain"/> it lets a dynamic zone continue its own CNAME chains here.
/// </remarks>
internal sealed class AuthoritativeHandler(ZoneSet zones, IReadOnlyList<IDynamicZone>? dynamicZones = null) : IDnsHandler, IStaticZoneChain
{
    private readonly IDynamicZone[] _dynamicZones = dynamicZones is null ? [] : [.. dynamicZones];

    /// <summary>CNAME links followed at most in one answer; a longer chain (or a loop) ends where it is.</summary>
    public const int MaxChainLength = 8;

    public string Name => "zones";

    public ZoneSet Zones { get; } = zones;

    public DnsHandlerResult Handle(DnsRequestContext context)
    {
        ReadOnlySpan<byte> name = context.QueryName;
        var zone = Zones.FindZone(name);
        if (zone is null || FindDynamicZone(name, zone) is not null)
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
        var code = Answer(ref writer, context, name, zone, query.Type, MaxChainLength - 1);
        writer.Complete(code, authoritative: true);
        return DnsHandlerResult.Answered;
    }

    public bool TryAnswerChained(ref DnsResponseWriter writer, DnsRequestContext context, ReadOnlySpan<byte> lowercaseName, DnsRecordType type,
        int remainingLinks, out DnsResponseCode responseCode)
    {
        ArgumentNullException.ThrowIfNull(context);
        var zone = Zones.FindZone(lowercaseName);
        if (FindDynamicZone(lowercaseName, zone) is { } dynamicZone)
        {
            responseCode = dynamicZone.AnswerChained(ref writer, context, lowercaseName, type, remainingLinks);
            return true;
        }

        if (zone is null)
        {
            responseCode = DnsResponseCode.NoError;
            return false;
        }

        responseCode = Answer(ref writer, context, lowercaseName, zone, type, remainingLinks);
        return true;
    }

    public DnsName? FindCname(ReadOnlySpan<byte> lowercaseName)
    {
        var zone = Zones.FindZone(lowercaseName);
        if (zone is null || FindDynamicZone(lowercaseName, zone) is not null)
        {
            return null;
        }

        var cname = zone.Find(lowercaseName)?.Find(DnsRecordType.CNAME);
        return cname?.Names[0];
    }

    // remainingLinks: how many more CNAMEs may be followed after the one at name (RFC 1034 §4.3.2 step 3a).
    private DnsResponseCode Answer(ref DnsResponseWriter writer, DnsRequestContext context, ReadOnlySpan<byte> name, StaticZone zone,
        DnsRecordType type, int remainingLinks)
    {
        for (; ; remainingLinks--)
        {
            var node = zone.Find(name);
            if (node is null)
            {
                AddNegative(ref writer, zone);
                return DnsResponseCode.NameError;
            }

            if (type == DnsRecordType.ANY)
            {
                if (node.Sets.Length == 0)
                {
                    AddNegative(ref writer, zone);
                    return DnsResponseCode.NoError;
                }

                AddSet(ref writer, DnsSection.Answer, name, node.Sets[0]);
                return DnsResponseCode.NoError;
            }

            var set = node.Find(type);
            if (set is not null)
            {
                AddSet(ref writer, DnsSection.Answer, name, set);
                return DnsResponseCode.NoError;
            }

            var cname = type == DnsRecordType.CNAME ? null : node.Find(DnsRecordType.CNAME);
            if (cname is null)
            {
                AddNegative(ref writer, zone);
                return DnsResponseCode.NoError;
            }

            AddSet(ref writer, DnsSection.Answer, name, cname);
            var target = cname.Names[0]!;
            if (remainingLinks <= 0 || writer.IsTruncated)
            {
                return DnsResponseCode.NoError;
            }

            var targetZone = Zones.FindZone(target.Wire);
            if (FindDynamicZone(target.Wire, targetZone) is { } dynamicZone)
            {
                return dynamicZone.AnswerChained(ref writer, context, target.Wire, type, remainingLinks - 1);
            }

            if (targetZone is null)
            {
                // Outside our zones: the resolver follows the CNAME itself.
                return DnsResponseCode.NoError;
            }

            name = target.Wire;
            zone = targetZone;
        }
    }

    /// <summary>The dynamic zone holding <paramref name="name"/> with a longer apex than <paramref name="staticZone"/>, if any.</summary>
    private IDynamicZone? FindDynamicZone(ReadOnlySpan<byte> name, StaticZone? staticZone)
    {
        IDynamicZone? best = null;
        int bestLength = staticZone is null ? 0 : staticZone.ApexWire.Length;
        foreach (var dynamicZone in _dynamicZones)
        {
            int length = dynamicZone.MatchApexLength(name);
            if (length > bestLength)
            {
                best = dynamicZone;
                bestLength = length;
            }
        }

        return best;
    }

    private static void AddSet(ref DnsResponseWriter writer, DnsSection section, ReadOnlySpan<byte> owner, ResourceRecordSet set)
    {
        foreach (byte[] rdata in set.Rdata)
        {
            if (!writer.TryAddRecord(section, owner, set.Type, set.Ttl, rdata, set.RdataIsName))
            {
                return;
            }
        }
    }

    // RFC 2308 §3: the SOA goes in the authority section with TTL min(SOA TTL, SOA MINIMUM).
    private static void AddNegative(ref DnsResponseWriter writer, StaticZone zone) =>
        writer.TryAddRecord(DnsSection.Authority, zone.ApexWire, DnsRecordType.SOA, zone.NegativeTtl, zone.Soa.Rdata[0]);
}
