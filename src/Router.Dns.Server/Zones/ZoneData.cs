using System.Collections.Frozen;

namespace Router.Dns.Server.Zones;

/// <summary>A set of records with one owner and type, RDATA pre-encoded (uncompressed) for the answer path.</summary>
internal sealed class ResourceRecordSet(DnsRecordType type, uint ttl, byte[][] rdata, DnsName?[] names)
{
    public DnsRecordType Type { get; } = type;

    public uint Ttl { get; } = ttl;

    /// <summary>The RDATA of each record, in wire form with names uncompressed.</summary>
    public byte[][] Rdata { get; } = rdata;

    /// <summary>For CNAME/NS/PTR: the name each RDATA holds (a compression target and, for CNAME, the chain to follow).</summary>
    public DnsName?[] Names { get; } = names;

    public bool RdataIsName => Type is DnsRecordType.CNAME or DnsRecordType.NS or DnsRecordType.PTR;
}

/// <summary>One owner name in a zone and its record sets. A node without sets is an empty non-terminal.</summary>
internal sealed class ZoneNode(byte[] name, ResourceRecordSet[] sets)
{
    /// <summary>The owner in lowercased wire form.</summary>
    public byte[] Name { get; } = name;

    public ResourceRecordSet[] Sets { get; } = sets;

    public ResourceRecordSet? Find(DnsRecordType type)
    {
        foreach (var set in Sets)
        {
            if (set.Type == type)
            {
                return set;
            }
        }

        return null;
    }
}

/// <summary>An immutable authoritative zone.</summary>
internal sealed class StaticZone
{
    private readonly Dictionary<byte[], ZoneNode>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public StaticZone(DnsName apex, Dictionary<byte[], ZoneNode> nodes, ResourceRecordSet soa, uint negativeTtl)
    {
        Apex = apex;
        ApexWire = apex.ToLowerInvariant().Wire.ToArray();
        _lookup = nodes.GetAlternateLookup<ReadOnlySpan<byte>>();
        Soa = soa;
        NegativeTtl = negativeTtl;
        NodeCount = nodes.Count;
    }

    public DnsName Apex { get; }

    /// <summary>The apex in lowercased wire form.</summary>
    public byte[] ApexWire { get; }

    public ResourceRecordSet Soa { get; }

    /// <summary>The TTL of the SOA in negative answers: min(SOA TTL, SOA MINIMUM) (RFC 2308 §3).</summary>
    public uint NegativeTtl { get; }

    public int NodeCount { get; }

    public ZoneNode? Find(ReadOnlySpan<byte> lowercaseName) => _lookup.TryGetValue(lowercaseName, out var node) ? node : null;
}

/// <summary>The zones of one configuration, looked up by the longest matching apex.</summary>
internal sealed class ZoneSet
{
    private readonly Dictionary<byte[], StaticZone>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public ZoneSet(IReadOnlyList<StaticZone> zones)
    {
        var byApex = new Dictionary<byte[], StaticZone>(WireNameComparer.Instance);
        foreach (var zone in zones)
        {
            byApex[zone.ApexWire] = zone;
        }

        _lookup = byApex.GetAlternateLookup<ReadOnlySpan<byte>>();
        Zones = zones;
    }

    public static ZoneSet Empty { get; } = new([]);

    public IReadOnlyList<StaticZone> Zones { get; }

    /// <summary>The zone with the longest apex that <paramref name="lowercaseName"/> is in, or null.</summary>
    public StaticZone? FindZone(ReadOnlySpan<byte> lowercaseName)
    {
        if (Zones.Count == 0)
        {
            return null;
        }

        int position = 0;
        while (true)
        {
            if (_lookup.TryGetValue(lowercaseName[position..], out var zone))
            {
                return zone;
            }

            if (lowercaseName[position] == 0)
            {
                return null;
            }

            position += lowercaseName[position] + 1;
        }
    }
}
