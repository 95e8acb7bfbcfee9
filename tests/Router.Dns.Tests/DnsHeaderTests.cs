namespace Router.Dns.Tests;

/// <summary>The fixed header (RFC 1035 §4.1.1) and its flags word, with AD/CD from RFC 4035 §3.2.</summary>
public sealed class DnsHeaderTests
{
    // Flags word, then QR, OPCODE, AA, TC, RD, RA, CD, RCODE (low 4 bits).
    public static TheoryData<ushort, bool, DnsOpCode, bool, bool, bool, bool, bool, int> Flags => new()
    {
        // A stub resolver's query: only RD (RFC 1035 §4.1.1).
        { 0x0100, false, DnsOpCode.Query, false, false, true, false, false, 0 },
        // A recursive answer: QR RD RA.
        { 0x8180, true, DnsOpCode.Query, false, false, true, true, false, 0 },
        // An authoritative NXDOMAIN: QR AA, RCODE 3.
        { 0x8403, true, DnsOpCode.Query, true, false, false, false, false, 3 },
        // A truncated authoritative answer: QR AA TC.
        { 0x8600, true, DnsOpCode.Query, true, true, false, false, false, 0 },
        // NOTIFY (RFC 1996): opcode 4 in bits 11-14.
        { 0x2000, false, DnsOpCode.Notify, false, false, false, false, false, 0 },
        // UPDATE refused (RFC 2136): opcode 5, QR, RCODE 5.
        { 0xA805, true, DnsOpCode.Update, false, false, false, false, false, 5 },
        // CD (RFC 4035 §3.2.2) on a query with RD.
        { 0x0110, false, DnsOpCode.Query, false, false, true, false, true, 0 },
        // Everything the model has, at once: QR, opcode 15, AA, TC, RD, RA, CD, RCODE 15 (Z and AD clear).
        { 0xFF9F, true, (DnsOpCode)15, true, true, true, true, true, 15 },
    };

    [Theory]
    [MemberData(nameof(Flags))]
    public void ComposeFlags_EachField_ProducesFlagsWord(ushort expected, bool response, DnsOpCode opCode, bool authoritative,
        bool truncated, bool recursionDesired, bool recursionAvailable, bool checkingDisabled, int responseCode)
    {
        // Act
        ushort flags = DnsHeader.ComposeFlags(response, opCode, authoritative, truncated, recursionDesired, recursionAvailable,
            checkingDisabled, responseCode);

        // Assert
        Assert.Equal(expected, flags);
    }

    [Theory]
    [MemberData(nameof(Flags))]
    public void Properties_FlagsWord_DecomposeIntoFields(ushort flags, bool response, DnsOpCode opCode, bool authoritative,
        bool truncated, bool recursionDesired, bool recursionAvailable, bool checkingDisabled, int responseCode)
    {
        // Arrange
        var header = new DnsHeader(0, flags, 0, 0, 0, 0);

        // Act
        var decomposed = (header.IsResponse, header.OpCode, header.IsAuthoritative, header.IsTruncated, header.RecursionDesired,
            header.RecursionAvailable, header.CheckingDisabled, header.ResponseCode);

        // Assert
        Assert.Equal((response, opCode, authoritative, truncated, recursionDesired, recursionAvailable, checkingDisabled, responseCode), decomposed);
    }

    [Fact]
    public void ComposeFlags_OutOfRangeParts_KeepsOnlyTheirBits()
    {
        // Act: an extended response code (16, BADVERS) has 0 in its low four bits; opcode 0x1F keeps 0xF.
        ushort flags = DnsHeader.ComposeFlags(false, (DnsOpCode)0x1F, false, false, false, false, false, (int)DnsResponseCode.BadVersion);

        // Assert
        Assert.Equal(0x7800, flags);
    }

    [Fact]
    public void TryRead_TwelveOctets_ReadsEveryFieldBigEndian()
    {
        // Arrange: RFC 1035 §4.1.1: ID, flags, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT, each 16 bits in network order.
        byte[] data = [0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x01, 0x04, 0xFF];

        // Act
        bool read = DnsHeader.TryRead(data, out var header);

        // Assert
        Assert.True(read);
        Assert.Equal(new DnsHeader(0x1234, 0x8180, 1, 2, 3, 0x0104), header);
    }

    [Fact]
    public void TryWrite_Header_WritesTwelveOctets()
    {
        // Arrange
        var header = new DnsHeader(0x1234, 0x8180, 1, 2, 3, 0x0104);
        var buffer = new byte[13];

        // Act
        bool written = header.TryWrite(buffer);

        // Assert
        Assert.True(written);
        Assert.Equal([0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x01, 0x04, 0x00], buffer);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    public void TryReadAndTryWrite_FewerThanTwelveOctets_ReturnFalse(int length)
    {
        // Arrange
        var buffer = new byte[length];

        // Act
        bool read = DnsHeader.TryRead(buffer, out var header);
        bool written = new DnsHeader(1, 2, 3, 4, 5, 6).TryWrite(buffer);

        // Assert
        Assert.False(read);
        Assert.Equal(default, header);
        Assert.False(written);
        Assert.All(buffer, b => Assert.Equal(0, b));
    }
}
