using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Router.Dns;

/// <summary>
/// A whole DNS message as objects: the model used where allocation does not matter (forwarding, tests, tools).
/// The answer path of the server uses <see cref="DnsQueryParser"/> and <see cref="DnsWireWriter"/> instead.
/// </summary>
public sealed class DnsMessage
{
    public ushort Id { get; set; }

    public bool IsResponse { get; set; }

    public DnsOpCode OpCode { get; set; }

    public bool IsAuthoritative { get; set; }

    public bool IsTruncated { get; set; }

    public bool RecursionDesired { get; set; }

    public bool RecursionAvailable { get; set; }

    public bool CheckingDisabled { get; set; }

    /// <summary>The AD bit (RFC 4035 §3.2.3, RFC 6840 §5.7): kept so a forwarded message does not lose it.</summary>
    public bool AuthenticData { get; set; }

    /// <summary>The full response code; values above 15 need <see cref="Edns"/> to carry their upper bits.</summary>
    public DnsResponseCode ResponseCode { get; set; }

    public List<DnsQuestion> Questions { get; } = [];

    public List<DnsRecord> Answers { get; } = [];

    public List<DnsRecord> Authorities { get; } = [];

    /// <summary>Additional records other than OPT, which is <see cref="Edns"/>.</summary>
    public List<DnsRecord> Additionals { get; } = [];

    public DnsEdns? Edns { get; set; }

    // RFC 1035 §4.1: header, then QDCOUNT questions, ANCOUNT + NSCOUNT + ARCOUNT records, and nothing after them.
    // RFC 6891 §6.1.1: at most one OPT record, in the additional section, owned by the root.
    /// <summary>Reads a whole message. Every failure is reported as a <see cref="DnsParseError"/>; nothing throws.</summary>
    public static DnsParseError TryRead(ReadOnlySpan<byte> data, [NotNullWhen(true)] out DnsMessage? message)
    {
        message = null;
        if (!DnsHeader.TryRead(data, out var header))
        {
            return DnsParseError.Truncated;
        }

        var result = new DnsMessage
        {
            Id = header.Id,
            IsResponse = header.IsResponse,
            OpCode = header.OpCode,
            IsAuthoritative = header.IsAuthoritative,
            IsTruncated = header.IsTruncated,
            RecursionDesired = header.RecursionDesired,
            RecursionAvailable = header.RecursionAvailable,
            CheckingDisabled = header.CheckingDisabled,
            AuthenticData = (header.Flags & DnsHeader.AuthenticDataFlag) != 0,
            ResponseCode = (DnsResponseCode)header.ResponseCode,
        };

        int offset = DnsLimits.HeaderLength;
        Span<byte> name = stackalloc byte[DnsLimits.MaxNameLength];
        for (int i = 0; i < header.QuestionCount; i++)
        {
            var error = DnsWire.TryReadName(data, ref offset, name, out int nameLength);
            if (error != DnsParseError.None)
            {
                return error;
            }

            if (!DnsWire.TryReadUInt16(data, ref offset, out ushort type) || !DnsWire.TryReadUInt16(data, ref offset, out ushort @class))
            {
                return DnsParseError.Truncated;
            }

            DnsName.TryFromWire(name[..nameLength], out var questionName);
            result.Questions.Add(new DnsQuestion(questionName!, (DnsRecordType)type, (DnsClass)@class));
        }

        int total = header.AnswerCount + header.AuthorityCount + header.AdditionalCount;
        for (int i = 0; i < total; i++)
        {
            var error = DnsWire.TryReadName(data, ref offset, name, out int nameLength);
            if (error != DnsParseError.None)
            {
                return error;
            }

            if (!DnsWire.TryReadUInt16(data, ref offset, out ushort type) || !DnsWire.TryReadUInt16(data, ref offset, out ushort @class) ||
                !DnsWire.TryReadUInt32(data, ref offset, out uint ttl) || !DnsWire.TryReadUInt16(data, ref offset, out ushort length))
            {
                return DnsParseError.Truncated;
            }

            if (data.Length - offset < length)
            {
                return DnsParseError.Truncated;
            }

            bool inAdditional = i >= header.AnswerCount + header.AuthorityCount;
            if ((DnsRecordType)type == DnsRecordType.OPT)
            {
                if (!inAdditional || result.Edns is not null || nameLength != 1)
                {
                    return DnsParseError.InvalidOpt;
                }

                error = DnsEdns.TryRead(@class, ttl, data.Slice(offset, length), out var edns);
                if (error != DnsParseError.None)
                {
                    return error;
                }

                result.Edns = edns;
                result.ResponseCode = (DnsResponseCode)((edns!.ExtendedResponseCode << 4) | header.ResponseCode);
                offset += length;
                continue;
            }

            error = DnsRecordData.TryRead((DnsRecordType)type, data, offset, length, out var recordData);
            if (error != DnsParseError.None)
            {
                return error;
            }

            offset += length;
            DnsName.TryFromWire(name[..nameLength], out var owner);
            var record = new DnsRecord(owner!, (DnsRecordType)type, (DnsClass)@class, ttl, recordData!);
            (i < header.AnswerCount ? result.Answers : i < header.AnswerCount + header.AuthorityCount ? result.Authorities : result.Additionals)
                .Add(record);
        }

        if (offset != data.Length)
        {
            return DnsParseError.TrailingData;
        }

        message = result;
        return DnsParseError.None;
    }

    /// <summary>
    /// Writes the whole message, with name compression (RFC 1035 §4.1.4) unless <paramref name="compression"/> is
    /// <see langword="false"/>. Returns <see langword="false"/> when it does not fit in <paramref name="destination"/>;
    /// it never throws for lack of room.
    /// </summary>
    public bool TryWrite(Span<byte> destination, out int written, bool compression = true)
    {
        written = 0;
        var writer = new DnsWireWriter(destination, compression);
        if (!writer.TryAdvance(DnsLimits.HeaderLength))
        {
            return false;
        }

        foreach (var question in Questions)
        {
            if (!writer.TryWriteName(question.Name.Wire) || !writer.TryWriteUInt16((ushort)question.Type) ||
                !writer.TryWriteUInt16((ushort)question.Class))
            {
                return false;
            }
        }

        foreach (var list in (ReadOnlySpan<List<DnsRecord>>)[Answers, Authorities, Additionals])
        {
            foreach (var record in list)
            {
                if (!record.TryWrite(ref writer))
                {
                    return false;
                }
            }
        }

        int additionalCount = Additionals.Count;
        DnsEdns? edns = Edns;
        int code = (int)ResponseCode;
        if (code > 15 && edns is null)
        {
            throw new InvalidOperationException($"Response code {ResponseCode} needs EDNS to be written.");
        }

        if (edns is not null)
        {
            if (edns.ExtendedResponseCode != (byte)(code >> 4))
            {
                edns = new DnsEdns
                {
                    UdpPayloadSize = edns.UdpPayloadSize,
                    ExtendedResponseCode = (byte)(code >> 4),
                    Version = edns.Version,
                    DnssecOk = edns.DnssecOk,
                    Options = edns.Options,
                };
            }

            if (!edns.TryWrite(ref writer))
            {
                return false;
            }

            additionalCount++;
        }

        ushort flags = DnsHeader.ComposeFlags(IsResponse, OpCode, IsAuthoritative, IsTruncated, RecursionDesired, RecursionAvailable,
            CheckingDisabled, code & 0xF);
        if (AuthenticData)
        {
            flags |= DnsHeader.AuthenticDataFlag;
        }

        var header = new DnsHeader(Id, flags,
            (ushort)Questions.Count, (ushort)Answers.Count, (ushort)Authorities.Count, (ushort)additionalCount);
        header.TryWrite(destination);
        written = writer.Position;
        return true;
    }

    /// <summary>Writes the message into a new array (tests and tools), compressing names unless <paramref name="compression"/> is false.</summary>
    public byte[] ToArray(bool compression = true)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(DnsLimits.MaxMessageLength);
        try
        {
            return TryWrite(buffer, out int written, compression)
                ? buffer[..written]
                : throw new InvalidOperationException("The message is larger than 65,535 octets.");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
