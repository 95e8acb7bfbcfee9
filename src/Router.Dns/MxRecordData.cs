using System.Globalization;

namespace Router.Dns;

/// <summary>MX data (RFC 1035 §3.3.9).</summary>
public sealed class MxRecordData(ushort preference, DnsName exchange) : DnsRecordData
{
    public ushort Preference { get; } = preference;

    public DnsName Exchange { get; } = exchange ?? throw new ArgumentNullException(nameof(exchange));

    public override bool TryWrite(ref DnsWireWriter writer)
    {
        var mark = writer.Mark();
        if (writer.TryWriteUInt16(Preference) && TryWriteName(ref writer, Exchange, compress: true))
        {
            return true;
        }

        writer.Rewind(mark);
        return false;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Preference} {Exchange}");
}
