using System.Collections.Frozen;

namespace Router.Dns.Server.Zones;

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
