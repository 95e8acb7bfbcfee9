namespace Router.Dns.Tests;

/// <summary>
/// <see cref="DnsWireWriter"/>: byte-exact names with compression (RFC 1035 §4.1.4), and "does not fit" reported as
/// <see langword="false"/> with the position (and the octets after it) untouched.
/// </summary>
public sealed class DnsWireWriterTests
{
    private const byte Sentinel = 0xAA;

    public static TheoryData<string, byte[], byte[][]> NameData => DnsWireFixtures.Names;

    [Theory]
    [MemberData(nameof(NameData))]
    public void TryWriteName_NamesTable_WritesExactMessage(string description, byte[] expectedMessage, byte[][] names)
    {
        // Arrange
        var buffer = new byte[expectedMessage.Length];
        var writer = new DnsWireWriter(buffer);
        Assert.True(writer.TryAdvance(DnsLimits.HeaderLength));

        // Act
        foreach (byte[] name in names)
        {
            Assert.True(writer.TryWriteName(name), description);
        }

        // Assert
        Assert.Equal(expectedMessage, writer.Written.ToArray());
    }

    [Theory]
    [MemberData(nameof(NameData))]
    public void TryWriteName_NamesTableOneOctetShort_ReturnsFalseAndKeepsPosition(string description, byte[] expectedMessage, byte[][] names)
    {
        // Arrange: room for everything but the last octet of the last name.
        var buffer = new byte[expectedMessage.Length - 1];
        var writer = new DnsWireWriter(buffer);
        Assert.True(writer.TryAdvance(DnsLimits.HeaderLength));
        foreach (byte[] name in names[..^1])
        {
            Assert.True(writer.TryWriteName(name), description);
        }

        int before = writer.Position;
        buffer.AsSpan(before).Fill(Sentinel);

        // Act
        bool written = writer.TryWriteName(names[^1]);

        // Assert
        Assert.False(written, description);
        Assert.Equal(before, writer.Position);
        Assert.All(buffer[before..], b => Assert.Equal(Sentinel, b));
    }

    [Fact]
    public void TryWriteName_RepeatedNameAndSharedSuffix_WritesPointersWithExactLength()
    {
        // Arrange: RFC 1035 §4.1.4. www.example.test. at 12 (labels at 12, 16, 24); mail.example.test. shares
        // example.test. (pointer 0xC010); test. alone is the suffix at 24 (0xC018); the repeat of www is one pointer.
        var buffer = new byte[512];
        var writer = new DnsWireWriter(buffer);
        writer.TryAdvance(DnsLimits.HeaderLength);
        byte[] expected =
        [
            .. DnsWireFixtures.ZeroHeader,
            3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0,     // 12: in full, 18 octets
            4, .. "mail"u8, 0xC0, 0x10,                             // 30: "mail" + pointer to example.test. at 16
            0xC0, 0x18,                                             // 37: test. is the suffix at 24
            0xC0, 0x0C,                                             // 39: www.example.test. again
            2, .. "ns"u8, 0xC0, 0x1E,                               // 41: ns.mail.example.test.: "ns" + pointer to 30
        ];

        // Act
        bool all = writer.TryWriteName(DnsName.Parse("www.example.test.").Wire) &&
            writer.TryWriteName(DnsName.Parse("mail.example.test.").Wire) &&
            writer.TryWriteName(DnsName.Parse("test.").Wire) &&
            writer.TryWriteName(DnsName.Parse("www.example.test.").Wire) &&
            writer.TryWriteName(DnsName.Parse("ns.mail.example.test.").Wire);

        // Assert
        Assert.True(all);
        Assert.Equal(46, writer.Position);
        Assert.Equal(expected, writer.Written.ToArray());
    }

    [Fact]
    public void TryWriteName_DifferentCase_CompressesCaseInsensitively()
    {
        // Arrange: RFC 4343 §4.1 / RFC 1035 §4.1.4: compression matches names case-insensitively.
        var buffer = new byte[64];
        var writer = new DnsWireWriter(buffer);
        writer.TryAdvance(DnsLimits.HeaderLength);
        writer.TryWriteName(DnsName.Parse("example.test.").Wire);

        // Act
        bool written = writer.TryWriteName(DnsName.Parse("WWW.EXAMPLE.TEST.").Wire);

        // Assert
        Assert.True(written);
        Assert.Equal([.. DnsWireFixtures.ZeroHeader, 7, .. "example"u8, 4, .. "test"u8, 0, 3, .. "WWW"u8, 0xC0, 0x0C], writer.Written.ToArray());
    }

    [Fact]
    public void TryWriteName_CompressFalse_WritesInFullButBecomesTarget()
    {
        // Arrange: RFC 2782 / RFC 3597 §4: some names must not be compressed, yet later names may point into them.
        var buffer = new byte[64];
        var writer = new DnsWireWriter(buffer);
        writer.TryAdvance(DnsLimits.HeaderLength);
        writer.TryWriteName(DnsName.Parse("example.test.").Wire);

        // Act
        bool uncompressed = writer.TryWriteName(DnsName.Parse("sip.example.test.").Wire, compress: false);
        bool compressed = writer.TryWriteName(DnsName.Parse("sip.example.test.").Wire);

        // Assert
        Assert.True(uncompressed);
        Assert.True(compressed);
        Assert.Equal(
            [.. DnsWireFixtures.ZeroHeader, 7, .. "example"u8, 4, .. "test"u8, 0, 3, .. "sip"u8, 7, .. "example"u8, 4, .. "test"u8, 0, 0xC0, 0x1A],
            writer.Written.ToArray());
    }

    [Fact]
    public void TryWriteName_Root_IsOneZeroOctetNeverAPointer()
    {
        // Arrange
        var buffer = new byte[16];
        var writer = new DnsWireWriter(buffer);
        writer.TryWriteName([0]);

        // Act
        bool written = writer.TryWriteName([0]);

        // Assert
        Assert.True(written);
        Assert.Equal([0, 0], writer.Written.ToArray());
    }

    [Fact]
    public void TryWriteName_TableFull_LaterNamesAreNotTargets()
    {
        // Arrange: the writer remembers CompressionTableSize label positions; 48 one-label names fill it.
        var buffer = new byte[1024];
        var writer = new DnsWireWriter(buffer);
        writer.TryAdvance(DnsLimits.HeaderLength);
        for (int i = 0; i < DnsWireWriter.CompressionTableSize; i++)
        {
            writer.TryWriteName([2, (byte)('a' + (i / 26)), (byte)('a' + (i % 26)), 0]);
        }

        writer.TryWriteName([1, (byte)'z', 0]);
        int before = writer.Position;

        // Act: z. was written after the table filled, so it cannot be pointed to; aa. (the first name) still can.
        writer.TryWriteName([1, (byte)'z', 0]);
        writer.TryWriteName([2, (byte)'a', (byte)'a', 0]);

        // Assert
        Assert.Equal([1, (byte)'z', 0, 0xC0, 0x0C], writer.Written[before..].ToArray());
    }

    [Fact]
    public void TryWriteName_BeyondPointerRange_NotATarget()
    {
        // Arrange: RFC 1035 §4.1.4: a pointer holds a 14-bit offset, so a name at 0x4000 or later cannot be pointed to.
        var buffer = new byte[DnsLimits.MaxCompressionOffset + 64];
        var writer = new DnsWireWriter(buffer);
        writer.TryAdvance(DnsLimits.MaxCompressionOffset + 1);
        writer.TryWriteName([1, (byte)'a', 0]);
        int before = writer.Position;

        // Act
        writer.TryWriteName([1, (byte)'a', 0]);

        // Assert
        Assert.Equal([1, (byte)'a', 0], writer.Written[before..].ToArray());
    }

    [Fact]
    public void AddCompressionTarget_NameWrittenByCaller_LaterNamesPointToIt()
    {
        // Arrange: a name copied in by the caller (e.g. the question as sent) can be registered as a target.
        var buffer = new byte[64];
        var writer = new DnsWireWriter(buffer);
        writer.TryAdvance(DnsLimits.HeaderLength);
        byte[] question = [4, .. "test"u8, 0];
        question.CopyTo(buffer, DnsLimits.HeaderLength);
        writer.TryAdvance(question.Length);
        writer.AddCompressionTarget(DnsLimits.HeaderLength);

        // Act
        writer.TryWriteName([2, .. "ns"u8, 4, .. "test"u8, 0]);

        // Assert
        Assert.Equal([.. DnsWireFixtures.ZeroHeader, 4, .. "test"u8, 0, 2, .. "ns"u8, 0xC0, 0x0C], writer.Written.ToArray());
    }

    [Fact]
    public void Rewind_AfterNamesWritten_ForgetsOctetsAndCompressionTargets()
    {
        // Arrange
        var buffer = new byte[64];
        var writer = new DnsWireWriter(buffer);
        writer.TryAdvance(DnsLimits.HeaderLength);
        var mark = writer.Mark();
        writer.TryWriteName(DnsName.Parse("example.test.").Wire);

        // Act
        writer.Rewind(mark);
        writer.TryWriteName(DnsName.Parse("www.example.test.").Wire);

        // Assert: the rewound example.test. is not pointed to; the new name is written in full at the mark.
        Assert.Equal(DnsLimits.HeaderLength, mark.Position);
        Assert.Equal([.. DnsWireFixtures.ZeroHeader, 3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0], writer.Written.ToArray());
    }

    [Fact]
    public void TryWriteIntegers_BigEndian_WritesNetworkOrder()
    {
        // Arrange: RFC 1035 §2.3.2.
        var buffer = new byte[7];
        var writer = new DnsWireWriter(buffer);

        // Act
        bool all = writer.TryWriteByte(0x01) && writer.TryWriteUInt16(0x0203) && writer.TryWriteUInt32(0x04050607);

        // Assert
        Assert.True(all);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], buffer);
    }

    [Fact]
    public void PatchUInt16_EarlierPosition_OverwritesInPlace()
    {
        // Arrange
        var buffer = new byte[6];
        var writer = new DnsWireWriter(buffer);
        writer.TryWriteUInt16(0);
        writer.TryWriteUInt32(0xDEADBEEF);

        // Act
        writer.PatchUInt16(0, 0x0004);

        // Assert
        Assert.Equal([0x00, 0x04, 0xDE, 0xAD, 0xBE, 0xEF], buffer);
        Assert.Equal(6, writer.Position);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(5)]
    public void TryAdvance_NegativeOrPastEnd_ReturnsFalse(int count)
    {
        // Arrange
        var writer = new DnsWireWriter(new byte[4]);

        // Act
        bool advanced = writer.TryAdvance(count);

        // Assert
        Assert.False(advanced);
        Assert.Equal(0, writer.Position);
    }

    public static TheoryData<string, int> Operations => new()
    {
        { "byte", 1 },
        { "uint16", 2 },
        { "uint32", 4 },
        { "bytes", 5 },
        { "advance", 3 },
        { "name", 19 },
        { "name without compression", 18 },
        { "compressed name", 6 },
    };

    [Theory]
    [MemberData(nameof(Operations))]
    public void TryWrite_EveryShortRoom_ReturnsFalseKeepsPositionAndOctets(string operation, int size)
    {
        const int Before = 30;
        for (int room = 0; room <= size; room++)
        {
            // Arrange: 30 octets already written (example.test. at 12 is a compression target), then `room` more.
            var buffer = new byte[Before + room];
            var writer = new DnsWireWriter(buffer);
            writer.TryAdvance(DnsLimits.HeaderLength);
            writer.TryWriteName(DnsName.Parse("example.test.").Wire);
            writer.TryAdvance(Before - writer.Position);
            buffer.AsSpan(Before).Fill(Sentinel);

            // Act
            bool written = Write(ref writer, operation);

            // Assert
            Assert.True((room == size) == written, $"{operation}: room {room} of {size} returned {written}");
            Assert.Equal(written ? Before + size : Before, writer.Position);
            if (!written)
            {
                Assert.All(buffer[Before..], b => Assert.Equal(Sentinel, b));
            }
        }
    }

    private static bool Write(ref DnsWireWriter writer, string operation) => operation switch
    {
        "byte" => writer.TryWriteByte(1),
        "uint16" => writer.TryWriteUInt16(0x0102),
        "uint32" => writer.TryWriteUInt32(0x01020304),
        "bytes" => writer.TryWriteBytes([1, 2, 3, 4, 5]),
        "advance" => writer.TryAdvance(3),
        "name" => writer.TryWriteName(DnsName.Parse("www.example.other.").Wire),
        "name without compression" => writer.TryWriteName(DnsName.Parse("www.example.test.").Wire, compress: false),
        "compressed name" => writer.TryWriteName(DnsName.Parse("www.example.test.").Wire),
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, null),
    };
}
