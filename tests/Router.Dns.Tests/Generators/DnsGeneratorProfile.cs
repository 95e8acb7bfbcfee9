using Ar = ARSoft.Tools.Net.Dns;

namespace Router.Dns.Tests.Generators;

/// <summary>
/// What the message generators (<see cref="DnsMessageGenerators"/>) may produce. Each restriction of the ARSoft
/// profiles names the documented disagreement or limitation it steps around, so the differential tests compare what
/// both implementations are meant to agree on.
/// </summary>
/// <param name="AnyOctets">
/// Labels and character-strings may hold any octet (RFC 2181 §11). Without it they stay ASCII: ARSoft.Tools.Net holds
/// them as ASCII strings and cannot build others (KnownDisagreementsTests: non-ASCII octets read as '?').
/// </param>
/// <param name="MaxLabels">
/// The most labels in one name. 127 one-octet labels make a valid 255-octet name; ARSoft.Tools.Net reads at most 126
/// labels and pointers together (KnownDisagreementsTests), so the ARSoft profiles stay at 63: with at most one pointer
/// per label, that is 127 steps.
/// </param>
/// <param name="TypedRecordsInClassIn">
/// Records of the types Router.Dns models are in class IN: ARSoft.Tools.Net's public constructors for them fix IN.
/// </param>
/// <param name="UnknownTypesArsoftDoesNotModel">
/// Unknown types are drawn from those ARSoft.Tools.Net does not model either, so both keep their RDATA as octets and
/// can be compared octet for octet (RFC 3597).
/// </param>
/// <param name="MaxMessageLength">
/// The longest encoded message. ARSoft.Tools.Net writes compression pointers to offsets above 0x3FFF, which 14 bits
/// cannot hold (KnownDisagreementsTests), so what it encodes stays below 16 KiB.
/// </param>
/// <param name="EmptyCharacterStrings">
/// TXT records may hold empty character-strings (RFC 1035 §3.3). ARSoft.Tools.Net sizes its buffer without their
/// length octets and can fail to encode them (KnownDisagreementsTests), so what it encodes has none.
/// </param>
internal sealed record DnsGeneratorProfile(
    bool AnyOctets,
    int MaxLabels,
    bool TypedRecordsInClassIn,
    bool UnknownTypesArsoftDoesNotModel,
    int MaxMessageLength,
    bool EmptyCharacterStrings)
{
    /// <summary>Router.Dns writes and reads: everything the codec supports.</summary>
    public static DnsGeneratorProfile RoundTrip { get; } = new(AnyOctets: true, MaxLabels: 127, TypedRecordsInClassIn: false,
        UnknownTypesArsoftDoesNotModel: false, MaxMessageLength: DnsLimits.MaxMessageLength, EmptyCharacterStrings: true);

    /// <summary>Router.Dns writes, ARSoft.Tools.Net reads.</summary>
    public static DnsGeneratorProfile RouterToArsoft { get; } = new(AnyOctets: true, MaxLabels: 63, TypedRecordsInClassIn: false,
        UnknownTypesArsoftDoesNotModel: true, MaxMessageLength: DnsLimits.MaxMessageLength, EmptyCharacterStrings: true);

    /// <summary>ARSoft.Tools.Net builds and writes, Router.Dns reads.</summary>
    public static DnsGeneratorProfile ArsoftToRouter { get; } = new(AnyOctets: false, MaxLabels: 63, TypedRecordsInClassIn: true,
        UnknownTypesArsoftDoesNotModel: true, MaxMessageLength: DnsLimits.MaxCompressionOffset, EmptyCharacterStrings: false);

    /// <summary>The types Router.Dns reads into a model of their own (RFC 1035 §3.3, RFC 3596, RFC 2782).</summary>
    public static IReadOnlySet<ushort> ModeledTypes { get; } = new HashSet<ushort>(
        new[] { DnsRecordType.A, DnsRecordType.NS, DnsRecordType.CNAME, DnsRecordType.SOA, DnsRecordType.PTR, DnsRecordType.MX,
            DnsRecordType.TXT, DnsRecordType.AAAA, DnsRecordType.SRV, DnsRecordType.OPT }.Select(t => (ushort)t));

    /// <summary>The types this profile generates as unknown data (RFC 3597).</summary>
    public ushort[] UnknownTypes => UnknownTypesArsoftDoesNotModel ? UnknownToBoth : UnknownToRouter;

    private static readonly ushort[] UnknownToRouter =
        [.. Enumerable.Range(0, 65536).Select(t => (ushort)t).Where(t => !ModeledTypes.Contains(t))];

    private static readonly ushort[] UnknownToBoth =
        [.. UnknownToRouter.Where(t => !Enum.IsDefined((Ar.RecordType)t))];

    /// <summary>EDNS option codes that ARSoft.Tools.Net reads as raw data, as Router.Dns does (RFC 6891 §6.1.2).</summary>
    public static ushort[] UnknownOptionCodes { get; } =
        [.. Enumerable.Range(0, 65536).Select(c => (ushort)c).Where(c => !Enum.IsDefined((Ar.EDnsOptionType)c))];
}
