using System.Buffers.Binary;

namespace Router.Dns;

/// <summary>
/// Span-based reading primitives of the wire format. Every method is <c>Try</c>-shaped: it reports a
/// <see cref="DnsParseError"/> instead of throwing, whatever the input.
/// </summary>
public static class DnsWire
{
    private const byte PointerMask = 0xC0;

    // RFC 1035 §3.1 / §4.1.4: a name is a sequence of labels ending in the root label or in a compression pointer.
    // Pointers must point strictly backwards, each one before the start of the segment that contained it, so
    // decompression always terminates; they must never point at another pointer.
    /// <summary>
    /// Reads the possibly compressed name at <paramref name="offset"/> of <paramref name="message"/> and writes it
    /// uncompressed (wire form, case preserved) to <paramref name="destination"/>, which should hold 255 octets.
    /// On success <paramref name="offset"/> moves past the name as it is stored at that position.
    /// </summary>
    public static DnsParseError TryReadName(ReadOnlySpan<byte> message, ref int offset, Span<byte> destination, out int nameLength)
    {
        nameLength = 0;
        int position = offset;
        int segmentStart = offset;
        int resumeOffset = -1;
        int written = 0;

        while (true)
        {
            if ((uint)position >= (uint)message.Length)
            {
                return DnsParseError.Truncated;
            }

            byte length = message[position];
            switch (length & PointerMask)
            {
                case 0:
                    if (length == 0)
                    {
                        if (written + 1 > DnsLimits.MaxNameLength)
                        {
                            return DnsParseError.NameTooLong;
                        }

                        if (written >= destination.Length)
                        {
                            return DnsParseError.NameTooLong;
                        }

                        destination[written++] = 0;
                        offset = resumeOffset >= 0 ? resumeOffset : position + 1;
                        nameLength = written;
                        return DnsParseError.None;
                    }

                    if (position + 1 + length > message.Length)
                    {
                        return DnsParseError.Truncated;
                    }

                    // One more octet is needed at least for the root label that must follow.
                    if (written + 1 + length + 1 > DnsLimits.MaxNameLength || written + 1 + length > destination.Length)
                    {
                        return DnsParseError.NameTooLong;
                    }

                    message.Slice(position, length + 1).CopyTo(destination[written..]);
                    written += length + 1;
                    position += length + 1;
                    break;

                case PointerMask:
                    if (position + 1 >= message.Length)
                    {
                        return DnsParseError.Truncated;
                    }

                    int target = ((length & 0x3F) << 8) | message[position + 1];
                    if (resumeOffset < 0)
                    {
                        resumeOffset = position + 2;
                    }

                    if (target >= segmentStart)
                    {
                        return target >= position ? DnsParseError.BadPointer : DnsParseError.PointerLoop;
                    }

                    if ((message[target] & PointerMask) == PointerMask)
                    {
                        return DnsParseError.PointerLoop;
                    }

                    position = target;
                    segmentStart = target;
                    break;

                default:
                    return DnsParseError.ReservedLabelType;
            }
        }
    }

    /// <summary>Skips over the possibly compressed name at <paramref name="offset"/>, validating it fully.</summary>
    public static DnsParseError TrySkipName(ReadOnlySpan<byte> message, ref int offset)
    {
        Span<byte> scratch = stackalloc byte[DnsLimits.MaxNameLength];
        return TryReadName(message, ref offset, scratch, out _);
    }

    /// <summary>Reads a big-endian 16-bit value.</summary>
    public static bool TryReadUInt16(ReadOnlySpan<byte> message, ref int offset, out ushort value)
    {
        if ((uint)offset > (uint)message.Length || message.Length - offset < 2)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
        offset += 2;
        return true;
    }

    /// <summary>Reads a big-endian 32-bit value.</summary>
    public static bool TryReadUInt32(ReadOnlySpan<byte> message, ref int offset, out uint value)
    {
        if ((uint)offset > (uint)message.Length || message.Length - offset < 4)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(message[offset..]);
        offset += 4;
        return true;
    }

    /// <summary>ASCII-lowercases a wire-form name in place (RFC 4343: DNS names compare case-insensitively in ASCII only).</summary>
    public static void ToLowerInPlace(Span<byte> wireName)
    {
        for (int i = 0; i < wireName.Length; i++)
        {
            byte b = wireName[i];
            if ((uint)(b - 'A') <= 'Z' - 'A')
            {
                wireName[i] = (byte)(b | 0x20);
            }
        }
    }

    /// <summary>
    /// Compares two uncompressed wire-form names case-insensitively. Length octets (at most 63) never fall into the
    /// ASCII letter range, so octet-wise ASCII folding is exact.
    /// </summary>
    public static bool NamesEqual(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        for (int i = 0; i < left.Length; i++)
        {
            if (AsciiLower(left[i]) != AsciiLower(right[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether the uncompressed wire name <paramref name="name"/> equals <paramref name="zone"/> or lies under it,
    /// compared label-wise and case-insensitively.
    /// </summary>
    public static bool IsSubdomainOf(ReadOnlySpan<byte> name, ReadOnlySpan<byte> zone)
    {
        int start = SuffixOffset(name, zone.Length);
        return start >= 0 && NamesEqual(name[start..], zone);
    }

    /// <summary>
    /// The offset in <paramref name="name"/> of the label boundary whose suffix is <paramref name="suffixLength"/>
    /// octets long, or -1 when no label starts there.
    /// </summary>
    public static int SuffixOffset(ReadOnlySpan<byte> name, int suffixLength)
    {
        int target = name.Length - suffixLength;
        if (target < 0)
        {
            return -1;
        }

        int position = 0;
        while (position < target)
        {
            position += name[position] + 1;
        }

        return position == target ? position : -1;
    }

    /// <summary>Counts the labels of an uncompressed wire name, the root not included.</summary>
    public static int CountLabels(ReadOnlySpan<byte> name)
    {
        int count = 0;
        int position = 0;
        while (position < name.Length && name[position] != 0)
        {
            count++;
            position += name[position] + 1;
        }

        return count;
    }

    private static byte AsciiLower(byte b) => (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;
}
