using System.Collections.Frozen;

namespace Router.Dns.Server.Zones;

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
