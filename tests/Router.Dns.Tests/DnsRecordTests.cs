using System.Net;

namespace Router.Dns.Tests;

/// <summary>Whole resource records (RFC 1035 §4.1.3): owner, TYPE, CLASS, TTL, RDLENGTH and RDATA.</summary>
public sealed class DnsRecordTests
{
    [Fact]
    public void TryWrite_MxRecord_PatchesRdlengthAfterCompressedRdata()
    {
        // Arrange: example.test. at 0; the MX owner and exchange suffix both point to it.
        var writer = new DnsWireWriter(new byte[64]);
        writer.TryWriteName(DnsName.Parse("example.test.").Wire);
        var record = new DnsRecord(DnsName.Parse("example.test."), DnsRecordType.MX, DnsClass.IN, 300,
            new MxRecordData(10, DnsName.Parse("mail.example.test.")));

        // Act
        bool written = record.TryWrite(ref writer);

        // Assert: RDLENGTH 9 = preference (2) + "mail" (5) + pointer (2).
        Assert.True(written);
        Assert.Equal(
            [0xC0, 0x00, 0x00, 0x0F, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2C, 0x00, 0x09, 0x00, 0x0A, 4, .. "mail"u8, 0xC0, 0x00],
            writer.Written[14..].ToArray());
    }

    [Fact]
    public void TryWrite_TtlOverride_WritesGivenTtl()
    {
        // Arrange: a cache serving an aged copy writes the remaining TTL, not the stored one.
        var record = new DnsRecord(DnsName.Root, DnsRecordType.A, DnsClass.IN, 3600, new AddressRecordData(IPAddress.Parse("192.0.2.1")));
        var writer = new DnsWireWriter(new byte[64]);

        // Act
        bool written = record.TryWrite(ref writer, 17);

        // Assert
        Assert.True(written);
        Assert.Equal([0, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x11, 0x00, 0x04, 192, 0, 2, 1], writer.Written.ToArray());
    }

    [Fact]
    public void TryWrite_EveryShortRoom_FalsePositionAndCompressionStateUnchanged()
    {
        // Arrange
        var record = new DnsRecord(DnsName.Parse("www.example.test."), DnsRecordType.CNAME, DnsClass.IN, 60,
            new NameRecordData(DnsRecordType.CNAME, DnsName.Parse("other.example.test.")));
        const int Full = 18 + 10 + 8;

        for (int room = 0; room < Full; room++)
        {
            var buffer = new byte[room];
            var writer = new DnsWireWriter(buffer);

            // Act
            bool written = record.TryWrite(ref writer);

            // Assert
            Assert.False(written, $"room {room}");
            Assert.Equal(0, writer.Position);
        }

        var fits = new DnsWireWriter(new byte[Full]);
        Assert.True(record.TryWrite(ref fits));
        Assert.Equal(Full, fits.Position);
    }

    [Fact]
    public void TryWrite_FailedRecord_LeavesNoCompressionTargetsBehind()
    {
        // Arrange: the owner fits but the RDATA does not; the rewound owner must not be pointed to afterwards.
        var buffer = new byte[40];
        var writer = new DnsWireWriter(buffer);
        var big = new DnsRecord(DnsName.Parse("www.example.test."), DnsRecordType.TXT, DnsClass.IN, 60, new TxtRecordData([new byte[100]]));
        Assert.False(big.TryWrite(ref writer));

        // Act
        writer.TryWriteByte(0xFF);
        writer.TryWriteName(DnsName.Parse("www.example.test.").Wire);

        // Assert: written in full after the marker, not as a pointer to the forgotten octets at 0.
        Assert.Equal([0xFF, 3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0], writer.Written.ToArray());
    }

    [Fact]
    public void ToString_Record_ZoneFileLine()
    {
        // Arrange
        var record = new DnsRecord(DnsName.Parse("www.example.test."), DnsRecordType.AAAA, DnsClass.IN, 300,
            new AddressRecordData(IPAddress.Parse("2001:db8::1")));

        // Act
        string text = record.ToString();

        // Assert
        Assert.Equal("www.example.test. 300 IN AAAA 2001:db8::1", text);
    }
}
