using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Router.Dns;

/// <summary>
/// The zone-file presentation format of RDATA (RFC 1035 §5.1, RFC 3597 §5 for the generic <c>\# LENGTH HEX</c> form):
/// what <c>Dns:Zones:N:Records:M:Value</c> says, read into <see cref="DnsRecordData"/>. The inverse of each type's
/// <see cref="DnsRecordData.ToString"/>.
/// </summary>
internal static class DnsRecordDataParser
{
    /// <inheritdoc cref="DnsRecordData.TryParse"/>
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
                return TryParseTxt(trimmed, out data, out error);

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
        var readError = DnsRecordData.TryRead(type, bytes, 0, bytes.Length, out data);
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

    /// <summary>
    /// Parses TXT presentation text: a sequence of quoted strings (<c>"a" "b"</c>, with <c>\"</c> and <c>\DDD</c>
    /// escapes), or else the whole text as UTF-8, split into 255-octet strings.
    /// </summary>
    private static bool TryParseTxt(string text, [NotNullWhen(true)] out DnsRecordData? data, [NotNullWhen(false)] out string? error)
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
}
