using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Router.Dns;

/// <summary>
/// An IPv4 or IPv6 address as a value, allocation-free. IPv4 addresses are held IPv4-mapped (::ffff:a.b.c.d,
/// RFC 4291 §2.5.5.2) so one 128-bit comparison serves both families.
/// </summary>
public readonly record struct NetworkAddress(UInt128 Bits, bool IsIPv4)
{
    private static readonly UInt128 MappedPrefix = new(0, 0x0000_FFFF_0000_0000UL);

    /// <summary>Makes an address from 4 (IPv4) or 16 (IPv6) octets in network order.</summary>
    public static NetworkAddress FromBytes(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        4 => new NetworkAddress(MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(bytes), true),
        16 => FromIPv6Bits(BinaryPrimitives.ReadUInt128BigEndian(bytes)),
        _ => throw new ArgumentException("An address has 4 or 16 octets.", nameof(bytes)),
    };

    public static NetworkAddress FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return FromBytes(bytes[..written]);
    }

    /// <summary>
    /// Reads the peer address out of a raw <see cref="SocketAddress"/> buffer (Linux sockaddr_in / sockaddr_in6)
    /// without allocating. Returns <see langword="false"/> for other families.
    /// </summary>
    public static bool TryFromSocketAddress(SocketAddress socketAddress, out NetworkAddress address)
    {
        ArgumentNullException.ThrowIfNull(socketAddress);
        ReadOnlySpan<byte> raw = socketAddress.Buffer.Span;
        switch (socketAddress.Family)
        {
            case AddressFamily.InterNetwork when raw.Length >= 8:
                address = FromBytes(raw.Slice(4, 4));
                return true;
            case AddressFamily.InterNetworkV6 when raw.Length >= 24:
                address = FromBytes(raw.Slice(8, 16));
                return true;
            default:
                address = default;
                return false;
        }
    }

    /// <summary>
    /// Parses a dotted-quad IPv4 address or a textual IPv6 address (see <see cref="TryParseIPAddress"/> for the forms
    /// refused).
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out NetworkAddress address)
    {
        if (TryParseIPAddress(text, out var ip))
        {
            address = FromIPAddress(ip);
            return true;
        }

        address = default;
        return false;
    }

    // RFC 3986 §7.4: IPv4 literals have historical inet_aton forms ("10.1", "167772161", octal "010.0.0.1", hex
    // "0x0a.0.0.1") that IPAddress.TryParse accepts and silently turns into another address than the operator meant.
    // Zone data and configuration only mean the dotted-decimal form (as POSIX inet_pton), so every other form is
    // refused, as are IPv6 zone indexes ("%eth0"), brackets and ports, which a DNS address or prefix cannot carry.
    /// <summary>
    /// Parses an address strictly: IPv4 as exactly four decimal octets without leading zeros, IPv6 as hexadecimal
    /// groups (with an optional dotted-quad tail) and nothing else.
    /// </summary>
    internal static bool TryParseIPAddress([NotNullWhen(true)] string? text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            foreach (char c in text)
            {
                if (!char.IsAsciiHexDigit(c) && c is not ':' and not '.')
                {
                    return false;
                }
            }

            return IPAddress.TryParse(text, out address) && address.AddressFamily == AddressFamily.InterNetworkV6;
        }

        int parts = 0;
        foreach (var range in text.AsSpan().Split('.'))
        {
            ReadOnlySpan<char> part = text.AsSpan(range);
            if (++parts > 4 || part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0') ||
                !int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int octet) || octet > 255)
            {
                return false;
            }
        }

        return parts == 4 && IPAddress.TryParse(text, out address) && address.AddressFamily == AddressFamily.InterNetwork;
    }

    /// <summary>Writes 4 or 16 octets in network order and returns how many.</summary>
    public int WriteBytes(Span<byte> destination)
    {
        if (IsIPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)Bits);
            return 4;
        }

        BinaryPrimitives.WriteUInt128BigEndian(destination, Bits);
        return 16;
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        int length = WriteBytes(bytes);
        return new IPAddress(bytes[..length]);
    }

    public override string ToString() => ToIPAddress().ToString();

    private static NetworkAddress FromIPv6Bits(UInt128 bits) =>
        (bits >> 32) == (MappedPrefix >> 32) ? new NetworkAddress(bits, true) : new NetworkAddress(bits, false);
}

/// <summary>An address prefix such as <c>127.0.0.0/8</c> or <c>2001:db8::/32</c>.</summary>
public readonly record struct NetworkPrefix(NetworkAddress Address, int Length)
{
    /// <summary>The prefix length counted in the 128-bit space (an IPv4 /8 is /104 there).</summary>
    public int MappedLength => Address.IsIPv4 ? Length + 96 : Length;

    public bool Contains(NetworkAddress address)
    {
        if (address.IsIPv4 != Address.IsIPv4)
        {
            return false;
        }

        int bits = MappedLength;
        if (bits == 0)
        {
            return true;
        }

        UInt128 mask = UInt128.MaxValue << (128 - bits);
        return (address.Bits & mask) == (Address.Bits & mask);
    }

    /// <summary>
    /// Parses <c>ADDRESS/LENGTH</c>, or a bare address as a host prefix. Host bits must be zero, so typos such as
    /// <c>10.0.0.1/8</c> are caught.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out NetworkPrefix prefix, [NotNullWhen(false)] out string? error)
    {
        prefix = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty network prefix";
            return false;
        }

        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string addressText = slash < 0 ? text : text[..slash];
        if (!NetworkAddress.TryParse(addressText, out var address))
        {
            error = $"'{text}' is not an IP address or prefix";
            return false;
        }

        int max = address.IsIPv4 ? 32 : 128;
        int length = max;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > max))
        {
            error = $"'{text}' has a prefix length outside 0-{max}";
            return false;
        }

        prefix = new NetworkPrefix(address, length);
        int mapped = prefix.MappedLength;
        UInt128 hostMask = mapped == 128 ? UInt128.Zero : UInt128.MaxValue >> mapped;
        if ((address.Bits & hostMask) != 0)
        {
            error = $"'{text}' has host bits set (did you mean {Canonical(address, mapped, length)}?)";
            prefix = default;
            return false;
        }

        error = null;
        return true;
    }

    public override string ToString() => $"{Address}/{Length}";

    private static string Canonical(NetworkAddress address, int mapped, int length)
    {
        UInt128 mask = mapped == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - mapped);
        return $"{new NetworkAddress(address.Bits & mask, address.IsIPv4)}/{length}";
    }
}
