namespace Router.Dns;

/// <summary>DNS operation codes (RFC 1035 §4.1.1, RFC 6895 §2.2).</summary>
public enum DnsOpCode : byte
{
    Query = 0,
    InverseQuery = 1,
    Status = 2,
    Notify = 4,
    Update = 5,
}

/// <summary>
/// DNS response codes (RFC 1035 §4.1.1, RFC 6891 §6.1.3). Values above 15 only exist as extended codes whose upper
/// 8 bits travel in the OPT record.
/// </summary>
public enum DnsResponseCode : ushort
{
    NoError = 0,
    FormatError = 1,
    ServerFailure = 2,
    NameError = 3,
    NotImplemented = 4,
    Refused = 5,
    YXDomain = 6,
    YXRRSet = 7,
    NXRRSet = 8,
    NotAuth = 9,
    NotZone = 10,
    /// <summary>BADVERS: the query's EDNS version is not supported (RFC 6891 §6.1.3).</summary>
    BadVersion = 16,
}

/// <summary>Resource record types this codec understands; any other value is carried as unknown data (RFC 3597).</summary>
public enum DnsRecordType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    HINFO = 13,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    SRV = 33,
    OPT = 41,
    IXFR = 251,
    AXFR = 252,
    ANY = 255,
}

/// <summary>DNS classes (RFC 1035 §3.2.4).</summary>
public enum DnsClass : ushort
{
    IN = 1,
    CH = 3,
    HS = 4,
    None = 254,
    ANY = 255,
}

/// <summary>
/// Why a message, or a part of one, could not be read. The single error vocabulary of the codec: a listener decides
/// FORMERR versus drop from it (see <see cref="DnsParseErrorExtensions.HeaderWasReadable"/>).
/// </summary>
public enum DnsParseError : byte
{
    None = 0,
    /// <summary>The data ends before the field or record it announced (counts versus data, RDLENGTH past the end).</summary>
    Truncated,
    /// <summary>A label is longer than 63 octets (RFC 1035 §2.3.4).</summary>
    LabelTooLong,
    /// <summary>A name is longer than 255 octets in wire form (RFC 1035 §2.3.4).</summary>
    NameTooLong,
    /// <summary>A compression pointer does not point strictly backwards to the start of an earlier label (RFC 1035 §4.1.4).</summary>
    BadPointer,
    /// <summary>Compression pointers form a loop, or a pointer points at another pointer.</summary>
    PointerLoop,
    /// <summary>A label starts with the reserved bit patterns 01 or 10 (RFC 6891 §5 retired extended labels).</summary>
    ReservedLabelType,
    /// <summary>Record data does not have the shape its type requires (an A record that is not 4 octets long...).</summary>
    InvalidRecordData,
    /// <summary>An OPT record is misplaced, duplicated, not owned by the root or holds malformed options (RFC 6891 §6.1.1).</summary>
    InvalidOpt,
    /// <summary>Octets remain after the last record the header announced.</summary>
    TrailingData,
    /// <summary>The message is a query this server does not accept in this shape (no question, several questions, QR set).</summary>
    InvalidQuery,
}

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
