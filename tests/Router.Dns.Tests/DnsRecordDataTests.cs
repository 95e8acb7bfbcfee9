using System.Net;
using System.Text;

namespace Router.Dns.Tests;

/// <summary>
/// RDATA: zone-file presentation forms (RFC 1035 §5.1, RFC 3597 §5 generic form), wire reading (RFC 1035 §3.3-§3.4,
/// RFC 3596, RFC 2782) and writing.
/// </summary>
public sealed class DnsRecordDataTests
{
    private static readonly DnsName Origin = DnsName.Parse("example.test.");

    [Fact]
    public void TryParse_A_AddressRecordData()
    {
        // Act
        bool parsed = DnsRecordData.TryParse(DnsRecordType.A, "192.0.2.1", Origin, out var data, out string? error);

        // Assert
        Assert.True(parsed, error);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), Assert.IsType<AddressRecordData>(data).Address);
        Assert.Equal(DnsRecordType.A, ((AddressRecordData)data).Type);
    }

    [Fact]
    public void TryParse_Aaaa_AddressRecordData()
    {
        // Act
        bool parsed = DnsRecordData.TryParse(DnsRecordType.AAAA, " 2001:DB8::1 ", Origin, out var data, out string? error);

        // Assert
        Assert.True(parsed, error);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), Assert.IsType<AddressRecordData>(data).Address);
        Assert.Equal(DnsRecordType.AAAA, ((AddressRecordData)data).Type);
        Assert.Equal("2001:db8::1", data.ToString());
    }

    [Theory]
    [InlineData(DnsRecordType.A, "2001:db8::1")]
    [InlineData(DnsRecordType.A, "::ffff:192.0.2.1")]
    [InlineData(DnsRecordType.AAAA, "192.0.2.1")]
    [InlineData(DnsRecordType.A, "192.0.2.1 192.0.2.2")]
    [InlineData(DnsRecordType.A, "")]
    [InlineData(DnsRecordType.A, "host.example.")]
    [InlineData(DnsRecordType.A, "192.0.2.256")]
    // IPAddress.TryParse would take these inet_aton forms as other addresses (10.0.0.0, 0.0.0.10, 8.0.0.1, 10.0.0.1).
    [InlineData(DnsRecordType.A, "10.0.0")]
    [InlineData(DnsRecordType.A, "10")]
    [InlineData(DnsRecordType.A, "010.0.0.1")]
    [InlineData(DnsRecordType.A, "0x0A.0.0.1")]
    [InlineData(DnsRecordType.AAAA, "fe80::1%eth0")]
    [InlineData(DnsRecordType.AAAA, "[2001:db8::1]")]
    public void TryParse_WrongFamilyOrNotAnAddress_Error(DnsRecordType type, string text)
    {
        // Act
        bool parsed = DnsRecordData.TryParse(type, text, Origin, out var data, out string? error);

        // Assert
        Assert.False(parsed);
        Assert.Null(data);
        Assert.Contains("is not an IPv", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DnsRecordType.CNAME, "www", "www.example.test.")]
    [InlineData(DnsRecordType.CNAME, "www.other.test.", "www.other.test.")]
    [InlineData(DnsRecordType.NS, "@", "example.test.")]
    [InlineData(DnsRecordType.PTR, "host.example.test.", "host.example.test.")]
    public void TryParse_NameTypes_RelativeToOrigin(DnsRecordType type, string text, string expected)
    {
        // Act
        bool parsed = DnsRecordData.TryParse(type, text, Origin, out var data, out string? error);

        // Assert
        Assert.True(parsed, error);
        var name = Assert.IsType<NameRecordData>(data);
        Assert.Equal(type, name.Type);
        Assert.Equal(expected, name.Target.ToString());
        Assert.Equal(expected, data.ToString());
    }

    [Fact]
    public void TryParse_Mx_PreferenceAndExchange()
    {
        // Act
        bool parsed = DnsRecordData.TryParse(DnsRecordType.MX, "10 mail.example.test.", Origin, out var data, out string? error);

        // Assert
        Assert.True(parsed, error);
        var mx = Assert.IsType<MxRecordData>(data);
        Assert.Equal(10, mx.Preference);
        Assert.Equal(DnsName.Parse("mail.example.test."), mx.Exchange);
        Assert.Equal("10 mail.example.test.", data.ToString());
    }

    [Fact]
    public void TryParse_Srv_AllFields()
    {
        // Act
        bool parsed = DnsRecordData.TryParse(DnsRecordType.SRV, "10 20 5060 sip.example.test.", Origin, out var data, out string? error);

        // Assert
        Assert.True(parsed, error);
        var srv = Assert.IsType<SrvRecordData>(data);
        Assert.Equal((10, 20, 5060), (srv.Priority, srv.Weight, srv.Port));
        Assert.Equal(DnsName.Parse("sip.example.test."), srv.Target);
        Assert.Equal("10 20 5060 sip.example.test.", data.ToString());
    }

    [Fact]
    public void TryParse_SoaSevenFields_RelativeNamesUnderOrigin()
    {
        // Act
        bool parsed = DnsRecordData.TryParse(DnsRecordType.SOA, "ns1 hostmaster 2026010101 7200 3600 1209600 300", Origin,
            out var data, out string? error);

        // Assert
        Assert.True(parsed, error);
        var soa = Assert.IsType<SoaRecordData>(data);
        Assert.Equal(DnsName.Parse("ns1.example.test."), soa.PrimaryServer);
        Assert.Equal(DnsName.Parse("hostmaster.example.test."), soa.ResponsibleMailbox);
        Assert.Equal((2026010101u, 7200u, 3600u, 1209600u, 300u), (soa.Serial, soa.Refresh, soa.Retry, soa.Expire, soa.Minimum));
        Assert.Equal("ns1.example.test. hostmaster.example.test. 2026010101 7200 3600 1209600 300", data.ToString());
    }

    [Fact]
    public void TryParse_TxtPlain_OneString()
    {
        // Act
        bool parsed = DnsRecordData.TryParse(DnsRecordType.TXT, "v=spf1 -all", Origin, out var data, out string? error);

        // Assert
        Assert.True(parsed, error);
        var txt = Assert.IsType<TxtRecordData>(data);
        Assert.Equal([[.. "v=spf1 -all"u8]], txt.Strings);
        Assert.Equal("\"v=spf1 -all\"", data.ToString());
    }

    [Fact]
    public void TryParse_TxtPlainLongerThan255_SplitInto255OctetStrings()
    {
        // Arrange: RFC 1035 §3.3.14: a character-string is at most 255 octets, so 600 octets need three.
        string text = new('x', 600);

        // Act
        bool parsed = DnsRecordData.TryParse(DnsRecordType.TXT, text, Origin, out var data, out string? error);

        // Assert
        Assert.True(parsed, error);
        var txt = Assert.IsType<TxtRecordData>(data);
        Assert.Equal([255, 255, 90], txt.Strings.Select(s => s.Length));
        Assert.Equal(Encoding.ASCII.GetBytes(text), txt.Strings.SelectMany(s => s));
    }

    [Fact]
    public void TryParse_TxtQuotedMultiString_UnescapesEach()
    {
        // Arrange: RFC 1035 §5.1: \X is X, \DDD is the octet DDD; whitespace separates the quoted strings.
        const string Text = "\"first\"  \"say \\\"hi\\\" \\\\ \\065\\000\" \"\"";

        // Act
        bool parsed = DnsRecordData.TryParse(DnsRecordType.TXT, Text, Origin, out var data, out string? error);

        // Assert
        Assert.True(parsed, error);
        var txt = Assert.IsType<TxtRecordData>(data);
        Assert.Equal([[.. "first"u8], [.. "say \"hi\" \\ A\0"u8], []], txt.Strings);
        Assert.Equal("\"first\" \"say \\\"hi\\\" \\\\ A\\000\" \"\"", data.ToString());
    }

    [Fact]
    public void TryParse_TxtQuotedOutsideBmp_EncodedAsOneUtf8Character()
    {
        // Arrange: U+1F600 is a surrogate pair in .NET strings; it is one 4-octet UTF-8 sequence on the wire.
        const string Text = "\"smile \U0001F600\"";

        // Act
        bool parsed = DnsRecordData.TryParse(DnsRecordType.TXT, Text, Origin, out var data, out string? error);

        // Assert
        Assert.True(parsed, error);
        var txt = Assert.IsType<TxtRecordData>(data);
        Assert.Equal([[.. "smile "u8, 0xF0, 0x9F, 0x98, 0x80]], txt.Strings);
    }

    [Theory]
    [InlineData("\"unterminated", "unterminated")]
    [InlineData("\"a\" b", "unexpected 'b'")]
    [InlineData("\"\\256\"", "above 255")]
    public void TryParse_TxtMalformedQuotes_Error(string text, string expected)
    {
        // Act
        bool parsed = DnsRecordData.TryParse(DnsRecordType.TXT, text, Origin, out var data, out string? error);

        // Assert
        Assert.False(parsed);
        Assert.Null(data);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_TxtQuotedStringOver255_Error()
    {
        // Act
        bool parsed = DnsRecordData.TryParse(DnsRecordType.TXT, $"\"{new string('x', 256)}\"", Origin, out _, out string? error);

        // Assert
        Assert.False(parsed);
        Assert.Contains("longer than 255", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_GenericUnknownType_UnknownRecordData()
    {
        // Act: RFC 3597 §5: "\# LENGTH HEX", hex possibly split by whitespace.
        bool parsed = DnsRecordData.TryParse((DnsRecordType)99, "\\# 4 0A00 0001", Origin, out var data, out string? error);

        // Assert
        Assert.True(parsed, error);
        Assert.Equal([0x0A, 0x00, 0x00, 0x01], Assert.IsType<UnknownRecordData>(data).Data.ToArray());
        Assert.Equal("\\# 4 0A000001", data.ToString());
    }

    [Fact]
    public void TryParse_GenericEmpty_ZeroOctets()
    {
        // Act
        bool parsed = DnsRecordData.TryParse((DnsRecordType)99, "\\# 0", Origin, out var data, out string? error);

        // Assert
        Assert.True(parsed, error);
        Assert.Equal(0, Assert.IsType<UnknownRecordData>(data).Data.Length);
        Assert.Equal("\\# 0", data.ToString());
    }

    [Fact]
    public void TryParse_GenericFormOfKnownType_SameDataAsUsualForm()
    {
        // Act: RFC 3597 §5: an RR of known type in the \# form is still processed as that type.
        bool a = DnsRecordData.TryParse(DnsRecordType.A, "\\# 4 0A000001", Origin, out var address, out string? error);
        bool mx = DnsRecordData.TryParse(DnsRecordType.MX, "\\# 6 000A 026D78 00", Origin, out var exchange, out string? mxError);

        // Assert
        Assert.True(a, error);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), Assert.IsType<AddressRecordData>(address).Address);
        Assert.True(mx, mxError);
        Assert.Equal("10 mx.", Assert.IsType<MxRecordData>(exchange).ToString());
    }

    [Theory]
    // An A record is 4 octets (RFC 1035 §3.4.1); written as 3 it would be malformed on the wire.
    [InlineData(DnsRecordType.A, "\\# 3 0A0000", "not valid A data")]
    // A name in generic RDATA cannot be a compression pointer: there is nothing before it.
    [InlineData(DnsRecordType.CNAME, "\\# 2 C00C", "not valid CNAME data")]
    [InlineData((DnsRecordType)99, "\\# 2 0A", "not 2")]
    [InlineData((DnsRecordType)99, "\\# 1 ZZ", "not hexadecimal")]
    [InlineData((DnsRecordType)99, "\\# 1 ABC", "not hexadecimal")]
    [InlineData((DnsRecordType)99, "\\#", "LENGTH HEX")]
    [InlineData((DnsRecordType)99, "\\# -1", "LENGTH HEX")]
    [InlineData((DnsRecordType)99, "\\# 70000 00", "LENGTH HEX")]
    public void TryParse_BadGenericData_Error(DnsRecordType type, string text, string expected)
    {
        // Act
        bool parsed = DnsRecordData.TryParse(type, text, Origin, out var data, out string? error);

        // Assert
        Assert.False(parsed);
        Assert.Null(data);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_TxtStartingWithGenericToken_TakenAsText()
    {
        // Act: TXT data is text, so "\#" there is not the generic form.
        bool parsed = DnsRecordData.TryParse(DnsRecordType.TXT, "\\# 2 0A", Origin, out var data, out string? error);

        // Assert
        Assert.True(parsed, error);
        Assert.Equal([[.. "\\# 2 0A"u8]], Assert.IsType<TxtRecordData>(data).Strings);
    }

    [Theory]
    [InlineData(DnsRecordType.MX, "mail.example.test.")]
    [InlineData(DnsRecordType.MX, "70000 mail.example.test.")]
    [InlineData(DnsRecordType.MX, "-1 mail.example.test.")]
    [InlineData(DnsRecordType.MX, "10 bad..name")]
    [InlineData(DnsRecordType.SRV, "10 20 sip.example.test.")]
    [InlineData(DnsRecordType.SRV, "10 20 65536 sip.example.test.")]
    [InlineData(DnsRecordType.SOA, "ns1 hostmaster 1 2 3 4")]
    [InlineData(DnsRecordType.SOA, "ns1 hostmaster 1 2 3 4 x")]
    [InlineData(DnsRecordType.SOA, "ns1 hostmaster 4294967296 2 3 4 5")]
    [InlineData(DnsRecordType.SOA, "ns1.. hostmaster 1 2 3 4 5")]
    [InlineData(DnsRecordType.CNAME, "a b")]
    [InlineData(DnsRecordType.CNAME, "")]
    [InlineData(DnsRecordType.HINFO, "\"PC\" \"Linux\"")]
    [InlineData(DnsRecordType.OPT, "anything")]
    public void TryParse_BadFields_ErrorMessage(DnsRecordType type, string text)
    {
        // Act
        bool parsed = DnsRecordData.TryParse(type, text, Origin, out var data, out string? error);

        // Assert
        Assert.False(parsed);
        Assert.Null(data);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    public static TheoryData<string, byte[], DnsRecordType, DnsParseError> InvalidRdata => new()
    {
        // RFC 1035 §3.3.9: MX is a 16-bit preference then a name.
        { "MX without exchange", [0x00, 0x0A], DnsRecordType.MX, DnsParseError.InvalidRecordData },
        { "MX of one octet", [0x00], DnsRecordType.MX, DnsParseError.InvalidRecordData },
        // RFC 2782: SRV is three 16-bit fields then a name.
        { "SRV without target", [0, 1, 0, 2, 0, 3], DnsRecordType.SRV, DnsParseError.InvalidRecordData },
        // RFC 1035 §3.3.13: SOA is two names then five 32-bit fields (20 octets).
        { "SOA with 19 numeric octets", [0, 0, .. new byte[19]], DnsRecordType.SOA, DnsParseError.InvalidRecordData },
        { "SOA with 21 numeric octets", [0, 0, .. new byte[21]], DnsRecordType.SOA, DnsParseError.InvalidRecordData },
        // RFC 1035 §3.3.14: TXT is one or more character-strings, each inside the RDATA.
        { "TXT of zero octets", [], DnsRecordType.TXT, DnsParseError.InvalidRecordData },
        { "TXT string past RDLENGTH", [5, .. "abc"u8], DnsRecordType.TXT, DnsParseError.InvalidRecordData },
        // A name-only RDATA must end where its name ends.
        { "CNAME with an octet after the name", [0, 0], DnsRecordType.CNAME, DnsParseError.InvalidRecordData },
        { "NS name past RDLENGTH", [3, .. "ns"u8], DnsRecordType.NS, DnsParseError.InvalidRecordData },
        { "PTR with a reserved label type", [0x80, 0], DnsRecordType.PTR, DnsParseError.ReservedLabelType },
        { "A of 3 octets", [1, 2, 3], DnsRecordType.A, DnsParseError.InvalidRecordData },
        { "AAAA of 15 octets", new byte[15], DnsRecordType.AAAA, DnsParseError.InvalidRecordData },
    };

    [Theory]
    [MemberData(nameof(InvalidRdata))]
    public void TryRead_MalformedRdata_ReturnsError(string description, byte[] rdata, DnsRecordType type, DnsParseError expected)
    {
        // Act
        var error = DnsRecordData.TryRead(type, rdata, 0, rdata.Length, out var data);

        // Assert
        Assert.True(expected == error, $"{description}: expected {expected}, got {error}");
        Assert.Null(data);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(5)]
    public void TryRead_LengthOutsideMessage_Truncated(int length)
    {
        // Act
        var error = DnsRecordData.TryRead(DnsRecordType.A, [1, 2, 3, 4], 0, length, out var data);

        // Assert
        Assert.Equal(DnsParseError.Truncated, error);
        Assert.Null(data);
    }

    [Fact]
    public void TryRead_TxtWithEmptyString_OneEmptyString()
    {
        // Act: a single zero-length character-string is valid TXT data.
        var error = DnsRecordData.TryRead(DnsRecordType.TXT, [0], 0, 1, out var data);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal([[]], Assert.IsType<TxtRecordData>(data).Strings);
        Assert.Equal("\"\"", data.ToString());
    }

    [Fact]
    public void TryRead_UnknownType_KeepsOctets()
    {
        // Act: RFC 3597 §4: data of a type the server does not know is opaque.
        var error = DnsRecordData.TryRead((DnsRecordType)65280, [0xC0, 0x0C, 0xFF], 0, 3, out var data);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal([0xC0, 0x0C, 0xFF], Assert.IsType<UnknownRecordData>(data).Data.ToArray());
    }

    public static TheoryData<string, DnsRecordData, byte[]> RdataWire => new()
    {
        { "A (RFC 1035 §3.4.1)", new AddressRecordData(IPAddress.Parse("192.0.2.1")), [192, 0, 2, 1] },
        { "AAAA (RFC 3596 §2.2)", new AddressRecordData(IPAddress.Parse("2001:db8::1")), [0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] },
        { "CNAME (RFC 1035 §3.3.1)", new NameRecordData(DnsRecordType.CNAME, DnsName.Parse("a.test.")), [1, (byte)'a', 4, .. "test"u8, 0] },
        { "MX (RFC 1035 §3.3.9)", new MxRecordData(10, DnsName.Parse("mx.")), [0x00, 0x0A, 2, .. "mx"u8, 0] },
        { "SRV (RFC 2782)", new SrvRecordData(1, 2, 53, DnsName.Parse("t.")), [0, 1, 0, 2, 0, 53, 1, (byte)'t', 0] },
        {
            "SOA (RFC 1035 §3.3.13)",
            new SoaRecordData(DnsName.Parse("a."), DnsName.Parse("b."), 1, 2, 3, 4, 5),
            [1, (byte)'a', 0, 1, (byte)'b', 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5]
        },
        { "TXT (RFC 1035 §3.3.14)", new TxtRecordData([[.. "ab"u8], []]), [2, .. "ab"u8, 0] },
        { "unknown (RFC 3597)", new UnknownRecordData([1, 2, 3]), [1, 2, 3] },
    };

    [Theory]
    [MemberData(nameof(RdataWire))]
    public void TryWrite_EachShape_WritesRdataAndReadsBack(string description, DnsRecordData data, byte[] expected)
    {
        // Arrange
        var buffer = new byte[64];
        var writer = new DnsWireWriter(buffer);
        var type = data switch
        {
            AddressRecordData a => a.Type,
            NameRecordData n => n.Type,
            MxRecordData => DnsRecordType.MX,
            SrvRecordData => DnsRecordType.SRV,
            SoaRecordData => DnsRecordType.SOA,
            TxtRecordData => DnsRecordType.TXT,
            _ => (DnsRecordType)99,
        };

        // Act
        bool written = data.TryWrite(ref writer);
        var error = DnsRecordData.TryRead(type, buffer, 0, writer.Position, out var read);

        // Assert
        Assert.True(written, description);
        Assert.Equal(expected, writer.Written.ToArray());
        Assert.Equal(DnsParseError.None, error);
        Assert.True(DnsMessageEquivalence.DataEquivalent(data, read!), description);
    }

    [Theory]
    [MemberData(nameof(RdataWire))]
    public void TryWrite_EachShapeShortOfRoom_FalseAndPositionUnchanged(string description, DnsRecordData data, byte[] expected)
    {
        for (int room = 0; room < expected.Length; room++)
        {
            // Arrange
            var writer = new DnsWireWriter(new byte[3 + room]);
            writer.TryAdvance(3);

            // Act
            bool written = data.TryWrite(ref writer);

            // Assert
            Assert.False(written, $"{description} with {room} octets of room");
            Assert.Equal(3, writer.Position);
        }
    }

    [Fact]
    public void TxtRecordData_NoStringsOrStringOver255_ThrowsAsProgrammerError()
    {
        // Act
        var none = Record.Exception(() => new TxtRecordData([]));
        var tooLong = Record.Exception(() => new TxtRecordData([new byte[256]]));

        // Assert
        Assert.IsType<ArgumentException>(none);
        Assert.IsType<ArgumentException>(tooLong);
    }
}
