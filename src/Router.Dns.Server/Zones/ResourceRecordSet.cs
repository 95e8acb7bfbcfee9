using System.Collections.Frozen;

namespace Router.Dns.Server.Zones;

/// <summary>A set of records with one owner and type, RDATA pre-encoded (uncompressed) for the answer path.</summary>
internal sealed class ResourceRecordSet(DnsRecordType type, uint ttl, byte[][] rdata, DnsName?[] names)
{
    public DnsRecordType Type { get; } = type;

    public uint Ttl { get; } = ttl;

    /// <summary>The RDATA of each record, in wire form with names uncompressed.</summary>
    public byte[][] Rdata { get; } = rdata;

    /// <summary>For CNAME/NS/PTR: the name each RDATA holds (a compression target and, for CNAME, the chain to follow).</summary>
    public DnsName?[] Names { get; } = names;

    public bool RdataIsName => Type is DnsRecordType.CNAME or DnsRecordType.NS or DnsRecordType.PTR;
}
