namespace Router.Dns;

/// <summary>A question (RFC 1035 §4.1.2).</summary>
public sealed record DnsQuestion(DnsName Name, DnsRecordType Type, DnsClass Class = DnsClass.IN);

/// <summary>A resource record (RFC 1035 §4.1.3). TTLs are seconds.</summary>
public sealed record DnsRecord(DnsName Name, DnsRecordType Type, DnsClass Class, uint Ttl, DnsRecordData Data)
{
    /// <summary>Writes the whole record: owner, type, class, TTL, RDLENGTH and RDATA. Nothing is written when it does not fit.</summary>
    public bool TryWrite(ref DnsWireWriter writer) => TryWrite(ref writer, Ttl);

    /// <summary>Writes the record with <paramref name="ttl"/> in place of its own (a cache serving an aged copy).</summary>
    public bool TryWrite(ref DnsWireWriter writer, uint ttl)
    {
        var mark = writer.Mark();
        if (writer.TryWriteName(Name.Wire) && writer.TryWriteUInt16((ushort)Type) && writer.TryWriteUInt16((ushort)Class) &&
            writer.TryWriteUInt32(ttl))
        {
            int lengthPosition = writer.Position;
            if (writer.TryWriteUInt16(0) && Data.TryWrite(ref writer))
            {
                writer.PatchUInt16(lengthPosition, (ushort)(writer.Position - lengthPosition - 2));
                return true;
            }
        }

        writer.Rewind(mark);
        return false;
    }

    public override string ToString() => $"{Name} {Ttl} {Class} {Type} {Data}";
}
