using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Router.Dns;

/// <summary>
/// An immutable, absolute domain name held in uncompressed wire form (RFC 1035 §3.1), case preserved.
/// Equality and hashing are ASCII case-insensitive (RFC 4343).
/// </summary>
public sealed class DnsName : IEquatable<DnsName>
{
    private readonly byte[] _wire;

    /// <summary>The root name, ".".</summary>
    public static DnsName Root { get; } = new([0]);

    private DnsName(byte[] wire) => _wire = wire;

    /// <summary>The name in uncompressed wire form, ending with the root label.</summary>
    public ReadOnlySpan<byte> Wire => _wire;

    /// <summary>The length of the wire form, at most 255.</summary>
    public int WireLength => _wire.Length;

    /// <summary>The number of labels, the root not included.</summary>
    public int LabelCount => DnsWire.CountLabels(_wire);

    public bool IsRoot => _wire.Length == 1;

    /// <summary>Creates a name from uncompressed wire bytes, validating label and name lengths.</summary>
    public static bool TryFromWire(ReadOnlySpan<byte> wire, [NotNullWhen(true)] out DnsName? name)
    {
        name = null;
        if (wire.Length is 0 or > DnsLimits.MaxNameLength)
        {
            return false;
        }

        int position = 0;
        while (true)
        {
            byte length = wire[position];
            if (length == 0)
            {
                if (position != wire.Length - 1)
                {
                    return false;
                }

                break;
            }

            if (length > DnsLimits.MaxLabelLength || position + 1 + length >= wire.Length)
            {
                return false;
            }

            position += length + 1;
        }

        name = new DnsName(wire.ToArray());
        return true;
    }

    /// <summary>Parses a presentation-format name (RFC 1035 §5.1: <c>\.</c> and <c>\DDD</c> escapes). Relative names are made absolute.</summary>
    public static DnsName Parse(string text) =>
        TryParse(text, Root, out var name, out var error) ? name : throw new FormatException(error);

    /// <summary>
    /// Parses a presentation-format name. A name without a trailing dot is relative to <paramref name="origin"/>;
    /// <c>@</c> is the origin itself.
    /// </summary>
    public static bool TryParse(string text, DnsName origin, [NotNullWhen(true)] out DnsName? name, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(origin);
        name = null;
        error = null;

        if (text.Length == 0)
        {
            error = "empty name";
            return false;
        }

        if (text == "@")
        {
            name = origin;
            return true;
        }

        if (text == ".")
        {
            name = Root;
            return true;
        }

        Span<byte> buffer = stackalloc byte[DnsLimits.MaxNameLength + 1 + DnsLimits.MaxLabelLength];
        int written = 0;
        int labelStart = 0;
        int labelLength = 0;
        bool absolute = false;
        buffer[0] = 0;
        written = 1;

        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            int value;
            if (c == '.')
            {
                if (labelLength == 0)
                {
                    error = $"empty label in '{text}'";
                    return false;
                }

                buffer[labelStart] = (byte)labelLength;
                if (i == text.Length - 1)
                {
                    absolute = true;
                    labelStart = -1;
                    break;
                }

                labelStart = written;
                labelLength = 0;
                buffer[written++] = 0;
                continue;
            }

            if (c == '\\')
            {
                if (i + 3 < text.Length && char.IsAsciiDigit(text[i + 1]) && char.IsAsciiDigit(text[i + 2]) &&
                    char.IsAsciiDigit(text[i + 3]))
                {
                    value = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
                    if (value > 255)
                    {
                        error = $"escape \\{text.Substring(i + 1, 3)} is above 255 in '{text}'";
                        return false;
                    }

                    i += 3;
                }
                else if (i + 1 < text.Length && !char.IsAsciiDigit(text[i + 1]) && char.IsAscii(text[i + 1]))
                {
                    value = text[++i];
                }
                else
                {
                    error = $"incomplete or invalid escape in '{text}'";
                    return false;
                }
            }
            else if (char.IsAscii(c))
            {
                value = c;
            }
            else
            {
                error = $"non-ASCII character '{c}' in '{text}' (use punycode or \\DDD escapes)";
                return false;
            }

            if (++labelLength > DnsLimits.MaxLabelLength)
            {
                error = $"label longer than 63 octets in '{text}'";
                return false;
            }

            if (written >= DnsLimits.MaxNameLength)
            {
                error = $"name longer than 255 octets: '{text}'";
                return false;
            }

            buffer[written++] = (byte)value;
        }

        if (labelStart >= 0)
        {
            buffer[labelStart] = (byte)labelLength;
        }

        ReadOnlySpan<byte> suffix = absolute ? Root.Wire : origin.Wire;
        if (written + suffix.Length > DnsLimits.MaxNameLength)
        {
            error = $"name longer than 255 octets: '{text}'";
            return false;
        }

        suffix.CopyTo(buffer[written..]);
        written += suffix.Length;
        name = new DnsName(buffer[..written].ToArray());
        return true;
    }

    /// <summary>Whether this name equals <paramref name="zone"/> or lies under it.</summary>
    public bool IsSubdomainOf(DnsName zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return DnsWire.IsSubdomainOf(_wire, zone._wire);
    }

    /// <summary>This name with its first label removed; the root's parent is the root.</summary>
    public DnsName Parent() => IsRoot ? this : new DnsName(_wire[(_wire[0] + 1)..]);

    /// <summary>A copy with ASCII letters lowercased: the canonical form used as a lookup key.</summary>
    public DnsName ToLowerInvariant()
    {
        byte[] copy = (byte[])_wire.Clone();
        DnsWire.ToLowerInPlace(copy);
        return new DnsName(copy);
    }

    /// <summary>The presentation form, absolute (with the trailing dot), escaping as RFC 1035 §5.1 requires.</summary>
    public override string ToString()
    {
        if (IsRoot)
        {
            return ".";
        }

        var builder = new StringBuilder(_wire.Length + 4);
        int position = 0;
        while (_wire[position] != 0)
        {
            int length = _wire[position];
            for (int i = position + 1; i <= position + length; i++)
            {
                byte b = _wire[i];
                if (b is (byte)'.' or (byte)'\\' or (byte)'"' or (byte)'(' or (byte)')' or (byte)';' or (byte)'@' or (byte)'$')
                {
                    builder.Append('\\').Append((char)b);
                }
                else if (b is <= 0x20 or >= 0x7F)
                {
                    builder.Append('\\').Append(b.ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
                }
                else
                {
                    builder.Append((char)b);
                }
            }

            builder.Append('.');
            position += length + 1;
        }

        return builder.ToString();
    }

    public bool Equals(DnsName? other) => other is not null && DnsWire.NamesEqual(_wire, other._wire);

    public override bool Equals(object? obj) => obj is DnsName other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (byte b in _wire)
        {
            hash.Add((uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b);
        }

        return hash.ToHashCode();
    }

    public static bool operator ==(DnsName? left, DnsName? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(DnsName? left, DnsName? right) => !(left == right);
}
