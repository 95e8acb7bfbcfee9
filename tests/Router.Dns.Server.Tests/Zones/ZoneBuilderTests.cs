using System.Buffers.Binary;
using System.Net;
using Router.Dns.Server.Configuration;
using Router.Dns.Server.Tests.Infrastructure;
using Router.Dns.Server.Zones;

namespace Router.Dns.Server.Tests.Zones;

/// <summary><see cref="ZoneBuilder"/>: made-up apex records, empty non-terminals, RRset rules, zone lookup.</summary>
public sealed class ZoneBuilderTests
{
    private static readonly IPEndPoint[] Listen = [new(IPAddress.Parse("127.0.0.53"), 53), new(IPAddress.Any, 5353)];

    [Fact]
    public void Build_NoSoaOrNsConfigured_MadeUpAtApexWithGlueFromListenAddress()
    {
        // Act
        var zone = BuildOne(new DnsZoneOptions { Name = "example.test", Ttl = 3600, Records = [TestZones.Record("www", "A", "192.0.2.1")] });

        // Assert
        var apex = zone.Find(Wire("example.test"))!;
        Assert.Equal(DnsRecordType.SOA, apex.Sets[0].Type);
        Assert.Equal("ns1.example.test.", Assert.Single(apex.Find(DnsRecordType.NS)!.Names)?.ToString());
        var glue = zone.Find(Wire("ns1.example.test"))!.Find(DnsRecordType.A)!;
        Assert.Equal([new byte[] { 127, 0, 0, 53 }], glue.Rdata); // the wildcard listen address gives no glue

        // SOA MINIMUM = min(zone TTL, 300); the negative TTL is min(SOA TTL, MINIMUM) (RFC 2308 §3).
        byte[] soa = zone.Soa.Rdata[0];
        Assert.Equal(300u, BinaryPrimitives.ReadUInt32BigEndian(soa.AsSpan(soa.Length - 4)));
        Assert.Equal(300u, zone.NegativeTtl);
    }

    [Fact]
    public void Build_ConfiguredSoaAndNs_UsedAsGivenWithoutMadeUpGlue()
    {
        // Act
        var zone = BuildOne(TestZones.Other());

        // Assert
        Assert.Equal("ns.other.test.", Assert.Single(zone.Find(Wire("other.test"))!.Find(DnsRecordType.NS)!.Names)?.ToString());
        Assert.Null(zone.Find(Wire("ns1.other.test")));
        Assert.Equal(60u, zone.NegativeTtl);
    }

    [Fact]
    public void Build_ZoneSerial_ChangesWithContent()
    {
        // Act
        var first = BuildOne(new DnsZoneOptions { Name = "example.test", Records = [TestZones.Record("www", "A", "192.0.2.1")] });
        var same = BuildOne(new DnsZoneOptions { Name = "example.test", Records = [TestZones.Record("www", "A", "192.0.2.1")] });
        var changed = BuildOne(new DnsZoneOptions { Name = "example.test", Records = [TestZones.Record("www", "A", "192.0.2.2")] });

        // Assert
        Assert.Equal(Serial(first), Serial(same));
        Assert.NotEqual(Serial(first), Serial(changed));
    }

    [Fact]
    public void Build_DeepName_EveryNameAboveItExistsEmpty()
    {
        // Act
        var zone = BuildOne(new DnsZoneOptions { Name = "example.test", Records = [TestZones.Record("a.b.c", "TXT", "deep")] });

        // Assert (RFC 8020: an empty non-terminal is not NXDOMAIN)
        Assert.Empty(zone.Find(Wire("b.c.example.test"))!.Sets);
        Assert.Empty(zone.Find(Wire("c.example.test"))!.Sets);
        Assert.Single(zone.Find(Wire("a.b.c.example.test"))!.Sets);
        Assert.Null(zone.Find(Wire("x.c.example.test")));
    }

    [Fact]
    public void Build_RecordsOfOneRRset_DuplicatesDroppedAndLowestTtlWins()
    {
        // Act
        var zone = BuildOne(new DnsZoneOptions
        {
            Name = "example.test",
            Records =
            [
                TestZones.Record("www", "A", "192.0.2.1", ttl: 600),
                TestZones.Record("WWW", "A", "192.0.2.1", ttl: 60),
                TestZones.Record("www.example.test.", "A", "192.0.2.2"),
            ],
        });

        // Assert (RFC 2181 §5: no duplicates in an RRset; §5.2: one TTL)
        var set = zone.Find(Wire("www.example.test"))!.Find(DnsRecordType.A)!;
        Assert.Equal(2, set.Rdata.Length);
        Assert.Equal(60u, set.Ttl);
    }

    [Fact]
    public void Build_MixedCaseNames_FoundByLowercaseWireName()
    {
        // Act
        var zones = Build(new DnsZoneOptions { Name = "Example.TEST", Records = [TestZones.Record("WwW", "A", "192.0.2.1")] });

        // Assert
        var zone = zones.FindZone(Wire("www.example.test"));
        Assert.NotNull(zone);
        Assert.NotNull(zone.Find(Wire("www.example.test")));
    }

    [Fact]
    public void FindZone_NestedZones_LongestApexWins()
    {
        // Arrange
        var zones = Build(
            new DnsZoneOptions { Name = "example.test", Records = [TestZones.Record("www", "A", "192.0.2.1")] },
            new DnsZoneOptions { Name = "sub.example.test", Records = [TestZones.Record("www", "A", "192.0.2.2")] });

        // Act + Assert
        Assert.Equal("sub.example.test.", zones.FindZone(Wire("a.www.sub.example.test"))!.Apex.ToString());
        Assert.Equal("sub.example.test.", zones.FindZone(Wire("sub.example.test"))!.Apex.ToString());
        Assert.Equal("example.test.", zones.FindZone(Wire("www.example.test"))!.Apex.ToString());
        Assert.Null(zones.FindZone(Wire("test")));
        Assert.Null(zones.FindZone(Wire("example.org")));
        Assert.Null(ZoneSet.Empty.FindZone(Wire("example.test")));
    }

    [Fact]
    public void Build_InvalidZoneAmongValid_ValidOnesBuiltAndErrorsCollected()
    {
        // Arrange
        var errors = new List<string>();

        // Act
        var zones = ZoneBuilder.Build(
            [
                new DnsZoneOptions { Name = "good.test", Records = [TestZones.Record("www", "A", "192.0.2.1")] },
                new DnsZoneOptions { Name = "bad.test", Ttl = -5, Records = [TestZones.Record("www", "A", "192.0.2.1"), TestZones.Record("x", "TXT", null!)] },
            ],
            Listen, "Dns:Zones", errors);

        // Assert
        Assert.Equal(["Dns:Zones:1:Ttl: must be 0-2147483647", "Dns:Zones:1:Records:1:Value: required"], errors);
        Assert.Equal(["good.test."], zones.Zones.Select(z => z.Apex.ToString()));
    }

    private static ZoneSet Build(params DnsZoneOptions[] zones)
    {
        var errors = new List<string>();
        var set = ZoneBuilder.Build(zones, Listen, "Dns:Zones", errors);
        Assert.Empty(errors);
        return set;
    }

    private static StaticZone BuildOne(DnsZoneOptions zone) => Assert.Single(Build(zone).Zones);

    private static byte[] Wire(string name) => DnsName.Parse(name).Wire.ToArray();

    private static uint Serial(StaticZone zone)
    {
        // RDATA: MNAME, RNAME (uncompressed), then SERIAL REFRESH RETRY EXPIRE MINIMUM, 4 octets each.
        byte[] soa = zone.Soa.Rdata[0];
        return BinaryPrimitives.ReadUInt32BigEndian(soa.AsSpan(soa.Length - 20));
    }
}
