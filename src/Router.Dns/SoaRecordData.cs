using System.Globalization;

namespace Router.Dns;

/// <summary>SOA data (RFC 1035 §3.3.13).</summary>
public sealed class SoaRecordData(DnsName primaryServer, DnsName responsibleMailbox, uint serial, uint refresh, uint retry, uint expire, uint minimum)
    : DnsRecordData
{
    public DnsName PrimaryServer { get; } = primaryServer ?? throw new ArgumentNullException(nameof(primaryServer));

    public DnsName ResponsibleMailbox { get; } = responsibleMailbox ?? throw new ArgumentNullException(nameof(responsibleMailbox));

    public uint Serial { get; } = serial;

    public uint Refresh { get; } = refresh;

    public uint Retry { get; } = retry;

    public uint Expire { get; } = expire;

    /// <summary>The negative-caching TTL (RFC 2308 §4).</summary>
    public uint Minimum { get; } = minimum;

    public override bool TryWrite(ref DnsWireWriter writer)
    {
        var mark = writer.Mark();
        if (TryWriteName(ref writer, PrimaryServer, compress: true) && TryWriteName(ref writer, ResponsibleMailbox, compress: true) &&
            writer.TryWriteUInt32(Serial) && writer.TryWriteUInt32(Refresh) && writer.TryWriteUInt32(Retry) &&
            writer.TryWriteUInt32(Expire) && writer.TryWriteUInt32(Minimum))
        {
            return true;
        }

        writer.Rewind(mark);
        return false;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{PrimaryServer} {ResponsibleMailbox} {Serial} {Refresh} {Retry} {Expire} {Minimum}");
}
