using System.Collections.Frozen;

namespace Router.Dns.Server.Zones;

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
