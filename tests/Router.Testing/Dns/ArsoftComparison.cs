using System.Globalization;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using Router.Dns;
using Ar = ARSoft.Tools.Net.Dns;

namespace Router.Testing.Dns;

/// <summary>
/// Compares Router.Dns's model of a message with ARSoft.Tools.Net's, field by field: the header (ID, flags, opcode,
/// the full response code), every section (owner names case-insensitively as RFC 4343 §3 says, types, classes, TTLs,
/// RDATA per type), the OPT record (UDP payload size, extended RCODE, version, DO, every option in order) and the
/// Client Subnet option (family, source and scope prefix lengths, address).
/// </summary>
/// <remarks>
/// ARSoft.Tools.Net holds labels and character-strings as .NET strings decoded as ASCII, so an octet above 0x7F reads
/// as '?'. That is ARSoft's limitation (RFC 2181 §11: a label is any binary string), demonstrated by
/// <c>KnownDisagreementsTests</c>; here such an octet on Router.Dns's side matches a '?' on ARSoft's, and nothing else
/// is forgiven. Types that ARSoft.Tools.Net models and Router.Dns keeps as octets (HINFO, TSIG, ...) are compared by
/// owner, type, class and TTL only; options ARSoft models other than ECS, NSID, cookies and padding are compared by
/// code only.
/// </remarks>
public static class ArsoftComparison
{
    /// <summary>Returns <see langword="null"/> when both read the same content, else the first difference found.</summary>
    public static string? FindDifference(DnsMessage ours, Ar.DnsMessage theirs)
    {
        ArgumentNullException.ThrowIfNull(ours);
        ArgumentNullException.ThrowIfNull(theirs);
        var theirAdditionals = theirs.AdditionalRecords.Where(r => r is not Ar.OptRecord).ToList();
        if (theirs.TSigOptions is not null)
        {
            theirAdditionals.Add(theirs.TSigOptions);
        }

        return HeaderDifference(ours, theirs)
            ?? QuestionsDifference(ours.Questions, theirs.Questions)
            ?? SectionDifference("answer", ours.Answers, theirs.AnswerRecords)
            ?? SectionDifference("authority", ours.Authorities, theirs.AuthorityRecords)
            ?? SectionDifference("additional", ours.Additionals, theirAdditionals)
            ?? EdnsDifference(ours.Edns, [.. theirs.AdditionalRecords.OfType<Ar.OptRecord>()]);
    }

    /// <summary>
    /// Whether a wire-form name and ARSoft's labels are the same name: same labels in the same order, ASCII letters
    /// compared case-insensitively (RFC 4343 §3), an octet above 0x7F matching ARSoft's '?'.
    /// </summary>
    public static bool NamesAgree(DnsName ours, DomainName theirs)
    {
        ArgumentNullException.ThrowIfNull(ours);
        ArgumentNullException.ThrowIfNull(theirs);
        ReadOnlySpan<byte> wire = ours.Wire;
        int position = 0;
        foreach (string label in theirs.Labels)
        {
            int length = wire[position];
            if (length == 0 || !TextAgrees(wire.Slice(position + 1, length), label, ignoreCase: true))
            {
                return false;
            }

            position += length + 1;
        }

        return wire[position] == 0;
    }

    /// <summary>
    /// Whether octets and ARSoft's string for them agree: same length, same octets (ASCII letters case-insensitively
    /// with <paramref name="ignoreCase"/>), an octet above 0x7F matching '?'.
    /// </summary>
    public static bool TextAgrees(ReadOnlySpan<byte> ours, string theirs, bool ignoreCase)
    {
        ArgumentNullException.ThrowIfNull(theirs);
        if (ours.Length != theirs.Length)
        {
            return false;
        }

        for (int i = 0; i < ours.Length; i++)
        {
            byte b = ours[i];
            char c = theirs[i];
            bool same = b >= 0x80
                ? c == '?'
                : ignoreCase ? AsciiLower(b) == AsciiLower(c) : b == c;
            if (!same)
            {
                return false;
            }
        }

        return true;
    }

    private static string? HeaderDifference(DnsMessage ours, Ar.DnsMessage theirs)
    {
        (string Field, object Ours, object Theirs)[] fields =
        [
            ("ID", ours.Id, theirs.TransactionID),
            ("QR", ours.IsResponse, !theirs.IsQuery),
            ("OPCODE", (int)ours.OpCode, (int)theirs.OperationCode),
            ("AA", ours.IsAuthoritative, theirs.IsAuthoritiveAnswer),
            ("TC", ours.IsTruncated, theirs.IsTruncated),
            ("RD", ours.RecursionDesired, theirs.IsRecursionDesired),
            ("RA", ours.RecursionAvailable, theirs.IsRecursionAllowed),
            ("AD", ours.AuthenticData, theirs.IsAuthenticData),
            ("CD", ours.CheckingDisabled, theirs.IsCheckingDisabled),
            ("RCODE (with the OPT record's upper bits)", (int)ours.ResponseCode, (int)theirs.ReturnCode),
        ];
        foreach (var (field, x, y) in fields)
        {
            if (!x.Equals(y))
            {
                return $"header {field}: Router.Dns {x}, ARSoft {y}";
            }
        }

        return null;
    }

    private static string? QuestionsDifference(List<DnsQuestion> ours, List<Ar.DnsQuestion> theirs)
    {
        if (ours.Count != theirs.Count)
        {
            return $"question count: Router.Dns {ours.Count}, ARSoft {theirs.Count}";
        }

        for (int i = 0; i < ours.Count; i++)
        {
            var (x, y) = (ours[i], theirs[i]);
            if (!NamesAgree(x.Name, y.Name) || (ushort)x.Type != (ushort)y.RecordType || (ushort)x.Class != (ushort)y.RecordClass)
            {
                return $"question {i}: Router.Dns '{x.Name} {(ushort)x.Class} {(ushort)x.Type}', " +
                       $"ARSoft '{y.Name} {(ushort)y.RecordClass} {(ushort)y.RecordType}'";
            }
        }

        return null;
    }

    private static string? SectionDifference(string section, List<DnsRecord> ours, List<Ar.DnsRecordBase> theirs)
    {
        if (ours.Count != theirs.Count)
        {
            return $"{section} section: Router.Dns {ours.Count} records, ARSoft {theirs.Count}";
        }

        for (int i = 0; i < ours.Count; i++)
        {
            var (x, y) = (ours[i], theirs[i]);
            string? difference =
                !NamesAgree(x.Name, y.Name) ? "owner name" :
                (ushort)x.Type != (ushort)y.RecordType ? "type" :
                (ushort)x.Class != (ushort)y.RecordClass ? "class" :
                x.Ttl != unchecked((uint)y.TimeToLive) ? "TTL" :
                DataDifference(x.Data, y);
            if (difference is not null)
            {
                return $"{section} record {i}, {difference}: Router.Dns '{x}', ARSoft '{y}'";
            }
        }

        return null;
    }

    // RFC 1035 §3.3 and §3.4, RFC 3596 §2.2 (AAAA), RFC 2782 (SRV), RFC 3597 (unknown types as octets).
    private static string? DataDifference(DnsRecordData ours, Ar.DnsRecordBase theirs) => (ours, theirs) switch
    {
        (AddressRecordData x, Ar.AddressRecordBase y) => Same(x.Address.Equals(y.Address), "address"),
        (NameRecordData x, Ar.CNameRecord y) => Same(NamesAgree(x.Target, y.CanonicalName), "CNAME target"),
        (NameRecordData x, Ar.NsRecord y) => Same(NamesAgree(x.Target, y.NameServer), "NS name"),
        (NameRecordData x, Ar.PtrRecord y) => Same(NamesAgree(x.Target, y.PointerDomainName), "PTR name"),
        (MxRecordData x, Ar.MxRecord y) =>
            Same(x.Preference == y.Preference && NamesAgree(x.Exchange, y.ExchangeDomainName), "MX data"),
        (SrvRecordData x, Ar.SrvRecord y) =>
            Same(x.Priority == y.Priority && x.Weight == y.Weight && x.Port == y.Port && NamesAgree(x.Target, y.Target), "SRV data"),
        (SoaRecordData x, Ar.SoaRecord y) =>
            Same(NamesAgree(x.PrimaryServer, y.MasterName) && NamesAgree(x.ResponsibleMailbox, y.ResponsibleName) &&
                 x.Serial == y.SerialNumber && x.Refresh == unchecked((uint)y.RefreshInterval) &&
                 x.Retry == unchecked((uint)y.RetryInterval) && x.Expire == unchecked((uint)y.ExpireInterval) &&
                 x.Minimum == unchecked((uint)y.NegativeCachingTTL), "SOA data"),
        (TxtRecordData x, Ar.TextRecordBase y) => Same(StringsAgree(x.Strings, [.. y.TextParts]), "TXT strings"),
        (UnknownRecordData x, Ar.UnknownRecord y) => Same(x.Data.Span.SequenceEqual(y.RecordData), "RDATA octets"),
        // A type ARSoft models and Router.Dns keeps as octets (RFC 3597 §5): nothing shared to compare the data by.
        (UnknownRecordData, _) => null,
        _ => $"data of different shapes ({ours.GetType().Name} / {theirs.GetType().Name})",
    };

    private static string? EdnsDifference(DnsEdns? ours, List<Ar.OptRecord> theirs)
    {
        if (theirs.Count > 1)
        {
            return $"ARSoft read {theirs.Count} OPT records (RFC 6891 §6.1.1 allows one)";
        }

        if (ours is null || theirs.Count == 0)
        {
            return ours is null && theirs.Count == 0 ? null : $"OPT presence: Router.Dns {ours is not null}, ARSoft {theirs.Count == 1}";
        }

        var opt = theirs[0];
        (string Field, object Ours, object Theirs)[] fields =
        [
            ("owner (root)", true, opt.Name.LabelCount == 0),
            ("UDP payload size", ours.UdpPayloadSize, opt.UdpPayloadSize),
            ("extended RCODE", (int)ours.ExtendedResponseCode, (int)opt.ExtendedReturnCode >> 4),
            ("version", ours.Version, opt.Version),
            ("DO", ours.DnssecOk, opt.IsDnsSecOk),
            ("option count", ours.Options.Count, opt.Options.Count),
        ];
        foreach (var (field, x, y) in fields)
        {
            if (!x.Equals(y))
            {
                return $"OPT {field}: Router.Dns {x}, ARSoft {y}";
            }
        }

        for (int i = 0; i < ours.Options.Count; i++)
        {
            var (x, y) = (ours.Options[i], opt.Options[i]);
            string? difference = x.Code != (ushort)y.Type ? $"code {x.Code} vs {(ushort)y.Type}" : OptionDifference(x.Data, y);
            if (difference is not null)
            {
                return $"OPT option {i}: {difference} (Router.Dns data {Convert.ToHexString(x.Data)})";
            }
        }

        return null;
    }

    // RFC 6891 §6.1.2; RFC 7871 §6 (ECS), RFC 5001 (NSID), RFC 7873 §4 (cookies), RFC 7830 (padding).
    private static string? OptionDifference(byte[] ours, Ar.EDnsOptionBase theirs) => theirs switch
    {
        Ar.ClientSubnetOption ecs => ClientSubnetDifference(ours, ecs),
        Ar.UnknownOption unknown => Same(ours.AsSpan().SequenceEqual(unknown.Data), "data"),
        Ar.NsIdOption nsid => Same(ours.AsSpan().SequenceEqual(nsid.Payload), "NSID payload"),
        Ar.PaddingOption padding => Same(ours.AsSpan().SequenceEqual(padding.Padding), "padding"),
        Ar.CookieOption cookie => Same(ours.AsSpan().SequenceEqual([.. cookie.ClientCookie, .. cookie.ServerCookie]), "cookies"),
        _ => null,
    };

    private static string? ClientSubnetDifference(byte[] ours, Ar.ClientSubnetOption theirs)
    {
        if (!EdnsClientSubnet.TryParse(ours, out var subnet))
        {
            return "Router.Dns kept a Client Subnet option it cannot read";
        }

        Span<byte> address = stackalloc byte[16];
        int length = subnet.Address.WriteBytes(address);
        int theirFamily = theirs.Family == AddressFamily.InterNetwork ? EdnsClientSubnet.FamilyIPv4 : EdnsClientSubnet.FamilyIPv6;
        return subnet.Family != theirFamily ? $"ECS family {subnet.Family} vs {theirFamily}"
            : subnet.SourcePrefixLength != theirs.SourceNetmask ? $"ECS source prefix {subnet.SourcePrefixLength} vs {theirs.SourceNetmask}"
            : subnet.ScopePrefixLength != theirs.ScopeNetmask ? $"ECS scope prefix {subnet.ScopePrefixLength} vs {theirs.ScopeNetmask}"
            : !address[..length].SequenceEqual(theirs.Address.GetAddressBytes()) ? $"ECS address {subnet.Address} vs {theirs.Address}"
            : null;
    }

    private static bool StringsAgree(IReadOnlyList<byte[]> ours, string[] theirs)
    {
        if (ours.Count != theirs.Length)
        {
            return false;
        }

        for (int i = 0; i < ours.Count; i++)
        {
            if (!TextAgrees(ours[i], theirs[i], ignoreCase: false))
            {
                return false;
            }
        }

        return true;
    }

    private static string? Same(bool same, string what) =>
        same ? null : string.Create(CultureInfo.InvariantCulture, $"{what} differ");

    private static int AsciiLower(int c) => (uint)(c - 'A') <= 'Z' - 'A' ? c | 0x20 : c;
}
