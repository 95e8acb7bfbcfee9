using System.Buffers.Binary;
using System.Net;
using CsCheck;

namespace Router.Dns.Tests.Generators;

/// <summary>
/// CsCheck generators of whole messages in Router.Dns's model: any header, 0-3 questions, every record type the codec
/// models (A, AAAA, CNAME, NS, PTR, MX, SRV, SOA, TXT) and unknown types as octets in all three sections, usually few
/// records and sometimes 40 per section, names that share suffixes (so they compress), and an OPT record with
/// options: Client Subnet, NSID, cookies, padding and unknown codes.
/// </summary>
internal static class DnsMessageGenerators
{
    [ThreadStatic]
    private static byte[]? t_buffer;

    /// <summary>A whole message that writes into at most <see cref="DnsGeneratorProfile.MaxMessageLength"/> octets.</summary>
    public static Gen<DnsMessage> Message(DnsGeneratorProfile profile)
    {
        var byZone = DnsNameGenerators.Zones.Select(zone => Message(profile, DnsNameGenerators.NameNear(zone, profile))).ToArray();
        return Gen.Int[0, byZone.Length - 1].SelectMany(zone => byZone[zone]);
    }

    /// <summary>The Client Subnet option data (RFC 7871 §6): a valid family, prefix lengths, and the address truncated to the source prefix.</summary>
    public static Gen<byte[]> ClientSubnetData() => Gen.OneOf(ClientSubnetData(ipv6: false), ClientSubnetData(ipv6: true));

    private static Gen<byte[]> ClientSubnetData(bool ipv6)
    {
        int bits = ipv6 ? 128 : 32;
        return Gen.Select(
            Gen.Frequency((2, Gen.Int[0, bits]), (1, Gen.Const(bits)), (1, Gen.Const(ipv6 ? 56 : 24))),
            Gen.Frequency((2, Gen.Const(0)), (1, Gen.Int[0, bits])),
            DnsNameGenerators.Bytes(Gen.Const(bits / 8)),
            (source, scope, address) => ClientSubnet(ipv6, (byte)source, (byte)scope, address));
    }

    private static Gen<DnsMessage> Message(DnsGeneratorProfile profile, Gen<DnsName> names)
    {
        // Built once: a query expression rebuilds whatever it mentions on every message it generates.
        var opCodes = Gen.Frequency((8, Gen.Const(0)), (1, Gen.Int[0, 15]));
        var questions = Question(names).List[Gen.Frequency((8, Gen.Const(1)), (1, Gen.Const(0)), (1, Gen.Int[2, 3]))];
        var section = Record(profile, names).List[Gen.Frequency((10, Gen.Int[0, 2]), (3, Gen.Int[3, 8]), (1, Gen.Int[9, 40]))];
        var edns = Gen.Null(Edns(), 0.4);

        // RFC 6891 §6.1.3: codes above 15 need the OPT record's upper 8 bits.
        var plainCodes = Gen.Frequency((6, Gen.Int[0, 5]), (2, Gen.Int[0, 15]));
        var extendedCodes = Gen.Frequency((6, Gen.Int[0, 5]), (2, Gen.Int[0, 15]), (2, Gen.Int[0, 4095]));

        return (from id in Gen.UShort
                from flags in Gen.Byte[0, 0x7F]
                from opCode in opCodes
                from question in questions
                from answers in section
                from authorities in section
                from additionals in section
                from opt in edns
                from responseCode in opt is null ? plainCodes : extendedCodes
                select Build(id, flags, opCode, question, answers, authorities, additionals, opt, responseCode))
            .Where(message => Fits(message, profile.MaxMessageLength));
    }

    private static Gen<DnsQuestion> Question(Gen<DnsName> names) =>
        Gen.Select(names, Gen.Frequency((4, Gen.OneOf<ushort>(1, 28, 5, 15, 16, 33, 6, 2, 255)), (1, Gen.UShort)),
            Gen.Frequency((8, Gen.Const((ushort)1)), (1, Gen.UShort)),
            (name, type, @class) => new DnsQuestion(name, (DnsRecordType)type, (DnsClass)@class));

    private static Gen<DnsRecord> Record(DnsGeneratorProfile profile, Gen<DnsName> names)
    {
        var typedClass = profile.TypedRecordsInClassIn ? Gen.Const(DnsClass.IN) : Class();
        var ttl = Gen.Frequency((5, Gen.UInt[0, 86_400]), (1, Gen.Const(0u)), (1, Gen.Const(DnsLimits.MaxTtl)), (1, Gen.UInt));
        int shortestString = profile.EmptyCharacterStrings ? 0 : 1;
        var characterString = DnsNameGenerators.Octets(
            Gen.Frequency((6, Gen.Int[shortestString, 20]), (2, Gen.Int[21, 254]), (1, Gen.Const(255)), (1, Gen.Const(shortestString))),
            profile.AnyOctets);

        Gen<DnsRecord> Typed(DnsRecordType type, Gen<DnsRecordData> data) =>
            Gen.Select(names, typedClass, ttl, data, (owner, @class, time, rdata) => new DnsRecord(owner, type, @class, time, rdata));

        return Gen.Frequency(
            (3, Typed(DnsRecordType.A, DnsNameGenerators.Bytes(Gen.Const(4)).Select(b => (DnsRecordData)new AddressRecordData(new IPAddress(b))))),
            (2, Typed(DnsRecordType.AAAA, DnsNameGenerators.Bytes(Gen.Const(16)).Select(b => (DnsRecordData)new AddressRecordData(new IPAddress(b))))),
            (2, Typed(DnsRecordType.CNAME, names.Select(n => (DnsRecordData)new NameRecordData(DnsRecordType.CNAME, n)))),
            (1, Typed(DnsRecordType.NS, names.Select(n => (DnsRecordData)new NameRecordData(DnsRecordType.NS, n)))),
            (1, Typed(DnsRecordType.PTR, names.Select(n => (DnsRecordData)new NameRecordData(DnsRecordType.PTR, n)))),
            (1, Typed(DnsRecordType.MX, Gen.Select(Gen.UShort, names, (p, n) => (DnsRecordData)new MxRecordData(p, n)))),
            (1, Typed(DnsRecordType.SRV, Gen.Select(Gen.UShort, Gen.UShort, Gen.UShort, names,
                (priority, weight, port, target) => (DnsRecordData)new SrvRecordData(priority, weight, port, target)))),
            (1, Typed(DnsRecordType.SOA, Gen.Select(names, names, Gen.UInt.Array[5],
                (mname, rname, n) => (DnsRecordData)new SoaRecordData(mname, rname, n[0], n[1], n[2], n[3], n[4])))),
            (2, Typed(DnsRecordType.TXT, characterString.List[Gen.Frequency((4, Gen.Const(1)), (2, Gen.Int[2, 5]))]
                .Select(strings => (DnsRecordData)new TxtRecordData(strings)))),
            (2, Gen.Select(names, Gen.OneOf(profile.UnknownTypes), Class(), ttl,
                DnsNameGenerators.Bytes(Gen.Frequency((4, Gen.Int[0, 16]), (1, Gen.Int[17, 300]))),
                (owner, type, @class, time, data) => new DnsRecord(owner, (DnsRecordType)type, @class, time, new UnknownRecordData(data)))));
    }

    private static Gen<DnsClass> Class() =>
        Gen.Frequency((8, Gen.Const(DnsClass.IN)), (1, Gen.OneOf(DnsClass.CH, DnsClass.HS, DnsClass.None, DnsClass.ANY)),
            (1, Gen.UShort.Select(c => (DnsClass)c)));

    // RFC 6891 §6.1.2-§6.1.3; the extended RCODE is filled in by Build from the message's response code.
    private static Gen<DnsEdns> Edns()
    {
        var sizes = Gen.Frequency((3, Gen.OneOf<ushort>(512, 1232, 4096)), (1, Gen.UShort));
        var versions = Gen.Frequency((6, Gen.Const((byte)0)), (1, Gen.Byte));
        var optionLists = Option().List[Gen.Frequency((3, Gen.Const(0)), (4, Gen.Int[1, 2]), (1, Gen.Int[3, 6]))];
        return Gen.Select(sizes, versions, Gen.Bool, optionLists,
            (size, version, dnssecOk, options) => new DnsEdns { UdpPayloadSize = size, Version = version, DnssecOk = dnssecOk, Options = options });
    }

    // RFC 7871 (ECS, 8), RFC 5001 (NSID, 3), RFC 7873 §4 (cookie, 10: 8 client octets, then none or 8-32 server
    // octets), RFC 7830 (padding, 12: zeros), and codes ARSoft.Tools.Net does not model.
    private static Gen<EdnsOption> Option() => Gen.Frequency(
        (3, ClientSubnetData().Select(data => new EdnsOption(EdnsClientSubnet.OptionCode, data))),
        (1, DnsNameGenerators.Bytes(Gen.Int[0, 20]).Select(data => new EdnsOption(3, data))),
        (1, DnsNameGenerators.Bytes(Gen.Frequency((1, Gen.Const(8)), (2, Gen.Int[16, 40]))).Select(data => new EdnsOption(10, data))),
        (1, Gen.Int[0, 40].Select(n => new EdnsOption(12, new byte[n]))),
        (3, Gen.Select(Gen.OneOf(DnsGeneratorProfile.UnknownOptionCodes), DnsNameGenerators.Bytes(Gen.Int[0, 40]), (code, data) => new EdnsOption(code, data))));

    private static byte[] ClientSubnet(bool ipv6, byte source, byte scope, byte[] address)
    {
        int significant = (source + 7) / 8;
        var data = new byte[4 + significant];
        BinaryPrimitives.WriteUInt16BigEndian(data, ipv6 ? EdnsClientSubnet.FamilyIPv6 : EdnsClientSubnet.FamilyIPv4);
        data[2] = source;
        data[3] = scope;
        address.AsSpan(0, significant).CopyTo(data.AsSpan(4));
        if (source % 8 != 0)
        {
            data[^1] &= (byte)(0xFF << (8 - source % 8));
        }

        return data;
    }

    private static DnsMessage Build(ushort id, byte flags, int opCode, List<DnsQuestion> questions, List<DnsRecord> answers,
        List<DnsRecord> authorities, List<DnsRecord> additionals, DnsEdns? edns, int responseCode)
    {
        var message = new DnsMessage
        {
            Id = id,
            IsResponse = (flags & 0x01) != 0,
            IsAuthoritative = (flags & 0x02) != 0,
            IsTruncated = (flags & 0x04) != 0,
            RecursionDesired = (flags & 0x08) != 0,
            RecursionAvailable = (flags & 0x10) != 0,
            AuthenticData = (flags & 0x20) != 0,
            CheckingDisabled = (flags & 0x40) != 0,
            OpCode = (DnsOpCode)opCode,
            ResponseCode = (DnsResponseCode)responseCode,
            Edns = edns is null ? null : new DnsEdns
            {
                UdpPayloadSize = edns.UdpPayloadSize,
                ExtendedResponseCode = (byte)(responseCode >> 4),
                Version = edns.Version,
                DnssecOk = edns.DnssecOk,
                Options = edns.Options,
            },
        };
        message.Questions.AddRange(questions);
        message.Answers.AddRange(answers);
        message.Authorities.AddRange(authorities);
        message.Additionals.AddRange(additionals);
        return message;
    }

    private static bool Fits(DnsMessage message, int maxLength)
    {
        if (UncompressedLength(message) <= maxLength)
        {
            return true;
        }

        var buffer = t_buffer ??= new byte[DnsLimits.MaxMessageLength];
        return message.TryWrite(buffer, out int written) && written <= maxLength;
    }

    /// <summary>
    /// The length of the message with no name compressed (RFC 1035 §4.1: header, questions, records; RFC 6891 §6.1.2:
    /// OPT), an upper bound of what any writer produces, computed without writing.
    /// </summary>
    public static int UncompressedLength(DnsMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        int length = DnsLimits.HeaderLength + message.Questions.Sum(q => q.Name.WireLength + 4);
        foreach (var record in message.Answers.Concat(message.Authorities).Concat(message.Additionals))
        {
            length += record.Name.WireLength + 10 + record.Data switch
            {
                AddressRecordData a => a.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 4 : 16,
                NameRecordData n => n.Target.WireLength,
                MxRecordData mx => 2 + mx.Exchange.WireLength,
                SrvRecordData srv => 6 + srv.Target.WireLength,
                SoaRecordData soa => soa.PrimaryServer.WireLength + soa.ResponsibleMailbox.WireLength + 20,
                TxtRecordData txt => txt.Strings.Sum(s => 1 + s.Length),
                UnknownRecordData unknown => unknown.Data.Length,
                var other => throw new ArgumentException($"No length for {other.GetType().Name}.", nameof(message)),
            };
        }

        return length + (message.Edns is { } edns ? 11 + edns.Options.Sum(o => 4 + o.Data.Length) : 0);
    }
}
