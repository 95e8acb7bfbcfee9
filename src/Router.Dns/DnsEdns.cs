namespace Router.Dns;

/// <summary>One EDNS option (RFC 6891 §6.1.2), kept as raw data.</summary>
public sealed record EdnsOption(ushort Code, byte[] Data);

/// <summary>
/// The EDNS information of a message: the OPT pseudo-record's fields (RFC 6891 §6.1.3) with its options.
/// </summary>
public sealed class DnsEdns
{
    public const int DnssecOkFlag = 0x8000;

    /// <summary>The requestor's UDP payload size (the OPT CLASS). Values below 512 are treated as 512.</summary>
    public ushort UdpPayloadSize { get; init; } = DnsLimits.DefaultEdnsPayloadSize;

    /// <summary>The upper 8 bits of the 12-bit response code.</summary>
    public byte ExtendedResponseCode { get; init; }

    public byte Version { get; init; }

    /// <summary>The DO bit (RFC 3225).</summary>
    public bool DnssecOk { get; init; }

    public IReadOnlyList<EdnsOption> Options { get; init; } = [];

    /// <summary>The Client Subnet option, when present and well formed.</summary>
    public EdnsClientSubnet? ClientSubnet
    {
        get
        {
            foreach (var option in Options)
            {
                if (option.Code == EdnsClientSubnet.OptionCode && EdnsClientSubnet.TryParse(option.Data, out var subnet))
                {
                    return subnet;
                }
            }

            return null;
        }
    }

    // RFC 6891 §6.1.2: NAME root, TYPE OPT, CLASS payload size, TTL = extended RCODE | VERSION | DO | Z, RDATA options.
    /// <summary>Writes the OPT record.</summary>
    public bool TryWrite(ref DnsWireWriter writer)
    {
        var mark = writer.Mark();
        uint ttl = (uint)ExtendedResponseCode << 24 | (uint)Version << 16 | (DnssecOk ? (uint)DnssecOkFlag : 0);
        if (!writer.TryWriteByte(0) || !writer.TryWriteUInt16((ushort)DnsRecordType.OPT) ||
            !writer.TryWriteUInt16(UdpPayloadSize) || !writer.TryWriteUInt32(ttl))
        {
            writer.Rewind(mark);
            return false;
        }

        int lengthPosition = writer.Position;
        if (!writer.TryWriteUInt16(0))
        {
            writer.Rewind(mark);
            return false;
        }

        foreach (var option in Options)
        {
            if (!writer.TryWriteUInt16(option.Code) || !writer.TryWriteUInt16((ushort)option.Data.Length) ||
                !writer.TryWriteBytes(option.Data))
            {
                writer.Rewind(mark);
                return false;
            }
        }

        writer.PatchUInt16(lengthPosition, (ushort)(writer.Position - lengthPosition - 2));
        return true;
    }

    // RFC 6891 §6.1.2: options are {code, length, data}; the data must end exactly at RDLENGTH.
    internal static DnsParseError TryRead(ushort payloadSize, uint ttl, ReadOnlySpan<byte> rdata, out DnsEdns? edns)
    {
        edns = null;
        var options = new List<EdnsOption>();
        int offset = 0;
        while (offset < rdata.Length)
        {
            if (!DnsWire.TryReadUInt16(rdata, ref offset, out ushort code) || !DnsWire.TryReadUInt16(rdata, ref offset, out ushort length) ||
                rdata.Length - offset < length)
            {
                return DnsParseError.InvalidOpt;
            }

            var data = rdata.Slice(offset, length).ToArray();
            if (code == EdnsClientSubnet.OptionCode && !EdnsClientSubnet.TryParse(data, out _))
            {
                return DnsParseError.InvalidOpt;
            }

            options.Add(new EdnsOption(code, data));
            offset += length;
        }

        edns = new DnsEdns
        {
            UdpPayloadSize = payloadSize,
            ExtendedResponseCode = (byte)(ttl >> 24),
            Version = (byte)(ttl >> 16),
            DnssecOk = (ttl & DnssecOkFlag) != 0,
            Options = options,
        };
        return DnsParseError.None;
    }
}
