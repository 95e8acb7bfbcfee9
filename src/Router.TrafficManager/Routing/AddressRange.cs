using System.Diagnostics.CodeAnalysis;
using Router.Dns;

namespace Router.TrafficManager.Routing;

/// <summary>
/// An inclusive range of addresses of one family, as <c>Subnets</c> entries give them: a CIDR prefix
/// (<c>10.1.0.0/16</c>) or <c>first-last</c> (<c>10.1.0.1-10.1.0.9</c>), Traffic Manager's two forms.
/// </summary>
/// <param name="First">The first address, in family bits (32 significant bits for IPv4, 128 for IPv6).</param>
/// <param name="Last">The last address, inclusive.</param>
/// <param name="IsIPv4">The family.</param>
internal readonly record struct AddressRange(UInt128 First, UInt128 Last, bool IsIPv4) : IComparable<AddressRange>
{
    /// <summary>The width of the family's addresses in bits.</summary>
    public int Width => IsIPv4 ? 32 : 128;

    /// <summary>An address as family bits: the low 32 bits for IPv4, all 128 for IPv6.</summary>
    public static UInt128 FamilyBits(NetworkAddress address) => address.IsIPv4 ? (uint)address.Bits : address.Bits;

    public bool Contains(NetworkAddress address)
    {
        if (address.IsIPv4 != IsIPv4)
        {
            return false;
        }

        var bits = FamilyBits(address);
        return bits >= First && bits <= Last;
    }

    public int CompareTo(AddressRange other) =>
        IsIPv4 != other.IsIPv4 ? (IsIPv4 ? -1 : 1) : First != other.First ? First.CompareTo(other.First) : Last.CompareTo(other.Last);

    /// <summary>Parses a CIDR prefix (host bits zero), a bare address, or <c>first-last</c> of one family with first ≤ last.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out AddressRange range, [NotNullWhen(false)] out string? error)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty subnet (a CIDR prefix such as 10.1.0.0/16 or a range such as 10.1.0.1-10.1.0.9)";
            return false;
        }

        string trimmed = text.Trim();
        int dash = trimmed.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            if (!NetworkAddress.TryParse(trimmed[..dash].Trim(), out var first) || !NetworkAddress.TryParse(trimmed[(dash + 1)..].Trim(), out var last))
            {
                error = $"'{text}' is not a range of two IP addresses (first-last)";
                return false;
            }

            if (first.IsIPv4 != last.IsIPv4)
            {
                error = $"'{text}' mixes IPv4 and IPv6";
                return false;
            }

            if (FamilyBits(first) > FamilyBits(last))
            {
                error = $"'{text}' ends before it starts";
                return false;
            }

            range = new AddressRange(FamilyBits(first), FamilyBits(last), first.IsIPv4);
            error = null;
            return true;
        }

        if (!NetworkPrefix.TryParse(trimmed, out var prefix, out error))
        {
            return false;
        }

        range = FromPrefix(prefix);
        return true;
    }

    /// <summary>The addresses of <paramref name="prefix"/>.</summary>
    public static AddressRange FromPrefix(NetworkPrefix prefix)
    {
        bool v4 = prefix.Address.IsIPv4;
        int width = v4 ? 32 : 128;
        var first = FamilyBits(prefix.Address);
        UInt128 host = prefix.Length >= width ? UInt128.Zero : (v4 ? (UInt128)(uint.MaxValue >> prefix.Length) : UInt128.MaxValue >> prefix.Length);
        return new AddressRange(first & ~host, first | host, v4);
    }

    /// <summary>
    /// The shortest prefix length whose block around <paramref name="bits"/> lies within [<paramref name="low"/>,
    /// <paramref name="high"/>]: how much of the address an answer that holds for that whole interval depends on
    /// (RFC 7871 §7.2.1 SCOPE PREFIX-LENGTH). <paramref name="bits"/> must be inside the interval.
    /// </summary>
    public static byte ScopeWithin(UInt128 bits, UInt128 low, UInt128 high, int width)
    {
        for (int length = 0; length < width; length++)
        {
            UInt128 host = width == 32 ? (UInt128)(uint.MaxValue >> length) : UInt128.MaxValue >> length;
            if ((bits & ~host) >= low && (bits | host) <= high)
            {
                return (byte)length;
            }
        }

        return (byte)width;
    }
}
