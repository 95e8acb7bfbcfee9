namespace Router.Dns;

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
