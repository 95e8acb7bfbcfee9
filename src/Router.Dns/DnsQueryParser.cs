namespace Router.Dns;

/// <summary>
/// What the answer path needs to know about a query, read without allocating: the header, the single question
/// (its name copied, lowercased, into a caller buffer) and the EDNS fields of the OPT record.
/// </summary>
public struct DnsQuery
{
    public DnsHeader Header;

    /// <summary>The length of the question name in the caller's name buffer (wire form, lowercased).</summary>
    public int NameLength;

    public DnsRecordType Type;

    public DnsClass Class;

    /// <summary>Where the question section ends in the packet: octets 12..QuestionEnd are the question as sent.</summary>
    public int QuestionEnd;

    public bool HasEdns;

    /// <summary>The requestor's UDP payload size from OPT, as sent (not yet clamped to 512).</summary>
    public ushort UdpPayloadSize;

    public byte EdnsVersion;

    public bool DnssecOk;

    public bool HasClientSubnet;

    public EdnsClientSubnet ClientSubnet;

    /// <summary>
    /// The largest response the client accepts over UDP: 512 without EDNS, else the advertised size (at least 512).
    /// </summary>
    public readonly int ClientUdpLimit => HasEdns ? Math.Max(DnsLimits.MaxUdpPayloadWithoutEdns, (int)UdpPayloadSize) : DnsLimits.MaxUdpPayloadWithoutEdns;
}

/// <summary>Reads queries for the server's answer path. Allocation-free; never throws on any input.</summary>
public static class DnsQueryParser
{
    // RFC 1035 §4.1.1 (header), §4.1.2 (question), §4.1.3 (records skipped but bounds-checked),
    // RFC 6891 §6.1.1 (one OPT, root owner, additional section), RFC 7871 §7.1.2 (malformed ECS is FORMERR).
    /// <summary>
    /// Parses <paramref name="packet"/> as a query with exactly one question. <paramref name="nameBuffer"/> must hold
    /// 255 octets and receives the question name, lowercased. On failure, <paramref name="query"/> still holds the
    /// header when the packet had 12 octets, so the caller can answer FORMERR, NOTIMP or drop.
    /// </summary>
    public static DnsParseError TryParse(ReadOnlySpan<byte> packet, Span<byte> nameBuffer, out DnsQuery query)
    {
        query = default;
        if (!DnsHeader.TryRead(packet, out query.Header))
        {
            return DnsParseError.Truncated;
        }

        ref readonly DnsHeader header = ref query.Header;
        if (header.IsResponse || header.QuestionCount != 1)
        {
            return DnsParseError.InvalidQuery;
        }

        int offset = DnsLimits.HeaderLength;
        var error = DnsWire.TryReadName(packet, ref offset, nameBuffer, out query.NameLength);
        if (error != DnsParseError.None)
        {
            return error;
        }

        // The question name of a query is never compressed: there is nothing before it to point to.
        if (offset - DnsLimits.HeaderLength != query.NameLength)
        {
            return DnsParseError.BadPointer;
        }

        DnsWire.ToLowerInPlace(nameBuffer[..query.NameLength]);
        if (!DnsWire.TryReadUInt16(packet, ref offset, out ushort type) || !DnsWire.TryReadUInt16(packet, ref offset, out ushort @class))
        {
            return DnsParseError.Truncated;
        }

        query.Type = (DnsRecordType)type;
        query.Class = (DnsClass)@class;
        query.QuestionEnd = offset;

        int total = header.AnswerCount + header.AuthorityCount + header.AdditionalCount;
        int additionalStart = header.AnswerCount + header.AuthorityCount;
        for (int i = 0; i < total; i++)
        {
            int ownerStart = offset;
            error = DnsWire.TrySkipName(packet, ref offset);
            if (error != DnsParseError.None)
            {
                return error;
            }

            if (!DnsWire.TryReadUInt16(packet, ref offset, out ushort recordType) || !DnsWire.TryReadUInt16(packet, ref offset, out ushort recordClass) ||
                !DnsWire.TryReadUInt32(packet, ref offset, out uint ttl) || !DnsWire.TryReadUInt16(packet, ref offset, out ushort length))
            {
                return DnsParseError.Truncated;
            }

            if (packet.Length - offset < length)
            {
                return DnsParseError.Truncated;
            }

            if ((DnsRecordType)recordType == DnsRecordType.OPT)
            {
                if (i < additionalStart || query.HasEdns || offset - ownerStart != 11)
                {
                    return DnsParseError.InvalidOpt;
                }

                error = ReadOpt(packet.Slice(offset, length), recordClass, ttl, ref query);
                if (error != DnsParseError.None)
                {
                    return error;
                }
            }

            offset += length;
        }

        return offset == packet.Length ? DnsParseError.None : DnsParseError.TrailingData;
    }

    // RFC 6891 §6.1.2-§6.1.3: CLASS = payload size; TTL = EXTENDED-RCODE (8) | VERSION (8) | DO (1) | Z (15).
    private static DnsParseError ReadOpt(ReadOnlySpan<byte> rdata, ushort payloadSize, uint ttl, ref DnsQuery query)
    {
        query.HasEdns = true;
        query.UdpPayloadSize = payloadSize;
        query.EdnsVersion = (byte)(ttl >> 16);
        query.DnssecOk = (ttl & DnsEdns.DnssecOkFlag) != 0;

        int offset = 0;
        while (offset < rdata.Length)
        {
            if (!DnsWire.TryReadUInt16(rdata, ref offset, out ushort code) || !DnsWire.TryReadUInt16(rdata, ref offset, out ushort length) ||
                rdata.Length - offset < length)
            {
                return DnsParseError.InvalidOpt;
            }

            if (code == EdnsClientSubnet.OptionCode && !query.HasClientSubnet)
            {
                if (!EdnsClientSubnet.TryParse(rdata.Slice(offset, length), out query.ClientSubnet) || query.ClientSubnet.ScopePrefixLength != 0)
                {
                    return DnsParseError.InvalidOpt;
                }

                query.HasClientSubnet = true;
            }

            offset += length;
        }

        return DnsParseError.None;
    }
}
