using System.Text;
using ARSoft.Tools.Net;
using Ar = ARSoft.Tools.Net.Dns;

namespace Router.Dns.Tests.Differential;

/// <summary>
/// Builds, with ARSoft.Tools.Net's public API only, the ARSoft.Tools.Net message that carries the same content as a
/// Router.Dns model, for ARSoft.Tools.Net to encode. The model must fit <see cref="Generators.DnsGeneratorProfile.ArsoftToRouter"/>.
/// </summary>
internal static class ArsoftMessageBuilder
{
    /// <summary>
    /// The ARSoft.Tools.Net message for <paramref name="message"/>; its OPT record, if any, goes at
    /// <paramref name="optIndex"/> (modulo the additional count) of the additional section, which RFC 6891 §6.1.1 allows.
    /// </summary>
    public static Ar.DnsMessage Build(DnsMessage message, int optIndex)
    {
        ArgumentNullException.ThrowIfNull(message);
        var result = new Ar.DnsMessage
        {
            TransactionID = message.Id,
            IsQuery = !message.IsResponse,
            OperationCode = (Ar.OperationCode)(int)message.OpCode,
            IsAuthoritiveAnswer = message.IsAuthoritative,
            IsTruncated = message.IsTruncated,
            IsRecursionDesired = message.RecursionDesired,
            IsRecursionAllowed = message.RecursionAvailable,
            IsAuthenticData = message.AuthenticData,
            IsCheckingDisabled = message.CheckingDisabled,
        };
        result.Questions.AddRange(message.Questions.Select(q => new Ar.DnsQuestion(Name(q.Name), (Ar.RecordType)(ushort)q.Type, (Ar.RecordClass)(ushort)q.Class)));
        result.AnswerRecords.AddRange(message.Answers.Select(Record));
        result.AuthorityRecords.AddRange(message.Authorities.Select(Record));
        result.AdditionalRecords.AddRange(message.Additionals.Select(Record));

        int code = (int)message.ResponseCode;
        if (message.Edns is not { } edns)
        {
            result.ReturnCode = (Ar.ReturnCode)code;
            return result;
        }

        var opt = new Ar.OptRecord(edns.UdpPayloadSize, [.. edns.Options.Select(Option)]);
        if (edns.DnssecOk)
        {
            // Only ever set to true: setting false clears the version and extended RCODE too (KnownDisagreementsTests).
            opt.IsDnsSecOk = true;
        }

        opt.Version = edns.Version;
        result.AdditionalRecords.Insert(optIndex % (result.AdditionalRecords.Count + 1), opt);

        // The low 4 bits through the message (whose setter zeroes the OPT's extended RCODE), then the upper 8 bits with
        // the low 4 cleared: ARSoft.Tools.Net shifts the whole value it is given into the OPT TTL, so low bits would land
        // in VERSION (KnownDisagreementsTests).
        result.ReturnCode = (Ar.ReturnCode)(code & 0xF);
        opt.ExtendedReturnCode = (Ar.ReturnCode)(code & 0xFF0);
        return result;
    }

    /// <summary>ARSoft.Tools.Net's name for a wire-form name whose octets are ASCII.</summary>
    public static DomainName Name(DnsName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var labels = new List<string>();
        ReadOnlySpan<byte> wire = name.Wire;
        for (int position = 0; wire[position] != 0; position += wire[position] + 1)
        {
            labels.Add(Ascii(wire.Slice(position + 1, wire[position])));
        }

        return new DomainName([.. labels]);
    }

    private static Ar.DnsRecordBase Record(DnsRecord record)
    {
        var owner = Name(record.Name);
        int ttl = unchecked((int)record.Ttl);
        if (record.Data is not UnknownRecordData && record.Class != DnsClass.IN)
        {
            throw new ArgumentException($"ARSoft.Tools.Net builds {record.Type} records in class IN only.", nameof(record));
        }

        return record.Data switch
        {
            AddressRecordData a when record.Type == DnsRecordType.A => new Ar.ARecord(owner, ttl, a.Address),
            AddressRecordData a => new Ar.AaaaRecord(owner, ttl, a.Address),
            NameRecordData n when n.Type == DnsRecordType.CNAME => new Ar.CNameRecord(owner, ttl, Name(n.Target)),
            NameRecordData n when n.Type == DnsRecordType.NS => new Ar.NsRecord(owner, ttl, Name(n.Target)),
            NameRecordData n => new Ar.PtrRecord(owner, ttl, Name(n.Target)),
            MxRecordData mx => new Ar.MxRecord(owner, ttl, mx.Preference, Name(mx.Exchange)),
            SrvRecordData srv => new Ar.SrvRecord(owner, ttl, srv.Priority, srv.Weight, srv.Port, Name(srv.Target)),
            SoaRecordData soa => new Ar.SoaRecord(owner, ttl, Name(soa.PrimaryServer), Name(soa.ResponsibleMailbox), soa.Serial,
                unchecked((int)soa.Refresh), unchecked((int)soa.Retry), unchecked((int)soa.Expire), unchecked((int)soa.Minimum)),
            TxtRecordData txt => new Ar.TxtRecord(owner, ttl, txt.Strings.Select(s => Ascii(s))),
            UnknownRecordData unknown => new Ar.UnknownRecord(owner, (Ar.RecordType)(ushort)record.Type,
                (Ar.RecordClass)(ushort)record.Class, ttl, unknown.Data.ToArray()),
            _ => throw new ArgumentException($"No ARSoft.Tools.Net record for {record.Data.GetType().Name}.", nameof(record)),
        };
    }

    private static Ar.EDnsOptionBase Option(EdnsOption option) => option.Code switch
    {
        EdnsClientSubnet.OptionCode when EdnsClientSubnet.TryParse(option.Data, out var subnet) =>
            new Ar.ClientSubnetOption(subnet.SourcePrefixLength, subnet.ScopePrefixLength, subnet.Address.ToIPAddress()),
        3 => new Ar.NsIdOption(option.Data),
        10 => new Ar.CookieOption(option.Data[..8], option.Data[8..]),
        12 => new Ar.PaddingOption(option.Data),
        _ => new Ar.UnknownOption((Ar.EDnsOptionType)option.Code, option.Data),
    };

    private static string Ascii(ReadOnlySpan<byte> octets) => octets.ContainsAnyInRange((byte)0x80, (byte)0xFF)
        ? throw new ArgumentException("ARSoft.Tools.Net holds labels and character-strings as ASCII only.", nameof(octets))
        : Encoding.ASCII.GetString(octets);
}
