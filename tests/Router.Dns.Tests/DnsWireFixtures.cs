namespace Router.Dns.Tests;

/// <summary>
/// Named wire fixtures, each with the RFC section it illustrates. Byte offsets in comments are decimal. Every property
/// returns a fresh array, so a test may mutate what it gets.
/// </summary>
/// <remarks>
/// Fixtures are byte arrays built from <c>"..."u8</c> spreads rather than whole <c>u8</c> literals: a <c>u8</c> literal
/// encodes <c>\x80</c> and above as two UTF-8 octets, so compression pointers (<c>0xC0</c>) cannot be written in one.
/// </remarks>
internal static class DnsWireFixtures
{
    /// <summary>The 12-octet header of a message with every field zero, before a name under test.</summary>
    public static byte[] ZeroHeader => new byte[DnsLimits.HeaderLength];

    /// <summary>A label of exactly 63 octets, the longest allowed (RFC 1035 §2.3.4).</summary>
    public static byte[] Label63 => [.. Enumerable.Repeat((byte)'a', DnsLimits.MaxLabelLength)];

    /// <summary>
    /// One table for reading and writing names (RFC 1035 §3.1, §4.1.4): the message (a zero header, then the names at
    /// offset 12) and the uncompressed wire form of each name in order. A reader meets the names in this order; a
    /// compressing writer given these names after a 12-octet header produces exactly the message.
    /// </summary>
    public static TheoryData<string, byte[], byte[][]> Names => new()
    {
        // RFC 1035 §3.1: the root is the single zero-length label.
        { "root", [.. ZeroHeader, 0], [[0]] },

        // A single-label name: length octet, label, root.
        { "single label", [.. ZeroHeader, 4, .. "test"u8, 0], [[4, .. "test"u8, 0]] },

        // A multi-label name, uncompressed because nothing before it can be pointed to.
        {
            "multi-label",
            [.. ZeroHeader, 3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0],
            [[3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0]]
        },

        // RFC 1035 §2.3.4: a label of 63 octets (length octet 0x3F) is the longest allowed.
        { "63-octet label", [.. ZeroHeader, 63, .. Label63, 4, .. "test"u8, 0], [[63, .. Label63, 4, .. "test"u8, 0]] },

        // RFC 1035 §4.1.4: www.example.test. ends in a pointer (0xC00C) to example.test. at offset 12.
        {
            "compressed pointer at 0xC00C",
            [.. ZeroHeader, 7, .. "example"u8, 4, .. "test"u8, 0, 3, .. "www"u8, 0xC0, 0x0C],
            [[7, .. "example"u8, 4, .. "test"u8, 0], [3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0]]
        },

        // RFC 1035 §4.1.4: a name repeated in full is only a pointer to its first occurrence.
        {
            "whole name as a pointer",
            [.. ZeroHeader, 7, .. "example"u8, 4, .. "test"u8, 0, 0xC0, 0x0C],
            [[7, .. "example"u8, 4, .. "test"u8, 0], [7, .. "example"u8, 4, .. "test"u8, 0]]
        },

        // RFC 1035 §4.1.4: a shared suffix: mail.example.test. points into the middle of www.example.test. (offset 16).
        {
            "shared suffix pointer at 0xC010",
            [.. ZeroHeader, 3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0, 4, .. "mail"u8, 0xC0, 0x10],
            [[3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0], [4, .. "mail"u8, 7, .. "example"u8, 4, .. "test"u8, 0]]
        },
    };

    /// <summary>
    /// RFC 1035 §4.1.1-§4.1.2 with RFC 6891 §6.1.2 (OPT) and RFC 7871 §6 (Client Subnet): a recursion-desired query
    /// for <c>www.example.test. A IN</c> with EDNS (payload 1232, DO set) and ECS 198.51.100.0/24. 56 octets.
    /// </summary>
    public static byte[] QueryWithEcs =>
    [
        // 0: header: ID 0x1234, flags RD (0x0100), QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 1.
        0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        // 12: QNAME www.example.test.
        3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0,
        // 30: QTYPE A, QCLASS IN.
        0x00, 0x01, 0x00, 0x01,
        // 34: OPT: root owner, TYPE 41, CLASS = UDP payload 1232, TTL = extended RCODE 0, VERSION 0, DO (0x8000).
        0x00, 0x00, 0x29, 0x04, 0xD0, 0x00, 0x00, 0x80, 0x00,
        // 43: RDLENGTH 11; option ECS: code 8, length 7, FAMILY 1, SOURCE 24, SCOPE 0, ADDRESS 198.51.100 (3 octets).
        0x00, 0x0B, 0x00, 0x08, 0x00, 0x07, 0x00, 0x01, 24, 0, 198, 51, 100,
    ];

    /// <summary>RFC 1035 §4.1.1-§4.1.2: the plainest query, <c>example.test. SOA IN</c> without EDNS. 30 octets.</summary>
    public static byte[] PlainQuery =>
    [
        // 0: header: ID 0xABCD, flags 0 (opcode QUERY, RD clear), QDCOUNT 1, other counts 0.
        0xAB, 0xCD, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        // 12: QNAME example.test., QTYPE SOA (6), QCLASS IN.
        7, .. "example"u8, 4, .. "test"u8, 0, 0x00, 0x06, 0x00, 0x01,
    ];

    /// <summary>The length of <see cref="ResponseWithAllTypes"/>.</summary>
    public const int ResponseWithAllTypesLength = 322;

    /// <summary>The offset of the uncompressed SRV target <c>sip.example.test.</c> inside <see cref="ResponseWithAllTypes"/>.</summary>
    public const int ResponseSrvTargetOffset = 189;

    /// <summary>
    /// An authoritative response with one record of every modelled type, compressed exactly as
    /// <see cref="DnsMessage.TryWrite"/> compresses (so reading and writing it back gives the same octets):
    /// answers A, AAAA, CNAME, TXT (two strings), PTR, MX, SRV (target not compressed, RFC 2782); authority NS, SOA;
    /// additional TYPE99 (RFC 3597) and OPT with ECS and COOKIE options. 322 octets.
    /// </summary>
    public static byte[] ResponseWithAllTypes =>
    [
        // 0: header (RFC 1035 §4.1.1): ID 0xBEEF, flags QR AA RD (0x8500), QDCOUNT 1, ANCOUNT 7, NSCOUNT 2, ARCOUNT 2.
        0xBE, 0xEF, 0x85, 0x00, 0x00, 0x01, 0x00, 0x07, 0x00, 0x02, 0x00, 0x02,

        // 12: question (§4.1.2): www.example.test. A IN. Labels at 12 (www), 16 (example), 24 (test).
        3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0, 0x00, 0x01, 0x00, 0x01,

        // 34: A (§3.4.1): owner -> 12, TTL 3600, RDLENGTH 4, 192.0.2.1.
        0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x04, 192, 0, 2, 1,

        // 50: AAAA (RFC 3596 §2.2): owner -> 12, TTL 3600, RDLENGTH 16, 2001:db8::1.
        0xC0, 0x0C, 0x00, 0x1C, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x10,
        0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,

        // 78: CNAME (§3.3.1): owner alias.example.test. = "alias" + pointer to 16, TTL 300, RDLENGTH 2, target -> 12.
        5, .. "alias"u8, 0xC0, 0x10, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2C, 0x00, 0x02, 0xC0, 0x0C,

        // 98: TXT (§3.3.14): owner -> 16, TTL 3600, RDLENGTH 12, character-strings "hello" and "world".
        0xC0, 0x10, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x0C, 5, .. "hello"u8, 5, .. "world"u8,

        // 122: PTR (§3.3.12): owner ptr.example.test. = "ptr" + pointer to 16, TTL 3600, RDLENGTH 2, target -> 12.
        3, .. "ptr"u8, 0xC0, 0x10, 0x00, 0x0C, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x02, 0xC0, 0x0C,

        // 140: MX (§3.3.9): owner -> 16, TTL 3600, RDLENGTH 9, preference 10, exchange "mail" + pointer to 16.
        0xC0, 0x10, 0x00, 0x0F, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x09, 0x00, 0x0A, 4, .. "mail"u8, 0xC0, 0x10,

        // 161: SRV (RFC 2782): owner _sip._udp.example.test. = "_sip" "_udp" + pointer to 16, TTL 3600, RDLENGTH 24,
        // priority 10, weight 20, port 5060, target sip.example.test. written in full (at 189: never compressed).
        4, .. "_sip"u8, 4, .. "_udp"u8, 0xC0, 0x10, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x18,
        0x00, 0x0A, 0x00, 0x14, 0x13, 0xC4, 3, .. "sip"u8, 7, .. "example"u8, 4, .. "test"u8, 0,

        // 207: NS (§3.3.11), authority: owner -> 16, TTL 86400, RDLENGTH 6, target "ns1" (at 219) + pointer to 16.
        0xC0, 0x10, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0x51, 0x80, 0x00, 0x06, 3, .. "ns1"u8, 0xC0, 0x10,

        // 225: SOA (§3.3.13), authority: owner -> 16, TTL 3600, RDLENGTH 35, MNAME -> 219 (ns1.example.test.),
        // RNAME "hostmaster" + pointer to 16, SERIAL 2026010101, REFRESH 7200, RETRY 3600, EXPIRE 1209600, MINIMUM 300.
        0xC0, 0x10, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x23, 0xC0, 0xDB,
        10, .. "hostmaster"u8, 0xC0, 0x10,
        0x78, 0xC2, 0x75, 0xF5, 0x00, 0x00, 0x1C, 0x20, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x12, 0x75, 0x00, 0x00, 0x00, 0x01, 0x2C,

        // 272: TYPE99 (RFC 3597 §5: an unknown type, its RDATA kept as octets): owner -> 12, TTL 3600, RDLENGTH 4.
        0xC0, 0x0C, 0x00, 0x63, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x04, 0xDE, 0xAD, 0xBE, 0xEF,

        // 288: OPT (RFC 6891 §6.1.2): root owner, TYPE 41, payload 1232, TTL: extended RCODE 0, VERSION 0, DO, RDLENGTH 23.
        0x00, 0x00, 0x29, 0x04, 0xD0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x17,
        // 299: ECS (RFC 7871 §6): code 8, length 7, FAMILY 1, SOURCE 24, SCOPE 24, ADDRESS 198.51.100.
        0x00, 0x08, 0x00, 0x07, 0x00, 0x01, 24, 24, 198, 51, 100,
        // 310: COOKIE (RFC 7873 §4): code 10, length 8, client cookie 0102030405060708.
        0x00, 0x0A, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
    ];

    /// <summary>The message of <see cref="ResponseWithAllTypes"/> built as objects, in the same order.</summary>
    public static DnsMessage ResponseWithAllTypesModel()
    {
        var www = DnsName.Parse("www.example.test.");
        var apex = DnsName.Parse("example.test.");
        var message = new DnsMessage
        {
            Id = 0xBEEF,
            IsResponse = true,
            IsAuthoritative = true,
            RecursionDesired = true,
            Edns = new DnsEdns
            {
                UdpPayloadSize = 1232,
                DnssecOk = true,
                Options =
                [
                    new EdnsOption(EdnsClientSubnet.OptionCode, [0x00, 0x01, 24, 24, 198, 51, 100]),
                    new EdnsOption(10, [1, 2, 3, 4, 5, 6, 7, 8]),
                ],
            },
        };
        message.Questions.Add(new DnsQuestion(www, DnsRecordType.A));
        message.Answers.Add(new DnsRecord(www, DnsRecordType.A, DnsClass.IN, 3600, new AddressRecordData(System.Net.IPAddress.Parse("192.0.2.1"))));
        message.Answers.Add(new DnsRecord(www, DnsRecordType.AAAA, DnsClass.IN, 3600, new AddressRecordData(System.Net.IPAddress.Parse("2001:db8::1"))));
        message.Answers.Add(new DnsRecord(DnsName.Parse("alias.example.test."), DnsRecordType.CNAME, DnsClass.IN, 300,
            new NameRecordData(DnsRecordType.CNAME, www)));
        message.Answers.Add(new DnsRecord(apex, DnsRecordType.TXT, DnsClass.IN, 3600, new TxtRecordData([[.. "hello"u8], [.. "world"u8]])));
        message.Answers.Add(new DnsRecord(DnsName.Parse("ptr.example.test."), DnsRecordType.PTR, DnsClass.IN, 3600,
            new NameRecordData(DnsRecordType.PTR, www)));
        message.Answers.Add(new DnsRecord(apex, DnsRecordType.MX, DnsClass.IN, 3600, new MxRecordData(10, DnsName.Parse("mail.example.test."))));
        message.Answers.Add(new DnsRecord(DnsName.Parse("_sip._udp.example.test."), DnsRecordType.SRV, DnsClass.IN, 3600,
            new SrvRecordData(10, 20, 5060, DnsName.Parse("sip.example.test."))));
        message.Authorities.Add(new DnsRecord(apex, DnsRecordType.NS, DnsClass.IN, 86400, new NameRecordData(DnsRecordType.NS, DnsName.Parse("ns1.example.test."))));
        message.Authorities.Add(new DnsRecord(apex, DnsRecordType.SOA, DnsClass.IN, 3600,
            new SoaRecordData(DnsName.Parse("ns1.example.test."), DnsName.Parse("hostmaster.example.test."), 2026010101, 7200, 3600, 1209600, 300)));
        message.Additionals.Add(new DnsRecord(www, (DnsRecordType)99, DnsClass.IN, 3600, new UnknownRecordData([0xDE, 0xAD, 0xBE, 0xEF])));
        return message;
    }

    /// <summary>
    /// RFC 1035 §4.1 with RFC 6891 §6.1.2: a query for <c>www.example.test. A IN</c> whose OPT record carries one
    /// option with <paramref name="optionCode"/> and <paramref name="optionData"/> (for malformed-option cases).
    /// </summary>
    public static byte[] QueryWithOption(ushort optionCode, byte[] optionData)
    {
        byte[] option = [(byte)(optionCode >> 8), (byte)optionCode, (byte)(optionData.Length >> 8), (byte)optionData.Length, .. optionData];
        return
        [
            0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
            3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0, 0x00, 0x01, 0x00, 0x01,
            0x00, 0x00, 0x29, 0x04, 0xD0, 0x00, 0x00, 0x00, 0x00, (byte)(option.Length >> 8), (byte)option.Length, .. option,
        ];
    }
}
