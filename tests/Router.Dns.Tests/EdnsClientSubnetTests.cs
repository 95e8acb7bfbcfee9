using System.Net;

namespace Router.Dns.Tests;

/// <summary>The EDNS Client Subnet option (RFC 7871 §6): strict parsing and byte-exact writing.</summary>
public sealed class EdnsClientSubnetTests
{
    public static TheoryData<string, byte[], string, byte, byte> ValidOptions => new()
    {
        // FAMILY 1, SOURCE 24, SCOPE 0, ADDRESS 198.51.100 (ceil(24 / 8) = 3 octets).
        { "IPv4 /24", [0x00, 0x01, 24, 0, 198, 51, 100], "198.51.100.0", 24, 0 },
        // FAMILY 1, SOURCE 23: the last bit of the third octet must be zero.
        { "IPv4 /23", [0x00, 0x01, 23, 0, 198, 51, 100], "198.51.100.0", 23, 0 },
        // FAMILY 1, SOURCE 32, SCOPE 32 (a response scope).
        { "IPv4 /32 with scope", [0x00, 0x01, 32, 32, 192, 0, 2, 1], "192.0.2.1", 32, 32 },
        // FAMILY 1, SOURCE 0: no address octets at all (RFC 7871 §7.1.2: "do not use my address").
        { "IPv4 /0", [0x00, 0x01, 0, 0], "0.0.0.0", 0, 0 },
        // FAMILY 2, SOURCE 56, ADDRESS 2001:db8:1:2:: (7 octets).
        { "IPv6 /56", [0x00, 0x02, 56, 0, 0x20, 0x01, 0x0D, 0xB8, 0x00, 0x01, 0x02], "2001:db8:1:200::", 56, 0 },
        // FAMILY 2, SOURCE 0.
        { "IPv6 /0", [0x00, 0x02, 0, 0], "::", 0, 0 },
    };

    [Theory]
    [MemberData(nameof(ValidOptions))]
    public void TryParse_ValidOption_ReadsAddressAndPrefixes(string description, byte[] data, string address, byte source, byte scope)
    {
        // Act
        bool parsed = EdnsClientSubnet.TryParse(data, out var subnet);

        // Assert
        Assert.True(parsed, description);
        Assert.Equal(IPAddress.Parse(address), subnet.Address.ToIPAddress());
        Assert.Equal(source, subnet.SourcePrefixLength);
        Assert.Equal(scope, subnet.ScopePrefixLength);
        Assert.Equal(data.Length, subnet.DataLength);
    }

    [Theory]
    [MemberData(nameof(ValidOptions))]
    public void TryWriteOption_ParsedOption_WritesSameOctets(string description, byte[] data, string address, byte source, byte scope)
    {
        // Arrange
        EdnsClientSubnet.TryParse(data, out var subnet);
        var writer = new DnsWireWriter(new byte[64]);

        // Act
        bool written = subnet.TryWriteOption(ref writer);

        // Assert: RFC 6891 §6.1.2: OPTION-CODE 8, OPTION-LENGTH, then the data.
        Assert.True(written, description);
        Assert.Equal([0x00, 0x08, 0x00, (byte)data.Length, .. data], writer.Written.ToArray());
        Assert.Equal((address, source, scope), (subnet.Address.ToString(), subnet.SourcePrefixLength, subnet.ScopePrefixLength));
    }

    public static TheoryData<string, byte[]> InvalidOptions => new()
    {
        { "fewer than four octets", [0x00, 0x01, 0] },
        { "family 0", [0x00, 0x00, 0, 0] },
        { "family 3", [0x00, 0x03, 0, 0] },
        { "source prefix 33 for IPv4", [0x00, 0x01, 33, 0, 10, 0, 0, 0, 0] },
        { "scope prefix 33 for IPv4", [0x00, 0x01, 0, 33] },
        { "source prefix 129 for IPv6", [0x00, 0x02, 129, 0, .. new byte[17]] },
        { "address longer than ceil(source / 8)", [0x00, 0x01, 24, 0, 198, 51, 100, 0] },
        { "address for a /0", [0x00, 0x01, 0, 0, 198] },
        { "address shorter than ceil(source / 8)", [0x00, 0x01, 25, 0, 198, 51, 100] },
        { "non-zero bits beyond a /23", [0x00, 0x01, 23, 0, 198, 51, 101] },
        { "non-zero bits beyond a /1", [0x00, 0x01, 1, 0, 0xC0] },
        { "non-zero bits beyond an IPv6 /57", [0x00, 0x02, 57, 0, 0x20, 0x01, 0x0D, 0xB8, 0x00, 0x01, 0x02, 0x40] },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void TryParse_MalformedOption_False(string description, byte[] data)
    {
        // Act
        bool parsed = EdnsClientSubnet.TryParse(data, out var subnet);

        // Assert: RFC 7871 §7.1.2: FORMERR.
        Assert.False(parsed, description);
        Assert.Equal(default, subnet);
    }

    [Fact]
    public void TryParse_IPv6SubnetInsideMappedRange_StaysIPv6()
    {
        // Arrange: FAMILY 2, SOURCE 120, ADDRESS ::ffff:192.0.2.0 (15 octets): an IPv6 subnet that lies in the
        // IPv4-mapped range is still FAMILY 2, and its prefix lengths count in 128 bits.
        byte[] data = [0x00, 0x02, 120, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2];

        // Act
        bool parsed = EdnsClientSubnet.TryParse(data, out var subnet);
        var writer = new DnsWireWriter(new byte[64]);
        bool written = subnet.TryWriteOption(ref writer);

        // Assert
        Assert.True(parsed);
        Assert.Equal(EdnsClientSubnet.FamilyIPv6, subnet.Family);
        Assert.Equal(128, subnet.MaxPrefixLength);
        Assert.True(written);
        Assert.Equal([0x00, 0x08, 0x00, (byte)data.Length, .. data], writer.Written.ToArray());
    }

    [Fact]
    public void TryWriteOption_HostBitsInAddress_MaskedToSourcePrefix()
    {
        // Arrange: a server builds ECS from a full client address; only SOURCE bits may travel (RFC 7871 §6).
        var subnet = new EdnsClientSubnet(NetworkAddress.FromBytes([198, 51, 100, 77]), 23, 0);
        var writer = new DnsWireWriter(new byte[64]);

        // Act
        bool written = subnet.TryWriteOption(ref writer);

        // Assert
        Assert.True(written);
        Assert.Equal([0x00, 0x08, 0x00, 0x07, 0x00, 0x01, 23, 0, 198, 51, 100], writer.Written.ToArray());
        Assert.Equal(EdnsClientSubnet.FamilyIPv4, subnet.Family);
        Assert.Equal(32, subnet.MaxPrefixLength);
    }

    [Fact]
    public void TryWriteOption_EveryShortRoom_FalseAndPositionUnchanged()
    {
        // Arrange
        var subnet = new EdnsClientSubnet(NetworkAddress.FromBytes([198, 51, 100, 0]), 24, 0);

        for (int room = 0; room < 11; room++)
        {
            var writer = new DnsWireWriter(new byte[2 + room]);
            writer.TryAdvance(2);

            // Act
            bool written = subnet.TryWriteOption(ref writer);

            // Assert
            Assert.False(written, $"room {room}");
            Assert.Equal(2, writer.Position);
        }
    }
}
