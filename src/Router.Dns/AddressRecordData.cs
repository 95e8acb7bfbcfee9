using System.Net;
using System.Net.Sockets;

namespace Router.Dns;

/// <summary>A and AAAA data (RFC 1035 §3.4.1, RFC 3596 §2.2).</summary>
public sealed class AddressRecordData(IPAddress address) : DnsRecordData
{
    public IPAddress Address { get; } = address ?? throw new ArgumentNullException(nameof(address));

    public DnsRecordType Type => Address.AddressFamily == AddressFamily.InterNetwork ? DnsRecordType.A : DnsRecordType.AAAA;

    public override bool TryWrite(ref DnsWireWriter writer)
    {
        Span<byte> bytes = stackalloc byte[16];
        Address.TryWriteBytes(bytes, out int written);
        return writer.TryWriteBytes(bytes[..written]);
    }

    public override string ToString() => Address.ToString();
}
