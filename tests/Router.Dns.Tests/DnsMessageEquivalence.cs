namespace Router.Dns.Tests;

/// <summary>
/// Compares two <see cref="DnsMessage"/> models field by field. Record data classes do not define equality, so data
/// is compared by shape: addresses, names (case-insensitively, as DNS compares them), numbers and octets.
/// </summary>
internal static class DnsMessageEquivalence
{
    /// <summary>Returns <see langword="null"/> when the messages are equivalent, else the first difference found.</summary>
    public static string? FindDifference(DnsMessage expected, DnsMessage actual)
    {
        if (expected.Id != actual.Id || expected.IsResponse != actual.IsResponse || expected.OpCode != actual.OpCode ||
            expected.IsAuthoritative != actual.IsAuthoritative || expected.IsTruncated != actual.IsTruncated ||
            expected.RecursionDesired != actual.RecursionDesired || expected.RecursionAvailable != actual.RecursionAvailable ||
            expected.CheckingDisabled != actual.CheckingDisabled || expected.AuthenticData != actual.AuthenticData ||
            expected.ResponseCode != actual.ResponseCode)
        {
            return "header fields differ";
        }

        if (!expected.Questions.SequenceEqual(actual.Questions))
        {
            return "questions differ";
        }

        return FindDifference("answer", expected.Answers, actual.Answers)
            ?? FindDifference("authority", expected.Authorities, actual.Authorities)
            ?? FindDifference("additional", expected.Additionals, actual.Additionals)
            ?? FindDifference(expected.Edns, actual.Edns);
    }

    /// <summary>Fails with the first difference when the messages are not equivalent.</summary>
    public static void AssertEquivalent(DnsMessage expected, DnsMessage actual)
    {
        string? difference = FindDifference(expected, actual);
        Assert.True(difference is null, difference);
    }

    /// <summary>Whether two RDATA values carry the same data.</summary>
    public static bool DataEquivalent(DnsRecordData expected, DnsRecordData actual) => (expected, actual) switch
    {
        (AddressRecordData x, AddressRecordData y) => x.Address.Equals(y.Address),
        (NameRecordData x, NameRecordData y) => x.Type == y.Type && x.Target == y.Target,
        (MxRecordData x, MxRecordData y) => x.Preference == y.Preference && x.Exchange == y.Exchange,
        (SrvRecordData x, SrvRecordData y) => x.Priority == y.Priority && x.Weight == y.Weight && x.Port == y.Port && x.Target == y.Target,
        (SoaRecordData x, SoaRecordData y) => x.PrimaryServer == y.PrimaryServer && x.ResponsibleMailbox == y.ResponsibleMailbox &&
            x.Serial == y.Serial && x.Refresh == y.Refresh && x.Retry == y.Retry && x.Expire == y.Expire && x.Minimum == y.Minimum,
        (TxtRecordData x, TxtRecordData y) => x.Strings.Count == y.Strings.Count &&
            x.Strings.Zip(y.Strings).All(pair => pair.First.AsSpan().SequenceEqual(pair.Second)),
        (UnknownRecordData x, UnknownRecordData y) => x.Data.Span.SequenceEqual(y.Data.Span),
        _ => false,
    };

    private static string? FindDifference(string section, List<DnsRecord> expected, List<DnsRecord> actual)
    {
        if (expected.Count != actual.Count)
        {
            return $"{section} section has {actual.Count} records, expected {expected.Count}";
        }

        for (int i = 0; i < expected.Count; i++)
        {
            DnsRecord x = expected[i];
            DnsRecord y = actual[i];
            if (x.Name != y.Name || x.Type != y.Type || x.Class != y.Class || x.Ttl != y.Ttl || !DataEquivalent(x.Data, y.Data))
            {
                return $"{section} record {i} differs: expected '{x}', got '{y}'";
            }
        }

        return null;
    }

    private static string? FindDifference(DnsEdns? expected, DnsEdns? actual)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null ? null : "EDNS presence differs";
        }

        if (expected.UdpPayloadSize != actual.UdpPayloadSize || expected.ExtendedResponseCode != actual.ExtendedResponseCode ||
            expected.Version != actual.Version || expected.DnssecOk != actual.DnssecOk || expected.Options.Count != actual.Options.Count)
        {
            return "EDNS fields differ";
        }

        for (int i = 0; i < expected.Options.Count; i++)
        {
            if (expected.Options[i].Code != actual.Options[i].Code || !expected.Options[i].Data.AsSpan().SequenceEqual(actual.Options[i].Data))
            {
                return $"EDNS option {i} differs";
            }
        }

        return null;
    }
}
