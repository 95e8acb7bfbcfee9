using System.Net;
using ARSoft.Tools.Net;
using Router.Testing.Dns;
using Ar = ARSoft.Tools.Net.Dns;

namespace Router.Dns.Tests.Differential;

/// <summary>
/// Every disagreement found between Router.Dns and ARSoft.Tools.Net 3.6.1, each shown on a minimal message with the
/// RFC section that says who is right. None of them is Router.Dns's to fix: in each, Router.Dns follows the RFC.
/// <see cref="ArsoftDifferentialTests"/> keeps its generators away from these (see
/// <see cref="Generators.DnsGeneratorProfile"/>); if ARSoft.Tools.Net changes its behaviour, a test here fails and
/// the generators can cover the case again.
/// </summary>
/// <remarks>Fixture offsets in comments are decimal; every message starts with <see cref="Header"/> (12 octets).</remarks>
public sealed class KnownDisagreementsTests
{
    // --- ARSoft.Tools.Net reads labels and character-strings as ASCII ---------------------------------------------

    [Fact]
    public void TryRead_LabelOctetAbove7F_ArsoftReadsQuestionMark()
    {
        // Arrange: question caf\233.test. IN A. RFC 2181 §11: "any binary string whatever can be used as the label".
        byte[] message = [.. Header(questions: 1), 4, .. "caf"u8, 0xE9, 4, .. "test"u8, 0, 0, 1, 0, 1];

        // Act
        var error = DnsMessage.TryRead(message, out var ours);
        var theirs = ArsoftCrossCheck.ParseWithArsoft(message);

        // Assert: Router.Dns keeps the octet; ARSoft decodes it as ASCII and gets '?'.
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal([4, .. "caf"u8, 0xE9, 4, .. "test"u8, 0], ours!.Questions[0].Name.Wire.ToArray());
        Assert.Equal("caf?", theirs.Questions[0].Name.Labels[0]);
    }

    [Fact]
    public void TryRead_TxtOctetsAbove7F_ArsoftReadsQuestionMarks()
    {
        // Arrange: a. IN TXT "é" (UTF-8 C3 A9). RFC 1035 §3.3: a <character-string> "is treated as binary information".
        byte[] message = [.. Header(answers: 1), 1, (byte)'a', 0, 0, 16, 0, 1, 0, 0, 0x0E, 0x10, 0, 3, 2, 0xC3, 0xA9];

        // Act
        var error = DnsMessage.TryRead(message, out var ours);
        var theirs = ArsoftCrossCheck.ParseWithArsoft(message);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal([0xC3, 0xA9], Assert.IsType<TxtRecordData>(ours!.Answers[0].Data).Strings[0]);
        Assert.Equal("??", Assert.Single(Assert.IsType<Ar.TxtRecord>(theirs.AnswerRecords[0]).TextParts));
    }

    // --- names ---------------------------------------------------------------------------------------------------

    [Fact]
    public void TryRead_NameOf127Labels_ArsoftCannotRead()
    {
        // Arrange: a.a.(127 labels). is exactly 255 octets, the most RFC 1035 §2.3.4 allows, and no RFC limits the
        // label count below that. ARSoft.Tools.Net reads at most 126 labels and pointers together.
        byte[] name = [.. Enumerable.Repeat<byte[]>([1, (byte)'a'], 127).SelectMany(label => label), 0];
        byte[] message = [.. Header(questions: 1), .. name, 0, 1, 0, 1];

        // Act
        var error = DnsMessage.TryRead(message, out var ours);

        // Assert
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal(127, ours!.Questions[0].Name.LabelCount);
        Assert.Equal(DnsLimits.MaxNameLength, ours.Questions[0].Name.WireLength);
        Assert.Throws<DnsCrossCheckException>(() => ArsoftCrossCheck.ParseWithArsoft(message));
    }

    [Fact]
    public void TryRead_NameOf321Octets_RouterRejectsArsoftAccepts()
    {
        // Arrange: five 63-octet labels, 321 octets. RFC 1035 §2.3.4: "names - 255 octets or less".
        byte[] label = [63, .. Enumerable.Repeat((byte)'a', 63)];
        byte[] message = [.. Header(questions: 1), .. label, .. label, .. label, .. label, .. label, 0, 0, 1, 0, 1];

        // Act
        var error = DnsMessage.TryRead(message, out _);
        var theirs = ArsoftCrossCheck.ParseWithArsoft(message);

        // Assert
        Assert.Equal(DnsParseError.NameTooLong, error);
        Assert.Equal(5, theirs.Questions[0].Name.LabelCount);
    }

    [Fact]
    public void TryRead_ForwardPointer_RouterRejectsArsoftFollows()
    {
        // Arrange: the question name (offset 12) is a pointer to offset 18, the answer's owner a. that comes after it.
        // RFC 1035 §4.1.4: a pointer replaces a name with a pointer "to a prior occurrence of the same name".
        byte[] message =
        [
            .. Header(questions: 1, answers: 1),
            0xC0, 18, 0, 1, 0, 1,                            // 12: question -> offset 18, A, IN
            1, (byte)'a', 0, 0, 1, 0, 1, 0, 0, 0x0E, 0x10,   // 18: a. A IN 3600
            0, 4, 192, 0, 2, 1,                              // RDLENGTH 4, 192.0.2.1
        ];

        // Act
        var error = DnsMessage.TryRead(message, out _);
        var theirs = ArsoftCrossCheck.ParseWithArsoft(message);

        // Assert
        Assert.Equal(DnsParseError.BadPointer, error);
        Assert.Equal("a", Assert.Single(theirs.Questions[0].Name.Labels));
    }

    [Fact]
    public void TryRead_BitstringLabel_RouterRejectsArsoftAccepts()
    {
        // Arrange: question name with label type 0x41 (RFC 2673 bit-string label, 8 bits 0xFF). RFC 6891 §5 retired the
        // extended label types of RFC 2671; RFC 3363 §3 moved bit-string labels to experimental.
        byte[] message = [.. Header(questions: 1), 0x41, 8, 0xFF, 0, 0, 1, 0, 1];

        // Act
        var error = DnsMessage.TryRead(message, out _);
        var theirs = ArsoftCrossCheck.ParseWithArsoft(message);

        // Assert
        Assert.Equal(DnsParseError.ReservedLabelType, error);
        Assert.Equal(1, theirs.Questions[0].Name.LabelCount);
    }

    // --- record data ---------------------------------------------------------------------------------------------

    [Fact]
    public void TryRead_TxtWithNoString_RouterRejectsArsoftAccepts()
    {
        // Arrange: a. IN TXT with RDLENGTH 0. RFC 1035 §3.3.14: TXT-DATA is "One or more <character-string>s".
        byte[] message = [.. Header(answers: 1), 1, (byte)'a', 0, 0, 16, 0, 1, 0, 0, 0x0E, 0x10, 0, 0];

        // Act
        var error = DnsMessage.TryRead(message, out _);
        var theirs = ArsoftCrossCheck.ParseWithArsoft(message);

        // Assert
        Assert.Equal(DnsParseError.InvalidRecordData, error);
        Assert.Empty(Assert.IsType<Ar.TxtRecord>(theirs.AnswerRecords[0]).TextParts);
    }

    [Fact]
    public async Task ArsoftWrite_TxtWithEmptyStrings_Throws()
    {
        // Arrange: a. IN TXT "" "". RFC 1035 §3.3: a <character-string> is a length octet and that many octets, so an
        // empty one is one octet; ARSoft.Tools.Net counts it as none when it sizes its buffer, and runs past the end.
        var message = new Ar.DnsMessage { TransactionID = 1, IsQuery = false };
        message.AnswerRecords.Add(new Ar.TxtRecord(DomainName.Parse("a."), 60, ["", ""]));
        using var encoder = new ArsoftWireEncoder();
        var ours = new DnsMessage { Id = 1, IsResponse = true };
        ours.Answers.Add(new DnsRecord(DnsName.Parse("a."), DnsRecordType.TXT, DnsClass.IN, 60, new TxtRecordData([[], []])));

        // Act
        var encoding = encoder.EncodeAsync(message);

        // Assert: Router.Dns writes it (0 0: two empty strings) and both read it back alike.
        await Assert.ThrowsAnyAsync<ArgumentException>(() => encoding);
        byte[] wire = ours.ToArray();
        Assert.Equal([0, 2, 0, 0], wire[^4..]);
        Assert.Equal(2, Assert.IsType<TxtRecordData>(ArsoftCrossCheck.Parse(wire).Answers[0].Data).Strings.Count);
    }

    [Fact]
    public void TryRead_ARecordOfFiveOctets_RouterRejectsArsoftAccepts()
    {
        // Arrange: a. IN A with RDLENGTH 5. RFC 1035 §3.4.1: the RDATA of A is "A 32 bit Internet address".
        byte[] message = [.. Header(answers: 1), 1, (byte)'a', 0, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 5, 192, 0, 2, 1, 7];

        // Act
        var error = DnsMessage.TryRead(message, out _);
        var theirs = ArsoftCrossCheck.ParseWithArsoft(message);

        // Assert
        Assert.Equal(DnsParseError.InvalidRecordData, error);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), Assert.IsType<Ar.ARecord>(theirs.AnswerRecords[0]).Address);
    }

    // --- EDNS ------------------------------------------------------------------------------------------------------

    [Fact]
    public void TryRead_OptOwnedByAName_RouterRejectsArsoftAccepts()
    {
        // Arrange: an OPT record owned by a. instead of the root. RFC 6891 §6.1.2: NAME "MUST be 0 (root domain)".
        byte[] message = [.. Header(additionals: 1), 1, (byte)'a', 0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0];

        // Act
        var error = DnsMessage.TryRead(message, out _);
        var theirs = ArsoftCrossCheck.ParseWithArsoft(message);

        // Assert
        Assert.Equal(DnsParseError.InvalidOpt, error);
        Assert.Equal(1232, theirs.EDnsOptions!.UdpPayloadSize);
    }

    [Fact]
    public void TryRead_TwoOptRecords_RouterRejectsArsoftAccepts()
    {
        // Arrange: two OPT records (payload 1232, then 512). RFC 6891 §6.1.1: "If a query message with more than one
        // OPT RR is received, a FORMERR (RCODE=1) MUST be returned".
        byte[] message = [.. Header(additionals: 2), 0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0, 0, 0, 41, 0x02, 0x00, 0, 0, 0, 0, 0, 0];

        // Act
        var error = DnsMessage.TryRead(message, out _);
        var theirs = ArsoftCrossCheck.ParseWithArsoft(message);

        // Assert
        Assert.Equal(DnsParseError.InvalidOpt, error);
        Assert.Equal(2, theirs.AdditionalRecords.OfType<Ar.OptRecord>().Count());
    }

    [Fact]
    public void TryRead_ClientSubnetBitsBeyondSourcePrefix_RouterRejectsArsoftAccepts()
    {
        // Arrange: ECS family 1, source /20, scope 0, address C0 00 02: the 3rd octet has bits set past bit 20. RFC 7871
        // §6: ADDRESS "MUST be truncated to the number of bits indicated by the SOURCE PREFIX-LENGTH field", and a
        // receiver "SHOULD return FORMERR" when bits beyond it are set.
        byte[] message = [.. Header(additionals: 1), 0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 11, 0, 8, 0, 7, 0, 1, 20, 0, 0xC0, 0x00, 0x02];

        // Act
        var error = DnsMessage.TryRead(message, out _);
        var theirs = ArsoftCrossCheck.ParseWithArsoft(message);

        // Assert
        Assert.Equal(DnsParseError.InvalidOpt, error);
        var subnet = Assert.IsType<Ar.ClientSubnetOption>(Assert.Single(theirs.EDnsOptions!.Options));
        Assert.Equal(IPAddress.Parse("192.0.2.0"), subnet.Address);
    }

    [Fact]
    public async Task ArsoftWrite_ClientSubnetOfHostAddress_NotTruncatedSoRouterRejects()
    {
        // Arrange: ARSoft's own ECS option for 192.0.2.77/20 (RFC 7871 §6: the address must be truncated to /20).
        var message = new Ar.DnsMessage { TransactionID = 1, IsQuery = false };
        message.EDnsOptions = new Ar.OptRecord(1232, new Ar.ClientSubnetOption(20, IPAddress.Parse("192.0.2.77")));
        using var encoder = new ArsoftWireEncoder();

        // Act
        byte[] wire = await encoder.EncodeAsync(message);
        var error = DnsMessage.TryRead(wire, out _);

        // Assert: ARSoft writes C0 00 02, the bits past /20 included.
        Assert.Equal([0, 1, 20, 0, 0xC0, 0x00, 0x02], wire[^7..]);
        Assert.Equal(DnsParseError.InvalidOpt, error);
    }

    [Fact]
    public async Task ArsoftWrite_ExtendedRcodeWithLowBits_VersionCorrupted()
    {
        // Arrange: BADKEY (17) in an EDNS message through ARSoft's ReturnCode setter. RFC 6891 §6.1.3: the OPT TTL holds
        // EXTENDED-RCODE (the upper 8 bits of 12) and VERSION separately; the low 4 bits travel in the header.
        var message = new Ar.DnsMessage { TransactionID = 1, IsQuery = false, IsEDnsEnabled = true };
        message.ReturnCode = Ar.ReturnCode.BadKey;
        using var encoder = new ArsoftWireEncoder();

        // Act
        byte[] wire = await encoder.EncodeAsync(message);
        var error = DnsMessage.TryRead(wire, out var ours);

        // Assert: ARSoft shifts all 12 bits into the TTL, so bit 4 of the code lands in VERSION, which reads as 16.
        Assert.Equal(DnsParseError.None, error);
        Assert.Equal((DnsResponseCode)17, ours!.ResponseCode);
        Assert.Equal(16, ours.Edns!.Version);
    }

    [Fact]
    public void ArsoftOptRecord_DnssecOkSetFalse_ClearsVersionAndExtendedRcode()
    {
        // Arrange: RFC 6891 §6.1.3-§6.1.4: the DO bit, VERSION and EXTENDED-RCODE are separate fields of the OPT TTL.
        var opt = new Ar.OptRecord(1232) { Version = 1, ExtendedReturnCode = Ar.ReturnCode.BadVersion };

        // Act
        opt.IsDnsSecOk = false;

        // Assert: clearing DO keeps only the low 15 bits of the TTL.
        Assert.Equal(0, opt.Version);
        Assert.Equal(Ar.ReturnCode.NoError, opt.ExtendedReturnCode);
    }

    // --- compression -----------------------------------------------------------------------------------------------

    [Fact]
    public async Task ArsoftWrite_PointerToOffsetAbove3FFF_NameCorrupted()
    {
        // Arrange: 16,400 octets of RDATA, then late.example. twice: its first occurrence starts past offset 16,383.
        // RFC 1035 §4.1.4: a pointer's OFFSET is 14 bits, so a name there cannot be pointed to.
        var late = DomainName.Parse("late.example.");
        var message = new Ar.DnsMessage { TransactionID = 1, IsQuery = false };
        message.AnswerRecords.Add(new Ar.UnknownRecord(DomainName.Parse("big.example."), (Ar.RecordType)65280, Ar.RecordClass.INet, 60, new byte[16_400]));
        message.AnswerRecords.Add(new Ar.ARecord(late, 60, IPAddress.Parse("192.0.2.1")));
        message.AnswerRecords.Add(new Ar.ARecord(late, 60, IPAddress.Parse("192.0.2.2")));
        using var encoder = new ArsoftWireEncoder();

        // Act
        byte[] arsoftWire = await encoder.EncodeAsync(message);
        var arsoftError = DnsMessage.TryRead(arsoftWire, out var fromArsoft);
        var ours = new DnsMessage { Id = 1, IsResponse = true };
        ours.Answers.Add(new DnsRecord(DnsName.Parse("big.example."), (DnsRecordType)65280, DnsClass.IN, 60, new UnknownRecordData(new byte[16_400])));
        ours.Answers.Add(new DnsRecord(DnsName.Parse("late.example."), DnsRecordType.A, DnsClass.IN, 60, new AddressRecordData(IPAddress.Parse("192.0.2.1"))));
        ours.Answers.Add(new DnsRecord(DnsName.Parse("late.example."), DnsRecordType.A, DnsClass.IN, 60, new AddressRecordData(IPAddress.Parse("192.0.2.2"))));

        // Assert: ARSoft's pointer loses the offset's top bits, so Router.Dns reads no late.example. at the third
        // record; Router.Dns's own writer writes the name in full there and both read it.
        Assert.False(arsoftError == DnsParseError.None && fromArsoft!.Answers[2].Name == DnsName.Parse("late.example."));
        var readBack = ArsoftCrossCheck.Parse(ours.ToArray());
        Assert.Equal(DnsName.Parse("late.example."), readBack.Answers[2].Name);
    }

    /// <summary>ID 0x1234, QR and AA set, NOERROR, and the four counts (RFC 1035 §4.1.1).</summary>
    private static byte[] Header(byte questions = 0, byte answers = 0, byte authorities = 0, byte additionals = 0) =>
        [0x12, 0x34, 0x84, 0x00, 0, questions, 0, answers, 0, authorities, 0, additionals];
}
