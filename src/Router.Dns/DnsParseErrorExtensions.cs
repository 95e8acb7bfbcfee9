namespace Router.Dns;

/// <summary>Helpers on <see cref="DnsParseError"/>.</summary>
public static class DnsParseErrorExtensions
{
    /// <summary>Gives a short, human-readable description of the error for logs and error messages.</summary>
    public static string Describe(this DnsParseError error) => error switch
    {
        DnsParseError.None => "no error",
        DnsParseError.Truncated => "data ends early",
        DnsParseError.LabelTooLong => "label longer than 63 octets",
        DnsParseError.NameTooLong => "name longer than 255 octets",
        DnsParseError.BadPointer => "compression pointer does not point backwards",
        DnsParseError.PointerLoop => "compression pointer loop",
        DnsParseError.ReservedLabelType => "reserved label type",
        DnsParseError.InvalidRecordData => "invalid record data",
        DnsParseError.InvalidOpt => "invalid OPT record",
        DnsParseError.TrailingData => "trailing data after the last record",
        DnsParseError.InvalidQuery => "not a valid query",
        _ => "unknown error",
    };

    /// <summary>
    /// Whether a message that failed with <paramref name="error"/> had a readable 12-octet header. A listener answers
    /// FORMERR to such a message and drops anything shorter.
    /// </summary>
    public static bool HeaderWasReadable(this DnsParseError error, int messageLength) =>
        error != DnsParseError.None && messageLength >= DnsLimits.HeaderLength;
}
