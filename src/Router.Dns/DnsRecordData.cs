using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Router.Dns;

/// <summary>
/// The RDATA of a resource record. One subclass per shape; types without a subclass keep their octets
/// (<see cref="UnknownRecordData"/>, RFC 3597).
/// </summary>
public abstract class DnsRecordData
{
    /// <summary>Writes the RDATA (not its length). Returns <see langword="false"/>, writing nothing, when it does not fit.</summary>
    public abstract bool TryWrite(ref DnsWireWriter writer);

    /// <summary>The presentation (zone-file) form of the data.</summary>
    public abstract override string ToString();

    // RFC 1035 §3.3 and §3.4, RFC 3596 §2.2 (AAAA), RFC 2782 (SRV), RFC 3597 (unknown types).
    /// <summary>
    /// Reads the RDATA of a record of <paramref name="type"/> that occupies <paramref name="length"/> octets at
    /// <paramref name="offset"/> of <paramref name="message"/>. Names inside may be compressed and point anywhere
    /// earlier in the message.
    /// </summary>
    public static DnsParseError TryRead(DnsRecordType type, ReadOnlySpan<byte> message, int offset, int length, out DnsRecordData? data)
    {
        data = null;
        if (length < 0 || message.Length - offset < length)
        {
            return DnsParseError.Truncated;
        }

        int end = offset + length;
        ReadOnlySpan<byte> rdata = message.Slice(offset, length);
        Span<byte> name = stackalloc byte[DnsLimits.MaxNameLength];
        Span<byte> name2 = stackalloc byte[DnsLimits.MaxNameLength];
        DnsParseError error;
        int nameLength;
        switch (type)
        {
            case DnsRecordType.A:
                if (length != 4)
                {
                    return DnsParseError.InvalidRecordData;
                }

                data = new AddressRecordData(new IPAddress(rdata));
                return DnsParseError.None;

            case DnsRecordType.AAAA:
                if (length != 16)
                {
                    return DnsParseError.InvalidRecordData;
                }

                data = new AddressRecordData(new IPAddress(rdata));
                return DnsParseError.None;

            case DnsRecordType.CNAME or DnsRecordType.NS or DnsRecordType.PTR:
                error = ReadNameExactly(message, ref offset, end, name, out nameLength);
                if (error != DnsParseError.None)
                {
                    return error;
                }

                if (offset != end)
                {
                    return DnsParseError.InvalidRecordData;
                }

                data = new NameRecordData(type, ToName(name[..nameLength]));
                return DnsParseError.None;

            case DnsRecordType.MX:
                if (!DnsWire.TryReadUInt16(message[..end], ref offset, out ushort preference))
                {
                    return DnsParseError.InvalidRecordData;
                }

                error = ReadNameExactly(message, ref offset, end, name, out nameLength);
                if (error != DnsParseError.None)
                {
                    return error;
                }

                if (offset != end)
                {
                    return DnsParseError.InvalidRecordData;
                }

                data = new MxRecordData(preference, ToName(name[..nameLength]));
                return DnsParseError.None;

            case DnsRecordType.SRV:
                if (!DnsWire.TryReadUInt16(message[..end], ref offset, out ushort priority) ||
                    !DnsWire.TryReadUInt16(message[..end], ref offset, out ushort weight) ||
                    !DnsWire.TryReadUInt16(message[..end], ref offset, out ushort port))
                {
                    return DnsParseError.InvalidRecordData;
                }

                error = ReadNameExactly(message, ref offset, end, name, out nameLength);
                if (error != DnsParseError.None)
                {
                    return error;
                }

                if (offset != end)
                {
                    return DnsParseError.InvalidRecordData;
                }

                data = new SrvRecordData(priority, weight, port, ToName(name[..nameLength]));
                return DnsParseError.None;

            case DnsRecordType.SOA:
                error = ReadNameExactly(message, ref offset, end, name, out nameLength);
                if (error != DnsParseError.None)
                {
                    return error;
                }

                error = ReadNameExactly(message, ref offset, end, name2, out int name2Length);
                if (error != DnsParseError.None)
                {
                    return error;
                }

                if (end - offset != 20)
                {
                    return DnsParseError.InvalidRecordData;
                }

                ReadOnlySpan<byte> numbers = message.Slice(offset, 20);
                data = new SoaRecordData(ToName(name[..nameLength]), ToName(name2[..name2Length]),
                    BinaryPrimitives.ReadUInt32BigEndian(numbers), BinaryPrimitives.ReadUInt32BigEndian(numbers[4..]),
                    BinaryPrimitives.ReadUInt32BigEndian(numbers[8..]), BinaryPrimitives.ReadUInt32BigEndian(numbers[12..]),
                    BinaryPrimitives.ReadUInt32BigEndian(numbers[16..]));
                return DnsParseError.None;

            case DnsRecordType.TXT:
                // RFC 1035 §3.3.14: one or more <character-string>s.
                if (length == 0)
                {
                    return DnsParseError.InvalidRecordData;
                }

                var strings = new List<byte[]>();
                int position = 0;
                while (position < rdata.Length)
                {
                    int stringLength = rdata[position];
                    if (position + 1 + stringLength > rdata.Length)
                    {
                        return DnsParseError.InvalidRecordData;
                    }

                    strings.Add(rdata.Slice(position + 1, stringLength).ToArray());
                    position += stringLength + 1;
                }

                data = new TxtRecordData(strings);
                return DnsParseError.None;

            default:
                data = new UnknownRecordData(rdata.ToArray());
                return DnsParseError.None;
        }
    }

    /// <summary>
    /// Parses zone-file presentation text for <paramref name="type"/>; names without a trailing dot are relative to
    /// <paramref name="origin"/>. <paramref name="error"/> says what is wrong in words an operator understands.
    /// </summary>
    public static bool TryParse(DnsRecordType type, string text, DnsName origin, [NotNullWhen(true)] out DnsRecordData? data, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        data = null;
        error = null;
        string trimmed = text.Trim();
        string[] fields = trimmed.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

        if (fields.Length > 0 && fields[0] == "\\#" && type != DnsRecordType.TXT)
        {
            return TryParseGeneric(type, fields, out data, out error);
        }

        switch (type)
        {
            case DnsRecordType.A or DnsRecordType.AAAA:
                var family = type == DnsRecordType.A ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                if (fields.Length != 1 || !NetworkAddress.TryParseIPAddress(fields[0], out var address) || address.AddressFamily != family)
                {
                    error = $"'{text}' is not an {(type == DnsRecordType.A ? "IPv4" : "IPv6")} address";
                    return false;
                }

                data = new AddressRecordData(address);
                return true;

            case DnsRecordType.CNAME or DnsRecordType.NS or DnsRecordType.PTR:
                if (fields.Length != 1)
                {
                    error = $"'{text}' is not a single domain name";
                    return false;
                }

                if (!DnsName.TryParse(fields[0], origin, out var target, out error))
                {
                    return false;
                }

                data = new NameRecordData(type, target);
                return true;

            case DnsRecordType.MX:
                if (fields.Length != 2 || !TryParseUInt16(fields[0], out ushort preference))
                {
                    error = $"'{text}' is not 'PREFERENCE EXCHANGE' (e.g. \"10 mail.example.test.\")";
                    return false;
                }

                if (!DnsName.TryParse(fields[1], origin, out var exchange, out error))
                {
                    return false;
                }

                data = new MxRecordData(preference, exchange);
                return true;

            case DnsRecordType.SRV:
                if (fields.Length != 4 || !TryParseUInt16(fields[0], out ushort priority) ||
                    !TryParseUInt16(fields[1], out ushort weight) || !TryParseUInt16(fields[2], out ushort port))
                {
                    error = $"'{text}' is not 'PRIORITY WEIGHT PORT TARGET' (e.g. \"10 20 5060 sip.example.test.\")";
                    return false;
                }

                if (!DnsName.TryParse(fields[3], origin, out var srvTarget, out error))
                {
                    return false;
                }

                data = new SrvRecordData(priority, weight, port, srvTarget);
                return true;

            case DnsRecordType.SOA:
                if (fields.Length != 7 ||
                    !TryParseUInt32(fields[2], out uint serial) || !TryParseUInt32(fields[3], out uint refresh) ||
                    !TryParseUInt32(fields[4], out uint retry) || !TryParseUInt32(fields[5], out uint expire) ||
                    !TryParseUInt32(fields[6], out uint minimum))
                {
                    error = $"'{text}' is not 'MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM'";
                    return false;
                }

                if (!DnsName.TryParse(fields[0], origin, out var mname, out error) ||
                    !DnsName.TryParse(fields[1], origin, out var rname, out error))
                {
                    return false;
                }

                data = new SoaRecordData(mname, rname, serial, refresh, retry, expire, minimum);
                return true;

            case DnsRecordType.TXT:
                return TxtRecordData.TryParse(trimmed, out data, out error);

            default:
                error = $"type {type} needs generic data: '\\# LENGTH HEX' (RFC 3597)";
                return false;
        }
    }

    private static bool TryParseGeneric(DnsRecordType type, string[] fields, out DnsRecordData? data, [NotNullWhen(false)] out string? error)
    {
        data = null;
        if (fields.Length < 2 || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int length) || length > ushort.MaxValue)
        {
            error = "generic data must be '\\# LENGTH HEX' (RFC 3597 §5)";
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(string.Concat(fields[2..]));
        }
        catch (FormatException)
        {
            error = "generic data is not hexadecimal";
            return false;
        }

        if (bytes.Length != length)
        {
            error = $"generic data has {bytes.Length} octets, not {length}";
            return false;
        }

        // RFC 3597 §5: a known type written in the generic form must still be processed as that type, so its octets
        // must be valid RDATA of the type (an A record of 3 octets is not) and become the same data as the usual form.
        // Names inside cannot be compressed: there is nothing before the RDATA for a pointer to reach.
        var readError = TryRead(type, bytes, 0, bytes.Length, out data);
        if (readError != DnsParseError.None)
        {
            error = $"generic data is not valid {type} data: {readError.Describe()}";
            return false;
        }

        error = null;
        return true;
    }

    private static bool TryParseUInt16(string text, out ushort value) =>
        ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static bool TryParseUInt32(string text, out uint value) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static DnsParseError ReadNameExactly(ReadOnlySpan<byte> message, ref int offset, int end, Span<byte> destination, out int nameLength)
    {
        // The name's own octets must lie inside the RDATA; pointers may reach anywhere earlier in the message.
        var error = DnsWire.TryReadName(message[..end], ref offset, destination, out nameLength);
        return error == DnsParseError.Truncated ? DnsParseError.InvalidRecordData : error;
    }

    private static DnsName ToName(ReadOnlySpan<byte> wire) =>
        DnsName.TryFromWire(wire, out var name) ? name : throw new InvalidOperationException("A name read from the wire is always valid.");

    /// <summary>Writes a name, compressed only where RFC 3597 §4 allows (the RFC 1035 types).</summary>
    private protected static bool TryWriteName(ref DnsWireWriter writer, DnsName name, bool compress) =>
        writer.TryWriteName(name.Wire, compress);

    private protected static string Quote(ReadOnlySpan<byte> text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (byte b in text)
        {
            if (b is (byte)'"' or (byte)'\\')
            {
                builder.Append('\\').Append((char)b);
            }
            else if (b is < 0x20 or >= 0x7F)
            {
                builder.Append('\\').Append(b.ToString("D3", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append((char)b);
            }
        }

        return builder.Append('"').ToString();
    }
}

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

/// <summary>CNAME, NS and PTR data: a single domain name (RFC 1035 §3.3.1, §3.3.11, §3.3.12).</summary>
public sealed class NameRecordData(DnsRecordType type, DnsName target) : DnsRecordData
{
    public DnsRecordType Type { get; } = type;

    public DnsName Target { get; } = target ?? throw new ArgumentNullException(nameof(target));

    public override bool TryWrite(ref DnsWireWriter writer) => TryWriteName(ref writer, Target, compress: true);

    public override string ToString() => Target.ToString();
}

/// <summary>MX data (RFC 1035 §3.3.9).</summary>
public sealed class MxRecordData(ushort preference, DnsName exchange) : DnsRecordData
{
    public ushort Preference { get; } = preference;

    public DnsName Exchange { get; } = exchange ?? throw new ArgumentNullException(nameof(exchange));

    public override bool TryWrite(ref DnsWireWriter writer)
    {
        var mark = writer.Mark();
        if (writer.TryWriteUInt16(Preference) && TryWriteName(ref writer, Exchange, compress: true))
        {
            return true;
        }

        writer.Rewind(mark);
        return false;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Preference} {Exchange}");
}

/// <summary>SRV data (RFC 2782). Its target is never compressed.</summary>
public sealed class SrvRecordData(ushort priority, ushort weight, ushort port, DnsName target) : DnsRecordData
{
    public ushort Priority { get; } = priority;

    public ushort Weight { get; } = weight;

    public ushort Port { get; } = port;

    public DnsName Target { get; } = target ?? throw new ArgumentNullException(nameof(target));

    public override bool TryWrite(ref DnsWireWriter writer)
    {
        var mark = writer.Mark();
        if (writer.TryWriteUInt16(Priority) && writer.TryWriteUInt16(Weight) && writer.TryWriteUInt16(Port) &&
            TryWriteName(ref writer, Target, compress: false))
        {
            return true;
        }

        writer.Rewind(mark);
        return false;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Priority} {Weight} {Port} {Target}");
}

/// <summary>SOA data (RFC 1035 §3.3.13).</summary>
public sealed class SoaRecordData(DnsName primaryServer, DnsName responsibleMailbox, uint serial, uint refresh, uint retry, uint expire, uint minimum)
    : DnsRecordData
{
    public DnsName PrimaryServer { get; } = primaryServer ?? throw new ArgumentNullException(nameof(primaryServer));

    public DnsName ResponsibleMailbox { get; } = responsibleMailbox ?? throw new ArgumentNullException(nameof(responsibleMailbox));

    public uint Serial { get; } = serial;

    public uint Refresh { get; } = refresh;

    public uint Retry { get; } = retry;

    public uint Expire { get; } = expire;

    /// <summary>The negative-caching TTL (RFC 2308 §4).</summary>
    public uint Minimum { get; } = minimum;

    public override bool TryWrite(ref DnsWireWriter writer)
    {
        var mark = writer.Mark();
        if (TryWriteName(ref writer, PrimaryServer, compress: true) && TryWriteName(ref writer, ResponsibleMailbox, compress: true) &&
            writer.TryWriteUInt32(Serial) && writer.TryWriteUInt32(Refresh) && writer.TryWriteUInt32(Retry) &&
            writer.TryWriteUInt32(Expire) && writer.TryWriteUInt32(Minimum))
        {
            return true;
        }

        writer.Rewind(mark);
        return false;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{PrimaryServer} {ResponsibleMailbox} {Serial} {Refresh} {Retry} {Expire} {Minimum}");
}

/// <summary>TXT data: one or more character-strings of at most 255 octets each (RFC 1035 §3.3.14).</summary>
public sealed class TxtRecordData : DnsRecordData
{
    public TxtRecordData(IReadOnlyList<byte[]> strings)
    {
        ArgumentNullException.ThrowIfNull(strings);
        if (strings.Count == 0 || strings.Any(s => s.Length > 255))
        {
            throw new ArgumentException("TXT data is one or more strings of at most 255 octets.", nameof(strings));
        }

        Strings = strings;
    }

    public IReadOnlyList<byte[]> Strings { get; }

    /// <summary>
    /// Parses TXT presentation text: a sequence of quoted strings (<c>"a" "b"</c>, with <c>\"</c> and <c>\DDD</c>
    /// escapes), or else the whole text as UTF-8, split into 255-octet strings.
    /// </summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out DnsRecordData? data, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        data = null;
        var strings = new List<byte[]>();
        if (text.StartsWith('"'))
        {
            var current = new List<byte>();
            Span<byte> utf8 = stackalloc byte[4];
            bool inQuotes = false;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (!inQuotes)
                {
                    if (c == '"')
                    {
                        inQuotes = true;
                        current.Clear();
                    }
                    else if (!char.IsWhiteSpace(c))
                    {
                        error = $"unexpected '{c}' between quoted TXT strings";
                        return false;
                    }

                    continue;
                }

                if (c == '"')
                {
                    inQuotes = false;
                    if (current.Count > 255)
                    {
                        error = "a quoted TXT string is longer than 255 octets";
                        return false;
                    }

                    strings.Add([.. current]);
                    continue;
                }

                if (c == '\\' && i + 1 < text.Length)
                {
                    if (i + 3 < text.Length && char.IsAsciiDigit(text[i + 1]) && char.IsAsciiDigit(text[i + 2]) && char.IsAsciiDigit(text[i + 3]))
                    {
                        int value = int.Parse(text.AsSpan(i + 1, 3), CultureInfo.InvariantCulture);
                        if (value > 255)
                        {
                            error = "a \\DDD escape is above 255";
                            return false;
                        }

                        current.Add((byte)value);
                        i += 3;
                        continue;
                    }

                    c = text[++i];
                }

                // A character outside the BMP is a surrogate pair: encode the pair, not each half on its own.
                int units = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
                current.AddRange(utf8[..Encoding.UTF8.GetBytes(text.AsSpan(i, units), utf8)]);
                i += units - 1;
            }

            if (inQuotes)
            {
                error = "unterminated quoted TXT string";
                return false;
            }
        }
        else
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            for (int i = 0; i < bytes.Length; i += 255)
            {
                strings.Add(bytes[i..Math.Min(bytes.Length, i + 255)]);
            }

            if (strings.Count == 0)
            {
                strings.Add([]);
            }
        }

        if (strings.Count == 0)
        {
            error = "TXT data needs at least one string";
            return false;
        }

        data = new TxtRecordData(strings);
        error = null;
        return true;
    }

    public override bool TryWrite(ref DnsWireWriter writer)
    {
        var mark = writer.Mark();
        foreach (byte[] s in Strings)
        {
            if (!writer.TryWriteByte((byte)s.Length) || !writer.TryWriteBytes(s))
            {
                writer.Rewind(mark);
                return false;
            }
        }

        return true;
    }

    public override string ToString() => string.Join(' ', Strings.Select(s => Quote(s)));
}

/// <summary>The data of a type this codec does not model, kept as octets (RFC 3597).</summary>
public sealed class UnknownRecordData(byte[] data) : DnsRecordData
{
    public ReadOnlyMemory<byte> Data { get; } = data ?? throw new ArgumentNullException(nameof(data));

    public override bool TryWrite(ref DnsWireWriter writer) => writer.TryWriteBytes(Data.Span);

    public override string ToString() =>
        Data.Length == 0 ? "\\# 0" : string.Create(CultureInfo.InvariantCulture, $"\\# {Data.Length} {Convert.ToHexString(Data.Span)}");
}
