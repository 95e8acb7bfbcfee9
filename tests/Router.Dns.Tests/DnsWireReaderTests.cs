namespace Router.Dns.Tests;

/// <summary>Reading primitives of <see cref="DnsWire"/>: names (RFC 1035 §3.1, §4.1.4) and integers.</summary>
public sealed class DnsWireReaderTests
{
    public static TheoryData<string, byte[], byte[][]> NameData => DnsWireFixtures.Names;

    [Theory]
    [MemberData(nameof(NameData))]
    public void TryReadName_NamesTable_ReadsEveryNameAndConsumesMessage(string description, byte[] message, byte[][] expectedNames)
    {
        // Arrange
        int offset = DnsLimits.HeaderLength;
        var destination = new byte[DnsLimits.MaxNameLength];

        foreach (byte[] expected in expectedNames)
        {
            // Act
            var error = DnsWire.TryReadName(message, ref offset, destination, out int nameLength);

            // Assert
            Assert.Equal(DnsParseError.None, error);
            Assert.Equal(expected, destination[..nameLength]);
        }

        Assert.True(offset == message.Length, $"{description}: stopped at {offset} of {message.Length}");
    }

    [Fact]
    public void TryReadName_PointerInName_OffsetMovesPastPointerOnly()
    {
        // Arrange: RFC 1035 §4.1.4: after a compressed name the reader resumes after the pointer, not after the target.
        byte[] message = [.. DnsWireFixtures.ZeroHeader, 4, .. "test"u8, 0, 1, (byte)'a', 0xC0, 0x0C, 0xFF];
        int offset = 18;
        var destination = new byte[DnsLimits.MaxNameLength];

        // Act
        var error = DnsWire.TryReadName(message, ref offset, destination, out int nameLength);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal([1, (byte)'a', 4, .. "test"u8, 0], destination[..nameLength]);
        Assert.Equal(22, offset);
    }

    [Fact]
    public void TryReadName_CasePreserved_CopiesOctetsAsSent()
    {
        // Arrange: RFC 4343 §2: case is preserved on the wire; only comparison ignores it.
        byte[] message = [.. DnsWireFixtures.ZeroHeader, 3, .. "WwW"u8, 0];
        int offset = DnsLimits.HeaderLength;
        var destination = new byte[DnsLimits.MaxNameLength];

        // Act
        var error = DnsWire.TryReadName(message, ref offset, destination, out int nameLength);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal([3, .. "WwW"u8, 0], destination[..nameLength]);
    }

    [Fact]
    public void TryReadName_Longest255OctetName_Succeeds()
    {
        // Arrange: RFC 1035 §2.3.4: 63+63+63+61 octets of labels, four length octets and the root: exactly 255.
        byte[] wire = LongName(255);
        byte[] message = [.. DnsWireFixtures.ZeroHeader, .. wire];
        int offset = DnsLimits.HeaderLength;
        var destination = new byte[DnsLimits.MaxNameLength];

        // Act
        var error = DnsWire.TryReadName(message, ref offset, destination, out int nameLength);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal(255, nameLength);
        Assert.Equal(wire, destination);
    }

    public static TheoryData<string, byte[], int, DnsParseError> InvalidNames => new()
    {
        // RFC 1035 §2.3.4: 256 octets uncompressed (63+63+63+62 octets of labels).
        { "name of 256 octets", [.. DnsWireFixtures.ZeroHeader, .. LongName(256)], 12, DnsParseError.NameTooLong },

        // RFC 1035 §2.3.4 through compression: at 15, 127 one-octet labels (254 octets), then a pointer to "a." at 12.
        {
            "name over 255 octets through a pointer",
            [.. DnsWireFixtures.ZeroHeader, 1, (byte)'a', 0, .. Enumerable.Range(0, 127).SelectMany(_ => new byte[] { 1, (byte)'b' }), 0xC0, 0x0C],
            15,
            DnsParseError.NameTooLong
        },

        // RFC 1035 §4.1.4 / RFC 6891 §5: a 64-octet label needs length octet 0x40, whose top bits 01 are the retired
        // extended label type. On the wire a label is therefore never "too long": it is a reserved label type.
        { "64-octet label (length octet 0x40)", [.. DnsWireFixtures.ZeroHeader, 64, .. Enumerable.Repeat((byte)'a', 64), 0], 12, DnsParseError.ReservedLabelType },

        // RFC 1035 §4.1.4: label types 01 (0x40) and 10 (0x80) are reserved.
        { "reserved label type 0x40", [.. DnsWireFixtures.ZeroHeader, 0x40, 0x00, 0x00], 12, DnsParseError.ReservedLabelType },
        { "reserved label type 0x41 (RFC 2673 bit-string)", [.. DnsWireFixtures.ZeroHeader, 0x41, 0x00, 0x00], 12, DnsParseError.ReservedLabelType },
        { "reserved label type 0x80", [.. DnsWireFixtures.ZeroHeader, 0x80, 0x00, 0x00], 12, DnsParseError.ReservedLabelType },
        { "reserved label type after a label", [.. DnsWireFixtures.ZeroHeader, 1, (byte)'a', 0xBF, 0x00], 12, DnsParseError.ReservedLabelType },

        // RFC 1035 §4.1.4: a pointer must point strictly backwards; a forward pointer could hide a loop.
        { "forward pointer", [.. DnsWireFixtures.ZeroHeader, 0xC0, 0x0E, 0], 12, DnsParseError.BadPointer },
        { "forward pointer past the end", [.. DnsWireFixtures.ZeroHeader, 0xFF, 0xFF], 12, DnsParseError.BadPointer },

        // A pointer to itself: the simplest loop.
        { "pointer to itself", [.. DnsWireFixtures.ZeroHeader, 0xC0, 0x0C], 12, DnsParseError.BadPointer },

        // A pointer back to the start of its own name would spell a.a.a.... without end.
        { "pointer to the start of its own name", [.. DnsWireFixtures.ZeroHeader, 1, (byte)'a', 0xC0, 0x0C], 12, DnsParseError.PointerLoop },

        // A (at 16) -> B (at 12) -> A: B's pointer goes forward again, so the loop is cut there.
        { "pointer loop A -> B -> A", [.. DnsWireFixtures.ZeroHeader, 1, (byte)'b', 0xC0, 0x10, 1, (byte)'a', 0xC0, 0x0C], 16, DnsParseError.BadPointer },

        // A pointer to a pointer (at 17 -> 15 -> 12) is refused even though it would end.
        { "pointer to a pointer", [.. DnsWireFixtures.ZeroHeader, 1, (byte)'a', 0, 0xC0, 0x0C, 0xC0, 0x0F], 17, DnsParseError.PointerLoop },

        // The data ends inside the name: no root, a label running past the end, half a pointer, nothing at all.
        { "no root label", [.. DnsWireFixtures.ZeroHeader, 3, .. "www"u8], 12, DnsParseError.Truncated },
        { "label past the end", [.. DnsWireFixtures.ZeroHeader, 5, .. "www"u8], 12, DnsParseError.Truncated },
        { "half a pointer", [.. DnsWireFixtures.ZeroHeader, 1, (byte)'a', 0xC0], 12, DnsParseError.Truncated },
        { "nothing at the offset", [.. DnsWireFixtures.ZeroHeader], 12, DnsParseError.Truncated },
    };

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void TryReadName_InvalidName_ReturnsError(string description, byte[] message, int start, DnsParseError expected)
    {
        // Arrange
        int offset = start;
        var destination = new byte[DnsLimits.MaxNameLength];

        // Act
        var error = DnsWire.TryReadName(message, ref offset, destination, out int nameLength);

        // Assert
        Assert.True(expected == error, $"{description}: expected {expected}, got {error}");
        Assert.Equal(start, offset);
        Assert.Equal(0, nameLength);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(13)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    public void TryReadName_OffsetOutsideMessage_Truncated(int start)
    {
        // Arrange
        byte[] message = [.. DnsWireFixtures.ZeroHeader, 0];
        int offset = start;

        // Act
        var error = DnsWire.TryReadName(message, ref offset, new byte[DnsLimits.MaxNameLength], out _);

        // Assert
        Assert.Equal(DnsParseError.Truncated, error);
        Assert.Equal(start, offset);
    }

    [Fact]
    public void TryReadName_DestinationTooSmall_NameTooLongWithoutThrowing()
    {
        // Arrange
        byte[] message = [.. DnsWireFixtures.ZeroHeader, 3, .. "www"u8, 0];
        int offset = DnsLimits.HeaderLength;

        // Act
        var error = DnsWire.TryReadName(message, ref offset, new byte[4], out _);

        // Assert
        Assert.Equal(DnsParseError.NameTooLong, error);
    }

    [Fact]
    public void TrySkipName_CompressedName_MovesPastPointer()
    {
        // Arrange
        byte[] message = [.. DnsWireFixtures.ZeroHeader, 1, (byte)'a', 0, 1, (byte)'b', 0xC0, 0x0C];
        int offset = 15;

        // Act
        var error = DnsWire.TrySkipName(message, ref offset);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal(message.Length, offset);
    }

    [Fact]
    public void TryReadUInt16_BigEndian_ReadsAndAdvances()
    {
        // Arrange: RFC 1035 §2.3.2: network order, most significant octet first.
        ReadOnlySpan<byte> data = [0x12, 0x34, 0x56];
        int offset = 0;

        // Act
        bool read = DnsWire.TryReadUInt16(data, ref offset, out ushort value);

        // Assert
        Assert.True(read);
        Assert.Equal(0x1234, value);
        Assert.Equal(2, offset);
    }

    [Fact]
    public void TryReadUInt32_BigEndian_ReadsAndAdvances()
    {
        // Arrange
        ReadOnlySpan<byte> data = [0x00, 0x12, 0x34, 0x56, 0x78];
        int offset = 1;

        // Act
        bool read = DnsWire.TryReadUInt32(data, ref offset, out uint value);

        // Assert
        Assert.True(read);
        Assert.Equal(0x12345678u, value);
        Assert.Equal(5, offset);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(2, 3)]
    [InlineData(4, 3)]
    [InlineData(-1, 3)]
    public void TryReadUInt16_NotEnoughData_FalseAndOffsetUnchanged(int start, int length)
    {
        // Arrange
        byte[] data = new byte[length];
        int offset = start;

        // Act
        bool read = DnsWire.TryReadUInt16(data, ref offset, out ushort value);

        // Assert
        Assert.False(read);
        Assert.Equal(start, offset);
        Assert.Equal(0, value);
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(2, 5)]
    [InlineData(6, 5)]
    [InlineData(-1, 5)]
    public void TryReadUInt32_NotEnoughData_FalseAndOffsetUnchanged(int start, int length)
    {
        // Arrange
        byte[] data = new byte[length];
        int offset = start;

        // Act
        bool read = DnsWire.TryReadUInt32(data, ref offset, out uint value);

        // Assert
        Assert.False(read);
        Assert.Equal(start, offset);
        Assert.Equal(0u, value);
    }

    [Fact]
    public void ToLowerInPlace_MixedCase_LowersAsciiLettersOnly()
    {
        // Arrange: RFC 4343 §3: only A-Z fold; other octets (and length octets) are left alone.
        byte[] wire = [6, (byte)'A', (byte)'-', (byte)'Z', (byte)'@', (byte)'[', 0xC1, 0];
        byte[] expected = [6, (byte)'a', (byte)'-', (byte)'z', (byte)'@', (byte)'[', 0xC1, 0];

        // Act
        DnsWire.ToLowerInPlace(wire);

        // Assert
        Assert.Equal(expected, wire);
    }

    [Theory]
    [InlineData("www.example.test.", "WWW.EXAMPLE.TEST.", true)]
    [InlineData("www.example.test.", "www.example.test.", true)]
    [InlineData("www.example.test.", "ww.example.test.", false)]
    [InlineData("a.", "b.", false)]
    [InlineData("[.", "{.", false)]
    public void NamesEqual_Pairs_ComparesCaseInsensitively(string left, string right, bool expected)
    {
        // Arrange
        var a = DnsName.Parse(left);
        var b = DnsName.Parse(right);

        // Act
        bool equal = DnsWire.NamesEqual(a.Wire, b.Wire);

        // Assert
        Assert.Equal(expected, equal);
    }

    [Theory]
    [InlineData("www.example.test.", "example.test.", true)]
    [InlineData("example.test.", "example.test.", true)]
    [InlineData("notexample.test.", "example.test.", false)]
    [InlineData("example.test.", "www.example.test.", false)]
    [InlineData("WWW.EXAMPLE.test.", "example.TEST.", true)]
    [InlineData("anything.", ".", true)]
    public void IsSubdomainOf_Pairs_ComparesLabelWise(string name, string zone, bool expected)
    {
        // Arrange
        var child = DnsName.Parse(name);
        var parent = DnsName.Parse(zone);

        // Act
        bool inside = DnsWire.IsSubdomainOf(child.Wire, parent.Wire);

        // Assert
        Assert.Equal(expected, inside);
    }

    [Theory]
    [InlineData("www.example.test.", 14, 4)]
    [InlineData("www.example.test.", 18, 0)]
    [InlineData("www.example.test.", 1, 17)]
    [InlineData("www.example.test.", 13, -1)]
    [InlineData("www.example.test.", 19, -1)]
    public void SuffixOffset_SuffixLengths_FindsLabelBoundaryOnly(string name, int suffixLength, int expected)
    {
        // Arrange
        var wire = DnsName.Parse(name).Wire;

        // Act
        int offset = DnsWire.SuffixOffset(wire, suffixLength);

        // Assert
        Assert.Equal(expected, offset);
    }

    [Theory]
    [InlineData(".", 0)]
    [InlineData("test.", 1)]
    [InlineData("a\\.b.example.test.", 3)]
    public void CountLabels_Names_CountsWithoutRoot(string name, int expected)
    {
        // Arrange
        var wire = DnsName.Parse(name).Wire;

        // Act
        int count = DnsWire.CountLabels(wire);

        // Assert
        Assert.Equal(expected, count);
    }

    /// <summary>An uncompressed name of exactly <paramref name="wireLength"/> octets (at least 3 labels, at most 4).</summary>
    internal static byte[] LongName(int wireLength)
    {
        // Three 63-octet labels take 192 octets with their length octets; the root takes one; the rest is a fourth label.
        int last = wireLength - 192 - 1 - 1;
        byte[] label63 = DnsWireFixtures.Label63;
        return [63, .. label63, 63, .. label63, 63, .. label63, (byte)last, .. Enumerable.Repeat((byte)'b', last), 0];
    }
}
