using System.Globalization;
using System.Text;

namespace Router.Health.Checks.Resp;

/// <summary>
/// A strict RESP2 reply parser over a contiguous buffer, written from the protocol specification
/// (https://redis.io/docs/latest/develop/reference/protocol-spec/, "RESP protocol description").
/// </summary>
/// <remarks>
/// Nothing the peer declares is trusted: every line ends in CR LF (a bare CR or LF is invalid); a length is an
/// optional minus and 1–19 digits, checked for overflow; the only negative length is -1 (the null bulk string and
/// null array); a bulk string must end in CR LF exactly where its length says; and lengths above the limits are
/// rejected from the header alone, before any of their data is awaited or allocated. The reader never throws on
/// input and keeps no state between calls: call it again with more data after <see cref="RespReadStatus.Incomplete"/>.
/// </remarks>
internal static class RespReader
{
    /// <summary>The longest simple string, error or length line accepted (without its CR LF).</summary>
    public const int MaxLineLength = 16 * 1024;

    /// <summary>The longest bulk string accepted. A health check only reads back its own small value.</summary>
    public const int MaxBulkLength = 1024 * 1024;

    /// <summary>The most elements of one array accepted.</summary>
    public const int MaxArrayLength = 1024;

    /// <summary>The deepest nesting of arrays accepted.</summary>
    public const int MaxDepth = 8;

    /// <summary>
    /// Reads one reply from the start of <paramref name="input"/>. On <see cref="RespReadStatus.Complete"/>,
    /// <paramref name="value"/> is the reply and <paramref name="consumed"/> its length in bytes; on
    /// <see cref="RespReadStatus.Invalid"/>, <paramref name="error"/> says what is wrong.
    /// </summary>
    public static RespReadStatus TryRead(ReadOnlySpan<byte> input, out RespValue? value, out int consumed, out string? error)
    {
        int position = 0;
        var status = ReadValue(input, ref position, 0, out value, out error);
        if (status != RespReadStatus.Complete)
        {
            value = null;
            consumed = 0;
            return status;
        }

        consumed = position;
        return status;
    }

    private static RespReadStatus ReadValue(ReadOnlySpan<byte> input, ref int position, int depth, out RespValue? value, out string? error)
    {
        value = null;
        error = null;
        if (position >= input.Length)
        {
            return RespReadStatus.Incomplete;
        }

        byte type = input[position];
        if (type is not ((byte)'+' or (byte)'-' or (byte)':' or (byte)'$' or (byte)'*'))
        {
            error = string.Create(CultureInfo.InvariantCulture, $"unknown reply type byte 0x{type:X2}");
            return RespReadStatus.Invalid;
        }

        var status = ReadLine(input, position + 1, out int lineStart, out int lineLength, out error);
        if (status != RespReadStatus.Complete)
        {
            return status;
        }

        var line = input.Slice(lineStart, lineLength);
        int next = lineStart + lineLength + 2;
        switch (type)
        {
            case (byte)'+':
                value = RespValue.SimpleString(Encoding.UTF8.GetString(line));
                position = next;
                return RespReadStatus.Complete;

            case (byte)'-':
                value = RespValue.Error(Encoding.UTF8.GetString(line));
                position = next;
                return RespReadStatus.Complete;

            case (byte)':':
                if (!TryParseInteger(line, out long integer))
                {
                    error = $"invalid integer '{Shown(line)}'";
                    return RespReadStatus.Invalid;
                }

                value = RespValue.FromInteger(integer);
                position = next;
                return RespReadStatus.Complete;

            case (byte)'$':
                return ReadBulkString(input, line, next, ref position, out value, out error);

            default:
                return ReadArray(input, line, next, ref position, depth, out value, out error);
        }
    }

    private static RespReadStatus ReadBulkString(ReadOnlySpan<byte> input, ReadOnlySpan<byte> header, int next, ref int position, out RespValue? value, out string? error)
    {
        value = null;
        if (!TryParseLength(header, "bulk string", MaxBulkLength, out long length, out error))
        {
            return RespReadStatus.Invalid;
        }

        if (length == -1)
        {
            value = RespValue.BulkString(null);
            position = next;
            return RespReadStatus.Complete;
        }

        // length ≤ MaxBulkLength, so neither sum overflows.
        if (input.Length - next < length + 2)
        {
            return RespReadStatus.Incomplete;
        }

        int end = next + (int)length;
        if (input[end] != (byte)'\r' || input[end + 1] != (byte)'\n')
        {
            error = string.Create(CultureInfo.InvariantCulture, $"bulk string does not end after its declared {length} bytes");
            return RespReadStatus.Invalid;
        }

        value = RespValue.BulkString(input[next..end].ToArray());
        position = end + 2;
        return RespReadStatus.Complete;
    }

    private static RespReadStatus ReadArray(ReadOnlySpan<byte> input, ReadOnlySpan<byte> header, int next, ref int position, int depth, out RespValue? value, out string? error)
    {
        value = null;
        if (!TryParseLength(header, "array", MaxArrayLength, out long count, out error))
        {
            return RespReadStatus.Invalid;
        }

        if (count == -1)
        {
            value = RespValue.Array(null);
            position = next;
            return RespReadStatus.Complete;
        }

        if (depth + 1 > MaxDepth)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"arrays nested deeper than {MaxDepth}");
            return RespReadStatus.Invalid;
        }

        // Capacity grows with elements that really arrived, never with what the header claims.
        var items = new List<RespValue>(Math.Min((int)count, 16));
        int cursor = next;
        for (long i = 0; i < count; i++)
        {
            var status = ReadValue(input, ref cursor, depth + 1, out var item, out error);
            if (status != RespReadStatus.Complete)
            {
                return status;
            }

            items.Add(item!);
        }

        value = RespValue.Array(items);
        position = cursor;
        return RespReadStatus.Complete;
    }

    /// <summary>Finds the CR LF that ends the line starting at <paramref name="start"/>.</summary>
    private static RespReadStatus ReadLine(ReadOnlySpan<byte> input, int start, out int lineStart, out int lineLength, out string? error)
    {
        lineStart = start;
        lineLength = 0;
        error = null;
        var rest = input[start..];
        var window = rest[..Math.Min(rest.Length, MaxLineLength + 1)];
        int end = window.IndexOfAny((byte)'\r', (byte)'\n');
        if (end < 0)
        {
            if (rest.Length > MaxLineLength)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"line longer than {MaxLineLength} bytes");
                return RespReadStatus.Invalid;
            }

            return RespReadStatus.Incomplete;
        }

        if (rest[end] == (byte)'\n')
        {
            error = "line feed without carriage return";
            return RespReadStatus.Invalid;
        }

        if (end + 1 >= rest.Length)
        {
            return RespReadStatus.Incomplete;
        }

        if (rest[end + 1] != (byte)'\n')
        {
            error = "carriage return without line feed";
            return RespReadStatus.Invalid;
        }

        lineLength = end;
        return RespReadStatus.Complete;
    }

    private static bool TryParseLength(ReadOnlySpan<byte> text, string what, int max, out long length, out string? error)
    {
        error = null;
        if (!TryParseInteger(text, out length))
        {
            error = $"invalid {what} length '{Shown(text)}'";
            return false;
        }

        if (length < -1)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"negative {what} length {length}");
            return false;
        }

        if (length > max)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"{what} length {length} exceeds the limit of {max}");
            return false;
        }

        return true;
    }

    /// <summary>An optional '-' and 1–19 decimal digits, within <see cref="long"/>. No '+', no spaces.</summary>
    private static bool TryParseInteger(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        bool negative = text.Length > 0 && text[0] == (byte)'-';
        var digits = negative ? text[1..] : text;
        if (digits.Length is 0 or > 19)
        {
            return false;
        }

        ulong magnitude = 0;
        foreach (byte digit in digits)
        {
            if (digit is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            magnitude = (magnitude * 10) + (ulong)(digit - '0');
        }

        // 19 digits fit in a ulong; the signed range is checked here.
        if (negative ? magnitude > (ulong)long.MaxValue + 1 : magnitude > long.MaxValue)
        {
            return false;
        }

        value = negative ? (long)(0 - magnitude) : (long)magnitude;
        return true;
    }

    private static string Shown(ReadOnlySpan<byte> text)
    {
        const int MaxShown = 32;
        var builder = new StringBuilder();
        foreach (byte b in text[..Math.Min(text.Length, MaxShown)])
        {
            builder.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        }

        return text.Length > MaxShown ? builder.Append("...").ToString() : builder.ToString();
    }
}
