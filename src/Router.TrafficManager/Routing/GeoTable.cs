using Router.Dns;

namespace Router.TrafficManager.Routing;

/// <summary>
/// A country database as routing reads it: per family, sorted range starts that cover the whole address space
/// (adjacent networks with one location merged, gaps as "unknown"), each with a location. A lookup is a binary search
/// and never allocates. Immutable; built by <see cref="GeoTableBuilder"/> from a MaxMind DB file.
/// </summary>
internal sealed class GeoTable
{
    private readonly uint[] _v4Starts;
    private readonly ushort[] _v4Locations;
    private readonly UInt128[] _v6Starts;
    private readonly ushort[] _v6Locations;
    private readonly (ushort Country, byte Continent)[] _locations;

    internal GeoTable(uint[] v4Starts, ushort[] v4Locations, UInt128[] v6Starts, ushort[] v6Locations,
        (ushort Country, byte Continent)[] locations, int networks, string description)
    {
        _v4Starts = v4Starts;
        _v4Locations = v4Locations;
        _v6Starts = v6Starts;
        _v6Locations = v6Locations;
        _locations = locations;
        Networks = networks;
        Description = description;
    }

    /// <summary>No database: every address is unknown (scope 0).</summary>
    public static GeoTable Empty { get; } = new([0], [0], [UInt128.Zero], [0], [(0, 0)], 0, "none");

    /// <summary>The networks the database listed (before merging).</summary>
    public int Networks { get; }

    /// <summary>The ranges kept after merging, both families.</summary>
    public int Ranges => _v4Starts.Length + _v6Starts.Length;

    /// <summary>What the database says of itself (<c>GeoLite2-Country built 2026-12-01</c>).</summary>
    public string Description { get; }

    /// <summary>Where the database places <paramref name="address"/>. Allocation-free.</summary>
    public GeoLocation Lookup(NetworkAddress address)
    {
        int index;
        UInt128 low;
        UInt128 high;
        ushort location;
        int width;
        UInt128 bits = AddressRange.FamilyBits(address);
        if (address.IsIPv4)
        {
            uint value = (uint)bits;
            index = LastAtOrBefore(_v4Starts, value);
            low = _v4Starts[index];
            high = index + 1 < _v4Starts.Length ? _v4Starts[index + 1] - 1u : uint.MaxValue;
            location = _v4Locations[index];
            width = 32;
        }
        else if (TryEmbeddedIPv4(bits, out uint embedded, out int aliasLength))
        {
            // Teredo and 6to4 addresses are placed where the IPv4 address inside them is (MaxMind's aliases).
            var location4 = Lookup(new NetworkAddress(((UInt128)0xFFFF << 32) | embedded, IsIPv4: true));
            return location4 with { Scope = (byte)(aliasLength + location4.Scope) };
        }
        else
        {
            index = LastAtOrBefore(_v6Starts, bits);
            low = _v6Starts[index];
            high = index + 1 < _v6Starts.Length ? _v6Starts[index + 1] - 1 : UInt128.MaxValue;
            location = _v6Locations[index];
            width = 128;
        }

        var (country, continent) = _locations[location];
        return new GeoLocation(country, continent, AddressRange.ScopeWithin(bits, low, high, width));
    }

    /// <summary>
    /// The first address (IPv4 first) the database places at a location <paramref name="match"/> accepts (country packed
    /// by <see cref="GeoCodes.Pack"/> or 0, continent index or 0); null when none. A scan: for logs, not the answer path.
    /// </summary>
    public System.Net.IPAddress? FindAddress(Func<ushort, byte, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        for (int i = 0; i < _v4Starts.Length; i++)
        {
            var (country, continent) = _locations[_v4Locations[i]];
            if ((country != 0 || continent != 0) && match(country, continent))
            {
                byte[] bytes = new byte[4];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, _v4Starts[i]);
                return new System.Net.IPAddress(bytes);
            }
        }

        for (int i = 0; i < _v6Starts.Length; i++)
        {
            var (country, continent) = _locations[_v6Locations[i]];
            if ((country != 0 || continent != 0) && match(country, continent))
            {
                byte[] bytes = new byte[16];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, _v6Starts[i]);
                return new System.Net.IPAddress(bytes);
            }
        }

        return null;
    }

    /// <summary>Teredo (<c>2001::/32</c>, the server address after it) and 6to4 (<c>2002::/16</c>) addresses embed IPv4.</summary>
    private static bool TryEmbeddedIPv4(UInt128 bits, out uint address, out int prefixLength)
    {
        if (bits >> 96 == 0x2001_0000)
        {
            (address, prefixLength) = ((uint)(bits >> 64), 32);
            return true;
        }

        if (bits >> 112 == 0x2002)
        {
            (address, prefixLength) = ((uint)(bits >> 80), 16);
            return true;
        }

        (address, prefixLength) = (0, 0);
        return false;
    }

    /// <summary>
    /// Whether an IPv6 network lies inside a prefix that MaxMind databases alias to the IPv4 tree: IPv4-mapped
    /// <c>::ffff:0:0/96</c> (looked up as IPv4), Teredo <c>2001::/32</c> or 6to4 <c>2002::/16</c>.
    /// </summary>
    internal static bool IsIPv4Alias(UInt128 bits, int prefixLength) =>
        (prefixLength >= 96 && bits >> 32 == 0xFFFF) || (prefixLength >= 32 && bits >> 96 == 0x2001_0000) || (prefixLength >= 16 && bits >> 112 == 0x2002);

    // The starts begin at 0, so some start is always at or before the value.
    private static int LastAtOrBefore<T>(T[] starts, T value)
        where T : IComparable<T>
    {
        int low = 0;
        int high = starts.Length - 1;
        int found = 0;
        while (low <= high)
        {
            int middle = low + ((high - low) >> 1);
            if (starts[middle].CompareTo(value) <= 0)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found;
    }
}
