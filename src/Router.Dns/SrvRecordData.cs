using System.Globalization;

namespace Router.Dns;

/// <summary>SRV data (RFC 2782). Its target is never compressed.</summary>
public sealed class SrvRecordData(ushort priority, ushort weight, ushort port, DnsName target) : DnsRecordData
{
    public ushort Priority { get; } = priority;

    public ushort Weight { get; } = weight;

    public ushort Port { get; } = port;

    public DnsName Target { get; } = target ?? throw new ArgumentNullException(nameof(target));

    public override bool TryWrite(ref DnsWireWriter writer)
    {
        var mark = writer.Mark();
        if (writer.TryWriteUInt16(Priority) && writer.TryWriteUInt16(Weight) && writer.TryWriteUInt16(Port) &&
            TryWriteName(ref writer, Target, compress: false))
        {
            return true;
        }

        writer.Rewind(mark);
        return false;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Priority} {Weight} {Port} {Target}");
}
