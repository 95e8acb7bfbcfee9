using System.Globalization;
using Router.Dns.Server.Configuration;

namespace Router.Dns.Server.Tests.Infrastructure;

/// <summary>The zones the authoritative tests ask about.</summary>
internal static class TestZones
{
    /// <summary>Records in the <c>big.example.test</c> A RRset: more than 1232 octets of answer.</summary>
    public const int BigRRsetSize = 100;

    /// <summary>
    /// <c>example.test</c>: no SOA or NS configured (both made up), apex A/AAAA/MX/TXT, SRV, an empty non-terminal
    /// (<c>b</c> above <c>a.b</c>), CNAME chains inside the zone, across to <c>other.test</c>, to missing targets, out of
    /// our zones, a CNAME loop, and a big RRset.
    /// </summary>
    public static DnsZoneOptions Example()
    {
        var zone = new DnsZoneOptions
        {
            Name = "example.test",
            Ttl = 300,
            Records =
            [
                Record("@", "A", "192.0.2.10"),
                Record("@", "AAAA", "2001:db8::10"),
                Record("@", "MX", "10 mail.example.test."),
                Record("@", "TXT", "\"hello world\""),
                Record("www", "A", "192.0.2.1"),
                Record("www", "AAAA", "2001:db8::1"),
                Record("mail", "A", "192.0.2.25"),
                Record("_sip._udp", "SRV", "10 20 5060 sip.example.test."),
                Record("a.b", "A", "192.0.2.20"),
                Record("alias", "CNAME", "www.example.test."),
                Record("alias2", "CNAME", "alias"),
                Record("cross", "CNAME", "host.other.test."),
                Record("dangling", "CNAME", "missing.example.test."),
                Record("dangling-cross", "CNAME", "missing.other.test."),
                Record("external", "CNAME", "www.outside.invalid."),
                Record("loop1", "CNAME", "loop2.example.test."),
                Record("loop2", "CNAME", "loop1.example.test."),
                Record("short", "A", "192.0.2.60", ttl: 60),
            ],
        };

        for (int i = 1; i <= BigRRsetSize; i++)
        {
            zone.Records.Add(Record("big", "A", string.Create(CultureInfo.InvariantCulture, $"198.51.{100 + i / 250}.{i % 250}")));
        }

        return zone;
    }

    /// <summary><c>other.test</c>: SOA and NS configured explicitly.</summary>
    public static DnsZoneOptions Other() => new()
    {
        Name = "other.test",
        Ttl = 600,
        Records =
        [
            Record("@", "SOA", "ns.other.test. admin.other.test. 2024010101 7200 900 1209600 60"),
            Record("@", "NS", "ns.other.test."),
            Record("ns", "A", "192.0.2.53"),
            Record("host", "A", "192.0.2.30"),
        ],
    };

    public static DnsRecordOptions Record(string name, string type, string value, int? ttl = null) =>
        new() { Name = name, Type = type, Value = value, Ttl = ttl };
}
