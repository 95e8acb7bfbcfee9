using System.Net;
using Router.Dns;
using Router.Dns.Server.Zones;
using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Routing;

/// <summary>
/// The apex of <c>TrafficManager:Zone</c>: a made-up SOA and NS, as the static zones make them up
/// (<c>ns1.&lt;zone&gt;</c>, <c>hostmaster.&lt;zone&gt;</c>, refresh 3600, retry 600, expire 7 days, minimum
/// min(ZoneTtl, 300)), and A/AAAA glue for <c>ns1</c> when the host gives the server's addresses. RDATA pre-encoded.
/// </summary>
internal sealed class TrafficManagerZone
{
    public TrafficManagerZone(TrafficManagerOptions options, IReadOnlyList<IPAddress>? nameServerAddresses)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Zone))
        {
            throw new ArgumentException("TrafficManager:Zone is required.", nameof(options));
        }

        Apex = DnsName.Parse(options.Zone.EndsWith('.') ? options.Zone : options.Zone + ".").ToLowerInvariant();
        ApexWire = Apex.Wire.ToArray();
        Ttl = (uint)Math.Max(0, options.ZoneTtl);
        var nameServer = DnsName.Parse(TrafficManagerOptionsValidator.NameServerLabel + "." + Apex);
        NameServerWire = nameServer.Wire.ToArray();
        uint minimum = Math.Min(Ttl, 300u);
        SoaRdata = Encode(new SoaRecordData(nameServer, DnsName.Parse("hostmaster." + Apex), Serial(options), 3600, 600, 86400 * 7, minimum));
        NsRdata = Encode(new NameRecordData(DnsRecordType.NS, nameServer));
        NegativeTtl = Math.Min(Ttl, minimum);

        Glue = new NameServerGlue(nameServerAddresses ?? []);
    }

    /// <summary>The apex, lowercased.</summary>
    public DnsName Apex { get; }

    /// <summary>The apex in lowercased wire form.</summary>
    public byte[] ApexWire { get; }

    /// <summary>TTL of the SOA, NS and glue.</summary>
    public uint Ttl { get; }

    /// <summary>TTL of the SOA in negative answers: min(SOA TTL, SOA MINIMUM) (RFC 2308 §3).</summary>
    public uint NegativeTtl { get; }

    public byte[] SoaRdata { get; }

    public byte[] NsRdata { get; }

    /// <summary><c>ns1.&lt;zone&gt;</c> in lowercased wire form.</summary>
    public byte[] NameServerWire { get; }

    /// <summary>
    /// The A/AAAA records of <c>ns1.&lt;zone&gt;</c> from the addresses given to <see cref="RoutingSnapshot.Build"/>; empty when
    /// none were. In a DNS server's pipeline the server's listen addresses (<c>DnsRequestContext.NameServers</c>) are used instead.
    /// </summary>
    public NameServerGlue Glue { get; }

    /// <summary>Whether <paramref name="lowercaseName"/> (wire form) is the apex or under it.</summary>
    public bool Contains(ReadOnlySpan<byte> lowercaseName)
    {
        int position = 0;
        while (lowercaseName.Length - position > ApexWire.Length)
        {
            if (lowercaseName[position] == 0)
            {
                return false;
            }

            position += lowercaseName[position] + 1;
        }

        return lowercaseName.Length - position == ApexWire.Length && lowercaseName[position..].SequenceEqual(ApexWire);
    }

    private static byte[] Encode(DnsRecordData data)
    {
        // Names in pre-encoded RDATA are uncompressed: the octets are copied verbatim into answers.
        var buffer = new byte[DnsLimits.MaxMessageLength];
        var writer = new DnsWireWriter(buffer, compression: false);
        if (!data.TryWrite(ref writer))
        {
            throw new InvalidOperationException("Record data is larger than a DNS message.");
        }

        return writer.Written.ToArray();
    }

    /// <summary>A serial that changes when the zone's configuration does.</summary>
    private static uint Serial(TrafficManagerOptions options)
    {
        var hash = new HashCode();
        hash.Add(options.Zone, StringComparer.OrdinalIgnoreCase);
        hash.Add(options.ZoneTtl);
        foreach (var profile in options.Profiles)
        {
            hash.Add(profile?.Name, StringComparer.OrdinalIgnoreCase);
            hash.Add(profile?.RoutingMethod);
            hash.Add(profile?.Ttl);
            foreach (var endpoint in profile?.Endpoints ?? [])
            {
                hash.Add(endpoint?.Name);
                hash.Add(endpoint?.Target);
            }
        }

        return (uint)hash.ToHashCode() & 0x7FFF_FFFF;
    }
}
