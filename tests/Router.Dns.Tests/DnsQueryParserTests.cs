namespace Router.Dns.Tests;

/// <summary>
/// The allocation-free query reader of the answer path: one question (RFC 1035 §4.1.2), EDNS (RFC 6891 §6.1) and
/// Client Subnet (RFC 7871 §6), every other record bounds-checked and skipped.
/// </summary>
public sealed class DnsQueryParserTests
{
    [Fact]
    public void TryParse_QueryWithEcs_ReportsQuestionEdnsAndSubnet()
    {
        // Arrange: the question name as sent is mixed case; the parser hands it over lowercased (RFC 4343).
        byte[] packet = DnsWireFixtures.QueryWithEcs;
        "WwW"u8.CopyTo(packet.AsSpan(13));
        "ExAmPlE"u8.CopyTo(packet.AsSpan(17));
        var nameBuffer = new byte[DnsLimits.MaxNameLength];

        // Act
        var error = DnsQueryParser.TryParse(packet, nameBuffer, out var query);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal(0x1234, query.Header.Id);
        Assert.True(query.Header.RecursionDesired);
        Assert.Equal([3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0], nameBuffer[..query.NameLength]);
        Assert.Equal(DnsRecordType.A, query.Type);
        Assert.Equal(DnsClass.IN, query.Class);
        Assert.Equal(34, query.QuestionEnd);
        Assert.True(query.HasEdns);
        Assert.Equal(1232, query.UdpPayloadSize);
        Assert.Equal(0, query.EdnsVersion);
        Assert.True(query.DnssecOk);
        Assert.True(query.HasClientSubnet);
        Assert.Equal(new EdnsClientSubnet(NetworkAddress.FromBytes([198, 51, 100, 0]), 24, 0), query.ClientSubnet);
        Assert.Equal(1232, query.ClientUdpLimit);
    }

    [Fact]
    public void TryParse_QueryWithEcs_PacketItselfUnchanged()
    {
        // Arrange: lowercasing happens in the caller's name buffer, never in the packet (which may be echoed back).
        byte[] packet = DnsWireFixtures.QueryWithEcs;
        "WWW"u8.CopyTo(packet.AsSpan(13));
        byte[] before = [.. packet];

        // Act
        DnsQueryParser.TryParse(packet, new byte[DnsLimits.MaxNameLength], out _);

        // Assert
        Assert.Equal(before, packet);
    }

    [Fact]
    public void TryParse_PlainQuery_NoEdnsAnd512OctetLimit()
    {
        // Arrange
        var nameBuffer = new byte[DnsLimits.MaxNameLength];

        // Act
        var error = DnsQueryParser.TryParse(DnsWireFixtures.PlainQuery, nameBuffer, out var query);

        // Assert: RFC 1035 §4.2.1: without EDNS a UDP response is at most 512 octets.
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal(DnsRecordType.SOA, query.Type);
        Assert.Equal(DnsWireFixtures.PlainQuery.Length, query.QuestionEnd);
        Assert.False(query.HasEdns);
        Assert.False(query.HasClientSubnet);
        Assert.Equal(DnsLimits.MaxUdpPayloadWithoutEdns, query.ClientUdpLimit);
    }

    [Theory]
    [InlineData(0, 512)]
    [InlineData(511, 512)]
    [InlineData(4096, 4096)]
    public void ClientUdpLimit_AdvertisedPayload_NeverBelow512(int advertised, int expected)
    {
        // Arrange: RFC 6891 §6.2.3: values below 512 are treated as 512.
        byte[] packet = DnsWireFixtures.QueryWithEcs;
        packet[37] = (byte)(advertised >> 8);
        packet[38] = (byte)advertised;

        // Act
        DnsQueryParser.TryParse(packet, new byte[DnsLimits.MaxNameLength], out var query);

        // Assert
        Assert.Equal(advertised, query.UdpPayloadSize);
        Assert.Equal(expected, query.ClientUdpLimit);
    }

    [Fact]
    public void TryParse_EdnsVersionOneWithoutDo_ReportedNotRejected()
    {
        // Arrange: RFC 6891 §6.1.3: the server answers BADVERS, so the parser must report the version, not fail.
        byte[] packet = DnsWireFixtures.QueryWithEcs;
        packet[40] = 1;
        packet[41] = 0x00;

        // Act
        var error = DnsQueryParser.TryParse(packet, new byte[DnsLimits.MaxNameLength], out var query);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal(1, query.EdnsVersion);
        Assert.False(query.DnssecOk);
    }

    [Fact]
    public void TryParse_QrSet_InvalidQueryWithHeader()
    {
        // Arrange: a response sent to a server is not a query.
        byte[] packet = DnsWireFixtures.QueryWithEcs;
        packet[2] |= 0x80;

        // Act
        var error = DnsQueryParser.TryParse(packet, new byte[DnsLimits.MaxNameLength], out var query);

        // Assert
        Assert.Equal(DnsParseError.InvalidQuery, error);
        Assert.Equal(0x1234, query.Header.Id);
        Assert.True(query.Header.IsResponse);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void TryParse_QuestionCountNotOne_InvalidQuery(int questions)
    {
        // Arrange: RFC 9619: QDCOUNT must be 1 in a query with OPCODE 0.
        byte[] packet = DnsWireFixtures.QueryWithEcs;
        packet[5] = (byte)questions;

        // Act
        var error = DnsQueryParser.TryParse(packet, new byte[DnsLimits.MaxNameLength], out var query);

        // Assert
        Assert.Equal(DnsParseError.InvalidQuery, error);
        Assert.Equal(questions, query.Header.QuestionCount);
    }

    [Fact]
    public void TryParse_ShorterThanHeader_TruncatedWithEmptyQuery()
    {
        // Act
        var error = DnsQueryParser.TryParse(DnsWireFixtures.QueryWithEcs[..11], new byte[DnsLimits.MaxNameLength], out var query);

        // Assert
        Assert.Equal(DnsParseError.Truncated, error);
        Assert.Equal(default, query.Header);
    }

    [Fact]
    public void TryParse_CompressedQuestionName_BadPointer()
    {
        // Arrange: nothing precedes the question that a pointer could legitimately reach (octet 4 is a zero, i.e. root).
        byte[] packet = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x04, 0x00, 0x01, 0x00, 0x01];

        // Act
        var error = DnsQueryParser.TryParse(packet, new byte[DnsLimits.MaxNameLength], out _);

        // Assert
        Assert.Equal(DnsParseError.BadPointer, error);
    }

    [Fact]
    public void TryParse_ClientSubnetWithScope_InvalidOpt()
    {
        // Arrange: RFC 7871 §6: SCOPE PREFIX-LENGTH must be 0 in queries.
        byte[] packet = DnsWireFixtures.QueryWithOption(EdnsClientSubnet.OptionCode, [0x00, 0x01, 24, 24, 198, 51, 100]);

        // Act
        var error = DnsQueryParser.TryParse(packet, new byte[DnsLimits.MaxNameLength], out _);

        // Assert
        Assert.Equal(DnsParseError.InvalidOpt, error);
    }

    public static TheoryData<string, byte[]> MalformedClientSubnets => new()
    {
        { "family 3", [0x00, 0x03, 0, 0] },
        { "source prefix 33 for IPv4", [0x00, 0x01, 33, 0, 10, 0, 0, 0, 0] },
        { "address longer than ceil(source / 8)", [0x00, 0x01, 24, 0, 198, 51, 100, 0] },
        { "non-zero bits beyond the prefix", [0x00, 0x01, 23, 0, 198, 51, 101] },
    };

    [Theory]
    [MemberData(nameof(MalformedClientSubnets))]
    public void TryParse_MalformedClientSubnet_InvalidOpt(string description, byte[] ecs)
    {
        // Arrange: RFC 7871 §7.1.2: FORMERR.
        byte[] packet = DnsWireFixtures.QueryWithOption(EdnsClientSubnet.OptionCode, ecs);

        // Act
        var error = DnsQueryParser.TryParse(packet, new byte[DnsLimits.MaxNameLength], out _);

        // Assert
        Assert.True(error == DnsParseError.InvalidOpt, $"{description}: got {error}");
    }

    // A query header with the given counts, then www.example.test. A IN (18 + 4 octets at 12).
    private static byte[] Query(int answers, int authorities, int additionals, params byte[] records) =>
    [
        0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, (byte)answers, 0x00, (byte)authorities, 0x00, (byte)additionals,
        3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0, 0x00, 0x01, 0x00, 0x01, .. records,
    ];

    private static readonly byte[] Opt = [0, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

    public static TheoryData<string, byte[], DnsParseError> InvalidQueries => new()
    {
        // RFC 6891 §6.1.1: one OPT, in the additional section, owned by the root.
        { "two OPT records", Query(0, 0, 2, [.. Opt, .. Opt]), DnsParseError.InvalidOpt },
        { "OPT in the answer section", Query(1, 0, 0, Opt), DnsParseError.InvalidOpt },
        { "OPT with a non-root owner", Query(0, 0, 1, [0xC0, 0x0C, .. Opt[1..]]), DnsParseError.InvalidOpt },
        // Counts versus data, and data after the counts.
        { "ARCOUNT larger than the data", Query(0, 0, 2, Opt), DnsParseError.Truncated },
        { "trailing data", Query(0, 0, 1, [.. Opt, 0]), DnsParseError.TrailingData },
        { "question without its class", Query(0, 0, 0)[..^2], DnsParseError.Truncated },
        { "RDLENGTH past the end", Query(0, 0, 1, [.. Opt[..^1], 0x01]), DnsParseError.Truncated },
        { "question name with a reserved label type", [.. Query(0, 0, 0)[..12], 0x80, 0, 0, 1, 0, 1], DnsParseError.ReservedLabelType },
    };

    [Theory]
    [MemberData(nameof(InvalidQueries))]
    public void TryParse_InvalidQuery_ReturnsError(string description, byte[] packet, DnsParseError expected)
    {
        // Act
        var error = DnsQueryParser.TryParse(packet, new byte[DnsLimits.MaxNameLength], out _);

        // Assert
        Assert.True(expected == error, $"{description}: expected {expected}, got {error}");
    }

    [Fact]
    public void TryParse_AnswerWithOddRdata_SkippedNotValidated()
    {
        // Arrange: the answer path only needs the question and OPT; other records are bounds-checked and skipped,
        // so an A record with 5 octets of RDATA (which DnsMessage.TryRead rejects) does not fail the query.
        byte[] packet = Query(1, 0, 0, [0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x05, 1, 2, 3, 4, 5]);

        // Act
        var error = DnsQueryParser.TryParse(packet, new byte[DnsLimits.MaxNameLength], out var query);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal(34, query.QuestionEnd);
        Assert.False(query.HasEdns);
    }
}
