using System.Net;

namespace Router.Dns.Server.Zones;

/// <summary>
/// The server's own specific listen addresses as A and AAAA RDATA: the records of a zone's made-up <c>ns1</c> (CONTRACT
/// "DNS behaviour"). Wildcards and duplicates are left out, IPv4-mapped IPv6 addresses become IPv4; empty when the
/// server listens on wildcards only (then <c>ns1</c> has no address). Immutable.
/// </summary>
public sealed class NameServerGlue
{
    private readonly (DnsRecordType Type, byte[] Rdata)[] _records;

    /// <param name="addresses">The addresses, in the order they are answered.</param>
    public NameServerGlue(IEnumerable<IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var records = new List<(DnsRecordType Type, byte[] Rdata)>();
        foreach (var address in addresses)
        {
            if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
            {
                continue;
            }

            var normalized = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            var type = normalized.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? DnsRecordType.A : DnsRecordType.AAAA;
            byte[] rdata = normalized.GetAddressBytes();
            if (!records.Exists(r => r.Type == type && r.Rdata.AsSpan().SequenceEqual(rdata)))
            {
                records.Add((type, rdata));
            }
        }

        _records = [.. records];
    }

    /// <summary>No addresses.</summary>
    public static NameServerGlue Empty { get; } = new([]);

    /// <summary>The A and AAAA RDATA, in order.</summary>
    public ReadOnlySpan<(DnsRecordType Type, byte[] Rdata)> Records => _records;
}
