using Router.Dns.Server.Pipeline;

namespace Router.Dns.Server.Zones;

/// <summary>
/// The static zones of one configuration as one <see cref="IDnsZone"/> (CONTRACT "DNS behaviour"): a name is answered by
/// the static zone with the longest apex holding it; NXDOMAIN or NODATA carry that zone's SOA in authority (RFC 2308 §2);
/// a CNAME gives its target for the pipeline to follow (RFC 1034 §4.3.2); ANY is answered with one RRset (RFC 8482 §4.2).
/// Immutable and allocation-free.
/// </summary>
internal sealed class StaticZones(ZoneSet zones) : IDnsZone
{
    public ZoneSet Zones { get; } = zones ?? throw new ArgumentNullException(nameof(zones));

    public int MatchApexLength(ReadOnlySpan<byte> lowercaseName) => Zones.FindZone(lowercaseName) is { } zone ? zone.ApexWire.Length : -1;

    public DnsResponseCode Answer(scoped ref DnsResponseWriter writer, DnsRequestContext context, ReadOnlySpan<byte> lowercaseName, DnsRecordType type,
        out ReadOnlySpan<byte> cnameTarget)
    {
        cnameTarget = default;
        var zone = Zones.FindZone(lowercaseName);
        if (zone is null)
        {
            // Not ours: the pipeline asks only the zone that holds the name.
            return DnsResponseCode.Refused;
        }

        var node = zone.Find(lowercaseName);
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

            AddSet(ref writer, lowercaseName, node.Sets[0]);
            return DnsResponseCode.NoError;
        }

        var set = node.Find(type);
        if (set is not null)
        {
            AddSet(ref writer, lowercaseName, set);
            return DnsResponseCode.NoError;
        }

        var cname = type == DnsRecordType.CNAME ? null : node.Find(DnsRecordType.CNAME);
        if (cname is null)
        {
            AddNegative(ref writer, zone);
            return DnsResponseCode.NoError;
        }

        AddSet(ref writer, lowercaseName, cname);
        cnameTarget = cname.Names[0]!.Wire;
        return DnsResponseCode.NoError;
    }

    public DnsName? FindCname(ReadOnlySpan<byte> lowercaseName) =>
        Zones.FindZone(lowercaseName)?.Find(lowercaseName)?.Find(DnsRecordType.CNAME)?.Names[0];

    private static void AddSet(ref DnsResponseWriter writer, ReadOnlySpan<byte> owner, ResourceRecordSet set)
    {
        foreach (byte[] rdata in set.Rdata)
        {
            if (!writer.TryAddRecord(DnsSection.Answer, owner, set.Type, set.Ttl, rdata, set.RdataIsName))
            {
                return;
            }
        }
    }

    // RFC 2308 §3: the SOA goes in the authority section with TTL min(SOA TTL, SOA MINIMUM).
    private static void AddNegative(ref DnsResponseWriter writer, StaticZone zone) =>
        writer.TryAddRecord(DnsSection.Authority, zone.ApexWire, DnsRecordType.SOA, zone.NegativeTtl, zone.Soa.Rdata[0]);
}
