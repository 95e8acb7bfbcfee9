namespace Router.Dns;

/// <summary>CNAME, NS and PTR data: a single domain name (RFC 1035 §3.3.1, §3.3.11, §3.3.12).</summary>
public sealed class NameRecordData(DnsRecordType type, DnsName target) : DnsRecordData
{
    public DnsRecordType Type { get; } = type;

    public DnsName Target { get; } = target ?? throw new ArgumentNullException(nameof(target));

    public override bool TryWrite(ref DnsWireWriter writer) => TryWriteName(ref writer, Target, compress: true);

    public override string ToString() => Target.ToString();
}
