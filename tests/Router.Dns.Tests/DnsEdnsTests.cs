namespace Router.Dns.Tests;

/// <summary>The OPT pseudo-record (RFC 6891 §6.1.2-§6.1.3) as written by <see cref="DnsEdns"/>.</summary>
public sealed class DnsEdnsTests
{
    [Fact]
    public void TryWrite_WithOptions_WritesOptRecord()
    {
        // Arrange
        var edns = new DnsEdns
        {
            UdpPayloadSize = 1232,
            ExtendedResponseCode = 1,
            Version = 0,
            DnssecOk = true,
            Options = [new EdnsOption(10, [1, 2, 3, 4, 5, 6, 7, 8]), new EdnsOption(12, [])],
        };
        var writer = new DnsWireWriter(new byte[64]);

        // Act
        bool written = edns.TryWrite(ref writer);

        // Assert: root owner, TYPE 41, CLASS 1232, TTL = EXTENDED-RCODE 1 | VERSION 0 | DO, RDLENGTH 16, options.
        byte[] expected =
        [
            0, 0x00, 0x29, 0x04, 0xD0, 0x01, 0x00, 0x80, 0x00, 0x00, 0x10,
            0x00, 0x0A, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
            0x00, 0x0C, 0x00, 0x00,
        ];
        Assert.True(written);
        Assert.Equal(expected, writer.Written.ToArray());
    }

    [Fact]
    public void Defaults_NewInstance_AdvertiseDefaultPayloadWithoutOptions()
    {
        // Act
        var edns = new DnsEdns();

        // Assert
        Assert.Equal(DnsLimits.DefaultEdnsPayloadSize, edns.UdpPayloadSize);
        Assert.Equal((0, 0, false), (edns.ExtendedResponseCode, edns.Version, edns.DnssecOk));
        Assert.Empty(edns.Options);
        Assert.Null(edns.ClientSubnet);
    }

    [Fact]
    public void ClientSubnet_SeveralOptions_FirstWellFormedSubnet()
    {
        // Arrange
        var edns = new DnsEdns
        {
            Options =
            [
                new EdnsOption(10, [1, 2, 3, 4, 5, 6, 7, 8]),
                new EdnsOption(EdnsClientSubnet.OptionCode, [0x00, 0x03]),
                new EdnsOption(EdnsClientSubnet.OptionCode, [0x00, 0x01, 16, 0, 10, 1]),
            ],
        };

        // Act
        var subnet = edns.ClientSubnet;

        // Assert
        Assert.Equal(new EdnsClientSubnet(NetworkAddress.FromBytes([10, 1, 0, 0]), 16, 0), subnet);
    }

    [Fact]
    public void TryWrite_EveryShortRoom_FalseAndPositionUnchanged()
    {
        // Arrange
        var edns = new DnsEdns { Options = [new EdnsOption(10, [1, 2, 3, 4, 5, 6, 7, 8])] };

        for (int room = 0; room < 23; room++)
        {
            var writer = new DnsWireWriter(new byte[1 + room]);
            writer.TryAdvance(1);

            // Act
            bool written = edns.TryWrite(ref writer);

            // Assert
            Assert.False(written, $"room {room}");
            Assert.Equal(1, writer.Position);
        }
    }
}
