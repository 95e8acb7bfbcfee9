using System.Net;

namespace Router.Dns.Tests;

/// <summary>
/// Whole messages (RFC 1035 §4.1) read into the object model and written back, octet for octet, with name compression
/// (§4.1.4) and EDNS (RFC 6891 §6.1.2).
/// </summary>
public sealed class DnsMessageRoundTripTests
{
    public static TheoryData<string, byte[]> ValidMessages => new()
    {
        { "query with OPT and ECS", DnsWireFixtures.QueryWithEcs },
        { "plain query", DnsWireFixtures.PlainQuery },
        { "response with every record type", DnsWireFixtures.ResponseWithAllTypes },
    };

    [Theory]
    [MemberData(nameof(ValidMessages))]
    public void TryReadThenTryWrite_ValidMessage_IdenticalOctets(string description, byte[] fixture)
    {
        // Arrange
        Assert.Equal(DnsParseError.None, DnsMessage.TryRead(fixture, out var message));
        var buffer = new byte[DnsLimits.MaxMessageLength];

        // Act
        bool written = message!.TryWrite(buffer, out int length);

        // Assert
        Assert.True(written, description);
        Assert.Equal(fixture, buffer[..length]);
    }

    [Fact]
    public void TryRead_QueryWithEcs_ReadsHeaderQuestionAndEdns()
    {
        // Act
        var error = DnsMessage.TryRead(DnsWireFixtures.QueryWithEcs, out var message);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal(0x1234, message!.Id);
        Assert.False(message.IsResponse);
        Assert.True(message.RecursionDesired);
        Assert.Equal(DnsOpCode.Query, message.OpCode);
        Assert.Equal(DnsResponseCode.NoError, message.ResponseCode);
        Assert.Equal([new DnsQuestion(DnsName.Parse("www.example.test."), DnsRecordType.A, DnsClass.IN)], message.Questions);
        Assert.Empty(message.Answers);
        Assert.Empty(message.Authorities);
        Assert.Empty(message.Additionals);
        Assert.NotNull(message.Edns);
        Assert.Equal(1232, message.Edns.UdpPayloadSize);
        Assert.Equal(0, message.Edns.Version);
        Assert.True(message.Edns.DnssecOk);
        var option = Assert.Single(message.Edns.Options);
        Assert.Equal(EdnsClientSubnet.OptionCode, option.Code);
        Assert.Equal(new EdnsClientSubnet(NetworkAddress.FromBytes([198, 51, 100, 0]), 24, 0), message.Edns.ClientSubnet);
    }

    [Fact]
    public void TryRead_ResponseWithAllTypes_EqualsModel()
    {
        // Act
        var error = DnsMessage.TryRead(DnsWireFixtures.ResponseWithAllTypes, out var message);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        DnsMessageEquivalence.AssertEquivalent(DnsWireFixtures.ResponseWithAllTypesModel(), message!);
        Assert.Equal(
            [
                "www.example.test. 3600 IN A 192.0.2.1",
                "www.example.test. 3600 IN AAAA 2001:db8::1",
                "alias.example.test. 300 IN CNAME www.example.test.",
                "example.test. 3600 IN TXT \"hello\" \"world\"",
                "ptr.example.test. 3600 IN PTR www.example.test.",
                "example.test. 3600 IN MX 10 mail.example.test.",
                "_sip._udp.example.test. 3600 IN SRV 10 20 5060 sip.example.test.",
                "example.test. 86400 IN NS ns1.example.test.",
                "example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 2026010101 7200 3600 1209600 300",
                "www.example.test. 3600 IN 99 \\# 4 DEADBEEF",
            ],
            message!.Answers.Concat(message.Authorities).Concat(message.Additionals).Select(r => r.ToString()));
    }

    [Fact]
    public void TryWrite_ModelOfResponse_CompressesExactlyAsFixture()
    {
        // Arrange: the same message built from objects; every name after the question is compressed against earlier
        // names (RFC 1035 §4.1.4), except the SRV target (RFC 2782).
        var message = DnsWireFixtures.ResponseWithAllTypesModel();
        var buffer = new byte[1024];

        // Act
        bool written = message.TryWrite(buffer, out int length);

        // Assert
        Assert.True(written);
        Assert.Equal(DnsWireFixtures.ResponseWithAllTypesLength, length);
        Assert.Equal(DnsWireFixtures.ResponseWithAllTypes, buffer[..length]);
    }

    [Fact]
    public void TryWrite_SrvTarget_NotCompressedThoughSuffixIsAvailable()
    {
        // Arrange: RFC 2782: "Name compression is not to be used for this field". example.test. is at offset 16.
        var message = DnsWireFixtures.ResponseWithAllTypesModel();
        var buffer = new byte[1024];

        // Act
        message.TryWrite(buffer, out _);

        // Assert
        byte[] target = [3, .. "sip"u8, 7, .. "example"u8, 4, .. "test"u8, 0];
        Assert.Equal(target, buffer.AsSpan(DnsWireFixtures.ResponseSrvTargetOffset, target.Length).ToArray());
    }

    [Fact]
    public void TryWrite_SecondOccurrenceOfOwner_IsTwoOctetPointer()
    {
        // Arrange: RFC 1035 §4.1.4: the answer owner repeats the question name, so it is written as 0xC00C.
        var name = DnsName.Parse("www.example.test.");
        var message = new DnsMessage { Id = 1, IsResponse = true };
        message.Questions.Add(new DnsQuestion(name, DnsRecordType.A));
        message.Answers.Add(new DnsRecord(name, DnsRecordType.A, DnsClass.IN, 60, new AddressRecordData(IPAddress.Parse("192.0.2.1"))));
        message.Answers.Add(new DnsRecord(DnsName.Parse("a.www.example.test."), DnsRecordType.A, DnsClass.IN, 60,
            new AddressRecordData(IPAddress.Parse("192.0.2.2"))));

        // Act
        byte[] wire = message.ToArray();

        // Assert
        byte[] expected =
        [
            0x00, 0x01, 0x80, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
            3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0, 0x00, 0x01, 0x00, 0x01,
            0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x04, 192, 0, 2, 1,
            1, (byte)'a', 0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3C, 0x00, 0x04, 192, 0, 2, 2,
        ];
        Assert.Equal(expected, wire);
        Assert.Equal(12 + 22 + 16 + 18, wire.Length);
    }

    [Fact]
    public void TryWrite_EveryShorterDestination_ReturnsFalseWithoutThrowing()
    {
        // Arrange
        var message = DnsWireFixtures.ResponseWithAllTypesModel();
        int full = DnsWireFixtures.ResponseWithAllTypesLength;

        for (int length = 0; length <= full; length++)
        {
            var buffer = new byte[length];

            // Act
            bool written = message.TryWrite(buffer, out int count);

            // Assert
            Assert.True(written == (length == full), $"destination of {length} octets returned {written}");
            Assert.Equal(written ? full : 0, count);
        }
    }

    [Fact]
    public void TryWrite_ExtendedResponseCode_SplitsBetweenHeaderAndOpt()
    {
        // Arrange: RFC 6891 §6.1.3: BADVERS (16) is 0 in the header's RCODE and 1 in the OPT's EXTENDED-RCODE.
        var message = new DnsMessage { Id = 7, IsResponse = true, ResponseCode = DnsResponseCode.BadVersion, Edns = new DnsEdns() };
        message.Questions.Add(new DnsQuestion(DnsName.Root, DnsRecordType.SOA));

        // Act
        byte[] wire = message.ToArray();
        var error = DnsMessage.TryRead(wire, out var read);

        // Assert
        byte[] expected =
        [
            0x00, 0x07, 0x80, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
            0, 0x00, 0x06, 0x00, 0x01,
            0, 0x00, 0x29, 0x04, 0xD0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        Assert.Equal(expected, wire);
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal(DnsResponseCode.BadVersion, read!.ResponseCode);
        Assert.Equal(1, read.Edns!.ExtendedResponseCode);
    }

    [Fact]
    public void TryWrite_ExtendedResponseCodeWithoutEdns_ThrowsAsProgrammerError()
    {
        // Arrange: a code above 15 cannot be expressed without OPT; that is a bug in the caller, not lack of room.
        var message = new DnsMessage { ResponseCode = DnsResponseCode.BadVersion };

        // Act
        var exception = Record.Exception(() => message.TryWrite(new byte[512], out _));

        // Assert
        Assert.IsType<InvalidOperationException>(exception);
    }

    [Fact]
    public void TryRead_ExtendedRcodeInOpt_CombinesWithHeader()
    {
        // Arrange: header RCODE 3 with EXTENDED-RCODE 1 in OPT is code 0x13 (RFC 6891 §6.1.3).
        byte[] wire =
        [
            0x00, 0x01, 0x80, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
            0, 0x00, 0x29, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];

        // Act
        var error = DnsMessage.TryRead(wire, out var message);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal((DnsResponseCode)0x13, message!.ResponseCode);
        Assert.Equal(512, message.Edns!.UdpPayloadSize);
        Assert.Equal(wire, message.ToArray());
    }

    [Fact]
    public void TryReadThenTryWrite_AuthenticDataBit_Kept()
    {
        // Arrange: RFC 4035 §3.2.3: a validating resolver's answer has AD set (flags QR RD RA AD = 0x81A0); a
        // forwarder that reads and rewrites the message must not drop it.
        byte[] wire = [.. DnsWireFixtures.PlainQuery];
        wire[2] = 0x81;
        wire[3] = 0xA0;

        // Act
        var error = DnsMessage.TryRead(wire, out var message);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        Assert.True(message!.AuthenticData);
        Assert.True(message.RecursionAvailable);
        Assert.Equal(wire, message.ToArray());
    }

    [Fact]
    public void ToArray_PlainQueryModel_MatchesFixture()
    {
        // Arrange
        var message = new DnsMessage { Id = 0xABCD };
        message.Questions.Add(new DnsQuestion(DnsName.Parse("example.test."), DnsRecordType.SOA));

        // Act
        byte[] wire = message.ToArray();

        // Assert
        Assert.Equal(DnsWireFixtures.PlainQuery, wire);
    }
}
