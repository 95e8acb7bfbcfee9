namespace Router.Dns.Tests;

/// <summary>
/// Strict reading of whole messages: every deviation from RFC 1035 §4.1 and RFC 6891 §6.1.1 is an error value.
/// </summary>
public sealed class DnsMessageParsingTests
{
    // A query header (ID 0x1234, RD) with the given counts.
    private static byte[] Header(int questions, int answers, int authorities, int additionals) =>
    [
        0x12, 0x34, 0x01, 0x00, 0x00, (byte)questions, 0x00, (byte)answers, 0x00, (byte)authorities, 0x00, (byte)additionals,
    ];

    // www.example.test. A IN.
    private static byte[] Question => [3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0, 0x00, 0x01, 0x00, 0x01];

    // An OPT record with no options (RFC 6891 §6.1.2).
    private static byte[] Opt => [0, 0x00, 0x29, 0x04, 0xD0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

    public static TheoryData<string, byte[], DnsParseError> InvalidMessages => new()
    {
        // RFC 1035 §4.1.1: fewer than 12 octets is no message at all.
        { "empty packet", [], DnsParseError.Truncated },
        { "11-octet header", [.. Header(0, 0, 0, 0)[..11]], DnsParseError.Truncated },

        // Counts larger than the data (RFC 1035 §4.1.1): QDCOUNT 2 with one question, ANCOUNT 1 with no answer.
        { "QDCOUNT larger than the data", [.. Header(2, 0, 0, 0), .. Question], DnsParseError.Truncated },
        { "ANCOUNT larger than the data", [.. Header(1, 1, 0, 0), .. Question], DnsParseError.Truncated },
        { "ARCOUNT 255 with one OPT", [.. Header(1, 0, 0, 255), .. Question, .. Opt], DnsParseError.Truncated },
        { "question without its class", [.. Header(1, 0, 0, 0), .. Question[..^2]], DnsParseError.Truncated },

        // RDLENGTH runs past the end of the message.
        {
            "RDLENGTH past the end",
            [.. Header(1, 1, 0, 0), .. Question, 0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x05, 192, 0, 2, 1],
            DnsParseError.Truncated
        },

        // Octets after the last record the header announced.
        { "trailing octet", [.. Header(1, 0, 0, 0), .. Question, 0x00], DnsParseError.TrailingData },
        { "trailing record not counted", [.. Header(1, 0, 0, 0), .. Question, .. Opt], DnsParseError.TrailingData },

        // RFC 1035 §3.4.1: an A record's RDATA is exactly 4 octets.
        {
            "A record with RDLENGTH 5",
            [.. Header(1, 1, 0, 0), .. Question, 0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x05, 192, 0, 2, 1, 0],
            DnsParseError.InvalidRecordData
        },

        // RFC 3596 §2.2: an AAAA record's RDATA is exactly 16 octets.
        {
            "AAAA record with RDLENGTH 4",
            [.. Header(1, 1, 0, 0), .. Question, 0xC0, 0x0C, 0x00, 0x1C, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x04, 192, 0, 2, 1],
            DnsParseError.InvalidRecordData
        },

        // A bad name inside a record is the name's own error.
        {
            "answer owner with a forward pointer",
            [.. Header(1, 1, 0, 0), .. Question, 0xC0, 0x30, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x04, 192, 0, 2, 1],
            DnsParseError.BadPointer
        },

        // RFC 6891 §6.1.1: at most one OPT, only in the additional section, owned by the root.
        { "two OPT records", [.. Header(1, 0, 0, 2), .. Question, .. Opt, .. Opt], DnsParseError.InvalidOpt },
        { "OPT in the answer section", [.. Header(1, 1, 0, 0), .. Question, .. Opt], DnsParseError.InvalidOpt },
        { "OPT in the authority section", [.. Header(1, 0, 1, 0), .. Question, .. Opt], DnsParseError.InvalidOpt },
        { "OPT with a non-root owner", [.. Header(1, 0, 0, 1), .. Question, 0xC0, 0x0C, .. Opt[1..]], DnsParseError.InvalidOpt },

        // RFC 6891 §6.1.2: options are {code, length, data} and must end exactly at RDLENGTH.
        { "OPT option longer than RDATA", [.. Header(1, 0, 0, 1), .. Question, .. Opt[..^2], 0x00, 0x04, 0x00, 0x0A, 0x00, 0x08], DnsParseError.InvalidOpt },
        { "OPT with half an option header", [.. Header(1, 0, 0, 1), .. Question, .. Opt[..^2], 0x00, 0x03, 0x00, 0x0A, 0x00], DnsParseError.InvalidOpt },
    };

    [Theory]
    [MemberData(nameof(InvalidMessages))]
    public void TryRead_InvalidMessage_ReturnsError(string description, byte[] packet, DnsParseError expected)
    {
        // Act
        var error = DnsMessage.TryRead(packet, out var message);

        // Assert
        Assert.True(expected == error, $"{description}: expected {expected}, got {error}");
        Assert.Null(message);
    }

    public static TheoryData<string, byte[]> MalformedClientSubnets => new()
    {
        // RFC 7871 §6: FAMILY is 1 (IPv4) or 2 (IPv6).
        { "family 3", [0x00, 0x03, 0, 0] },
        // SOURCE PREFIX-LENGTH above the family's 32 bits.
        { "source prefix 33 for IPv4", [0x00, 0x01, 33, 0, 10, 0, 0, 0, 0] },
        // SCOPE PREFIX-LENGTH above the family's 128 bits.
        { "scope prefix 129 for IPv6", [0x00, 0x02, 0, 129] },
        // ADDRESS must be exactly ceil(SOURCE / 8) octets: longer and shorter are both malformed.
        { "address longer than ceil(source / 8)", [0x00, 0x01, 24, 0, 198, 51, 100, 0] },
        { "address shorter than ceil(source / 8)", [0x00, 0x01, 24, 0, 198, 51] },
        // Bits beyond SOURCE must be zero (/23 leaves the last bit of the third octet).
        { "non-zero bits beyond the prefix", [0x00, 0x01, 23, 0, 198, 51, 101] },
        // Fewer than the four fixed octets.
        { "three octets", [0x00, 0x01, 0] },
    };

    [Theory]
    [MemberData(nameof(MalformedClientSubnets))]
    public void TryRead_MalformedClientSubnet_InvalidOpt(string description, byte[] ecs)
    {
        // Arrange: RFC 7871 §7.1.2: a malformed ECS option makes the whole query FORMERR.
        byte[] packet = DnsWireFixtures.QueryWithOption(EdnsClientSubnet.OptionCode, ecs);

        // Act
        var error = DnsMessage.TryRead(packet, out _);

        // Assert
        Assert.True(error == DnsParseError.InvalidOpt, $"{description}: got {error}");
    }

    [Fact]
    public void TryRead_UnknownOptionWithAnyData_KeptAsOctets()
    {
        // Arrange: RFC 6891 §6.1.2: unknown options are ignored by meaning, so their data is carried as sent.
        byte[] packet = DnsWireFixtures.QueryWithOption(0xFDE9, [0xFF, 0x00, 0x01]);

        // Act
        var error = DnsMessage.TryRead(packet, out var message);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        var option = Assert.Single(message!.Edns!.Options);
        Assert.Equal(0xFDE9, option.Code);
        Assert.Equal([0xFF, 0x00, 0x01], option.Data);
        Assert.Null(message.Edns.ClientSubnet);
    }

    [Fact]
    public void TryRead_CompressedRootOwnerForOpt_Accepted()
    {
        // Arrange: the OPT owner is a pointer to the root label that ends the question name (offset 29).
        byte[] packet = [.. Header(1, 0, 0, 1), .. Question, 0xC0, 0x1D, .. Opt[1..]];

        // Act
        var error = DnsMessage.TryRead(packet, out var message);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        Assert.NotNull(message!.Edns);
    }

    [Fact]
    public void TryRead_NameInRdataRunsPastRdlength_InvalidRecordData()
    {
        // Arrange: a CNAME whose RDLENGTH (3) ends inside its target name: the name's octets must lie in the RDATA.
        byte[] packet =
        [
            .. Header(1, 1, 0, 0), .. Question,
            0xC0, 0x0C, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x03, 3, .. "www"u8, 0,
        ];

        // Act
        var error = DnsMessage.TryRead(packet, out _);

        // Assert
        Assert.Equal(DnsParseError.InvalidRecordData, error);
    }

    [Fact]
    public void TryRead_QuestionNamePointsIntoHeader_ReadsWhatItPointsTo()
    {
        // Arrange: a pointer backwards into the header is a legal pointer for the message reader; octet 4 of this
        // header starts "\0" (QDCOUNT's high octet), so the question name is the root.
        byte[] packet = [.. Header(1, 0, 0, 0), 0xC0, 0x04, 0x00, 0x06, 0x00, 0x01];

        // Act
        var error = DnsMessage.TryRead(packet, out var message);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        Assert.True(message!.Questions[0].Name.IsRoot);
    }
}
