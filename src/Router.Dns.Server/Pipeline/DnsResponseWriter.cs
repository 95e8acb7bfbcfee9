using System.Buffers.Binary;

namespace Router.Dns.Server.Pipeline;

/// <summary>The message section a record goes to.</summary>
public enum DnsSection
{
    Answer,
    Authority,
    Additional,
}

/// <summary>
/// Writes the response to the query in a <see cref="DnsRequestContext"/>: header, the question as the client sent
/// it, records in section order, and the OPT record when the query had one. Enforces the client's size limit: an
/// answer or authority record that does not fit truncates the response to its question with TC set (RFC 2181 §9);
/// an additional record that does not fit is left out. Allocation-free.
/// </summary>
public ref struct DnsResponseWriter
{
    private readonly DnsRequestContext _context;
    private readonly int _limit;
    private DnsWireWriter _writer;
    private DnsWireWriterMark _afterQuestion;
    private ushort _questions;
    private ushort _answers;
    private ushort _authorities;
    private ushort _additionals;
    private DnsSection _section;
    private bool _truncated;

    /// <summary>Starts a response; <paramref name="includeQuestion"/> is false only when the question could not be read.</summary>
    public DnsResponseWriter(DnsRequestContext context, bool includeQuestion = true)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _writer = new DnsWireWriter(context.ResponseBuffer);
        _writer.TryAdvance(DnsLimits.HeaderLength);
        if (includeQuestion && context.Query.QuestionEnd > DnsLimits.HeaderLength)
        {
            _writer.TryWriteBytes(context.Request[DnsLimits.HeaderLength..context.Query.QuestionEnd]);
            _writer.AddCompressionTarget(DnsLimits.HeaderLength);
            _questions = 1;
        }

        _afterQuestion = _writer.Mark();
        _limit = context.MaxResponseLength - OptLength(context);
    }

    /// <summary>Whether an answer or authority record did not fit and the response was cut back to its question.</summary>
    public readonly bool IsTruncated => _truncated;

    public readonly int AnswerCount => _answers;

    /// <summary>Adds a record whose RDATA is already in wire form (names in it uncompressed).</summary>
    /// <param name="section">The section; sections must be filled in order.</param>
    /// <param name="owner">The owner, uncompressed wire form.</param>
    /// <param name="type">The record type.</param>
    /// <param name="ttl">The TTL in seconds.</param>
    /// <param name="rdata">The RDATA.</param>
    /// <param name="rdataIsName">Whether the RDATA is a single name that later owners may point to (CNAME, NS, PTR).</param>
    /// <returns><see langword="false"/> when the record was left out for lack of room.</returns>
    public bool TryAddRecord(DnsSection section, scoped ReadOnlySpan<byte> owner, DnsRecordType type, uint ttl, scoped ReadOnlySpan<byte> rdata, bool rdataIsName = false)
    {
        if (!Enter(section))
        {
            return false;
        }

        var mark = _writer.Mark();
        if (_writer.TryWriteName(owner) && _writer.TryWriteUInt16((ushort)type) && _writer.TryWriteUInt16((ushort)DnsClass.IN) &&
            _writer.TryWriteUInt32(ttl) && _writer.TryWriteUInt16((ushort)rdata.Length))
        {
            int rdataStart = _writer.Position;
            if (_writer.TryWriteBytes(rdata) && _writer.Position <= _limit)
            {
                if (rdataIsName)
                {
                    _writer.AddCompressionTarget(rdataStart);
                }

                Count(section);
                return true;
            }
        }

        _writer.Rewind(mark);
        Overflow(section);
        return false;
    }

    /// <summary>Adds a record from the object model, with <paramref name="ttl"/> in place of its own.</summary>
    public bool TryAddRecord(DnsSection section, DnsRecord record, uint ttl)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!Enter(section))
        {
            return false;
        }

        var mark = _writer.Mark();
        if (record.TryWrite(ref _writer, ttl) && _writer.Position <= _limit)
        {
            Count(section);
            return true;
        }

        _writer.Rewind(mark);
        Overflow(section);
        return false;
    }

    /// <summary>
    /// Finishes the response: header flags and counts, and the OPT record (with the Client Subnet echo) when the query
    /// had EDNS. Extended codes such as BADVERS need the query to have had EDNS.
    /// </summary>
    public void Complete(DnsResponseCode responseCode, bool authoritative)
    {
        ref readonly DnsQuery query = ref _context.Query;
        int code = (int)responseCode;
        if (query.HasEdns)
        {
            WriteOpt(ref _writer, _context, (byte)(code >> 4));
        }

        var header = query.Header;
        ushort flags = DnsHeader.ComposeFlags(
            isResponse: true, header.OpCode, authoritative, _truncated, header.RecursionDesired, _context.RecursionAvailable,
            header.CheckingDisabled, code & 0xF);
        new DnsHeader(header.Id, flags, _questions, _answers, _authorities, (ushort)(_additionals + (query.HasEdns ? 1 : 0)))
            .TryWrite(_context.ResponseBuffer);
        _context.ResponseLength = _writer.Position;
    }

    private bool Enter(DnsSection section)
    {
        if (_truncated || section < _section)
        {
            return false;
        }

        _section = section;
        return true;
    }

    private void Count(DnsSection section)
    {
        switch (section)
        {
            case DnsSection.Answer:
                _answers++;
                break;
            case DnsSection.Authority:
                _authorities++;
                break;
            default:
                _additionals++;
                break;
        }
    }

    private void Overflow(DnsSection section)
    {
        if (section == DnsSection.Additional)
        {
            return;
        }

        // RFC 2181 §9: a response missing answer or authority data is truncated; send the question with TC and let
        // the client retry over TCP.
        _writer.Rewind(_afterQuestion);
        _answers = 0;
        _authorities = 0;
        _additionals = 0;
        _truncated = true;
    }

    private static int OptLength(DnsRequestContext context)
    {
        ref readonly DnsQuery query = ref context.Query;
        if (!query.HasEdns)
        {
            return 0;
        }

        // Root (1) + type, class, TTL, RDLENGTH (10) + the Client Subnet echo.
        return 11 + (query.HasClientSubnet ? 4 + query.ClientSubnet.DataLength : 0);
    }

    // RFC 6891 §6.1.2-§6.1.3: our payload size, the upper bits of the response code, version 0, the DO bit copied
    // (RFC 3225 §3), and RFC 7871 §7.2.1: FAMILY, SOURCE PREFIX-LENGTH and ADDRESS echoed with our SCOPE (0 for a /0 source).
    private static void WriteOpt(ref DnsWireWriter writer, DnsRequestContext context, byte extendedCode)
    {
        ref readonly DnsQuery query = ref context.Query;
        uint ttl = (uint)extendedCode << 24 | (query.DnssecOk ? (uint)DnsEdns.DnssecOkFlag : 0);
        writer.TryWriteByte(0);
        writer.TryWriteUInt16((ushort)DnsRecordType.OPT);
        writer.TryWriteUInt16((ushort)context.AdvertisedPayloadSize);
        writer.TryWriteUInt32(ttl);
        int lengthPosition = writer.Position;
        writer.TryWriteUInt16(0);
        if (query.HasClientSubnet)
        {
            // RFC 7871 §7.1.2: a query with SOURCE PREFIX-LENGTH 0 gets SCOPE PREFIX-LENGTH 0.
            byte scope = query.ClientSubnet.SourcePrefixLength == 0 ? (byte)0 : context.ClientSubnetScope;
            var echo = query.ClientSubnet with { ScopePrefixLength = scope };
            echo.TryWriteOption(ref writer);
        }

        BinaryPrimitives.WriteUInt16BigEndian(writer.Buffer[lengthPosition..], (ushort)(writer.Position - lengthPosition - 2));
    }
}
