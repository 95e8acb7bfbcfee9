using System.Globalization;

namespace Router.Dns;

/// <summary>The data of a type this codec does not model, kept as octets (RFC 3597).</summary>
public sealed class UnknownRecordData(byte[] data) : DnsRecordData
{
    public ReadOnlyMemory<byte> Data { get; } = data ?? throw new ArgumentNullException(nameof(data));

    public override bool TryWrite(ref DnsWireWriter writer) => writer.TryWriteBytes(Data.Span);

    public override string ToString() =>
        Data.Length == 0 ? "\\# 0" : string.Create(CultureInfo.InvariantCulture, $"\\# {Data.Length} {Convert.ToHexString(Data.Span)}");
}
