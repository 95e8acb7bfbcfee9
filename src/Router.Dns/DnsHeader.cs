using System.Buffers.Binary;

namespace Router.Dns;

/// <summary>
/// The fixed 12-octet message header (RFC 1035 §4.1.1), with the AD and CD bits of RFC 4035 §3.2.
/// </summary>
public readonly record struct DnsHeader(
    ushort Id,
    ushort Flags,
    ushort QuestionCount,
    ushort AnswerCount,
    ushort AuthorityCount,
    ushort AdditionalCount)
{
    public const ushort QueryResponseFlag = 0x8000;
    public const ushort AuthoritativeAnswerFlag = 0x0400;
    public const ushort TruncationFlag = 0x0200;
    public const ushort RecursionDesiredFlag = 0x0100;
    public const ushort RecursionAvailableFlag = 0x0080;
    public const ushort AuthenticDataFlag = 0x0020;
    public const ushort CheckingDisabledFlag = 0x0010;

    public bool IsResponse => (Flags & QueryResponseFlag) != 0;

    public DnsOpCode OpCode => (DnsOpCode)((Flags >> 11) & 0xF);

    public bool IsAuthoritative => (Flags & AuthoritativeAnswerFlag) != 0;

    public bool IsTruncated => (Flags & TruncationFlag) != 0;

    public bool RecursionDesired => (Flags & RecursionDesiredFlag) != 0;

    public bool RecursionAvailable => (Flags & RecursionAvailableFlag) != 0;

    public bool CheckingDisabled => (Flags & CheckingDisabledFlag) != 0;

    /// <summary>The low four bits of the response code; the upper eight travel in the OPT record.</summary>
    public int ResponseCode => Flags & 0xF;

    /// <summary>Composes a flags word.</summary>
    public static ushort ComposeFlags(bool isResponse, DnsOpCode opCode, bool authoritative, bool truncated,
        bool recursionDesired, bool recursionAvailable, bool checkingDisabled, int responseCodeLow4)
    {
        int flags = ((int)opCode & 0xF) << 11 | (responseCodeLow4 & 0xF);
        if (isResponse) flags |= QueryResponseFlag;
        if (authoritative) flags |= AuthoritativeAnswerFlag;
        if (truncated) flags |= TruncationFlag;
        if (recursionDesired) flags |= RecursionDesiredFlag;
        if (recursionAvailable) flags |= RecursionAvailableFlag;
        if (checkingDisabled) flags |= CheckingDisabledFlag;
        return (ushort)flags;
    }

    // RFC 1035 §4.1.1: ID, flags, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT, each 16 bits, big-endian.
    public static bool TryRead(ReadOnlySpan<byte> message, out DnsHeader header)
    {
        if (message.Length < DnsLimits.HeaderLength)
        {
            header = default;
            return false;
        }

        header = new DnsHeader(
            BinaryPrimitives.ReadUInt16BigEndian(message),
            BinaryPrimitives.ReadUInt16BigEndian(message[2..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[6..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[10..]));
        return true;
    }

    // RFC 1035 §4.1.1.
    public bool TryWrite(Span<byte> destination)
    {
        if (destination.Length < DnsLimits.HeaderLength)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, Id);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Flags);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], QuestionCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], AnswerCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[8..], AuthorityCount);
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], AdditionalCount);
        return true;
    }
}
