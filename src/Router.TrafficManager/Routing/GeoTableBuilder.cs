namespace Router.TrafficManager.Routing;

/// <summary>
/// Collects the networks of a country database (in any order) and builds the <see cref="GeoTable"/> routing reads.
/// IPv4 networks of an IPv6 database (<c>::/96</c>, where MaxMind databases keep them) go to the IPv4 table; networks
/// inside the prefixes that MaxMind databases alias to it (<c>::ffff:0:0/96</c>, Teredo <c>2001::/32</c>, 6to4
/// <c>2002::/16</c>) are left out, as <see cref="GeoTable.Lookup"/> reads the IPv4 table there.
/// </summary>
internal sealed class GeoTableBuilder
{
    private readonly List<(UInt128 First, UInt128 Last, ushort Location)> _v4 = [];
    private readonly List<(UInt128 First, UInt128 Last, ushort Location)> _v6 = [];
    private readonly Dictionary<(ushort Country, byte Continent), ushort> _locationIds = new() { [(0, 0)] = 0 };
    private readonly List<(ushort Country, byte Continent)> _locations = [(0, 0)];
    private int _networks;

    /// <summary>Adds one network of the database.</summary>
    /// <param name="start">The network's first address: 4 bytes (an IPv4 database) or 16.</param>
    /// <param name="prefixLength">Its prefix length in the bits of <paramref name="start"/>.</param>
    /// <param name="country">Its <c>country.iso_code</c>, if any.</param>
    /// <param name="continent">Its <c>continent.code</c>, if any.</param>
    public void Add(ReadOnlySpan<byte> start, int prefixLength, string? country, string? continent)
    {
        if (start.Length is not (4 or 16))
        {
            throw new ArgumentException("An address is 4 or 16 bytes.", nameof(start));
        }

        int width = start.Length * 8;
        if (prefixLength < 0 || prefixLength > width)
        {
            throw new ArgumentOutOfRangeException(nameof(prefixLength), prefixLength, $"A prefix length is 0-{width}.");
        }

        _networks++;
        ushort location = LocationId(GeoCodes.PackDatabaseCountry(country), GeoCodes.ContinentIndex(continent));
        UInt128 bits = Bits(start);
        if (width == 32)
        {
            _v4.Add(Range(bits, prefixLength, 32, location));
            return;
        }

        if (bits >> 32 == UInt128.Zero)
        {
            // Inside ::/96, the IPv4 tree of an IPv6 database: the IPv4 network, or, for a shorter prefix, all of IPv4.
            _v4.Add(prefixLength >= 96 ? Range(bits, prefixLength - 96, 32, location) : (UInt128.Zero, uint.MaxValue, location));
            if (prefixLength >= 96)
            {
                return;
            }
        }

        if (GeoTable.IsIPv4Alias(bits, prefixLength))
        {
            // The same IPv4 tree again (MaxMind's aliases): lookups there read the IPv4 table; copies would only take room.
            return;
        }

        _v6.Add(Range(bits, prefixLength, 128, location));
    }

    /// <summary>The table of every network added.</summary>
    /// <param name="description">What the database says of itself, for logs and Explain.</param>
    public GeoTable Build(string description)
    {
        var (v4Starts, v4Locations) = Flatten(_v4, uint.MaxValue);
        var (v6Starts, v6Locations) = Flatten(_v6, UInt128.MaxValue);
        return new GeoTable([.. v4Starts.Select(s => (uint)s)], v4Locations, v6Starts, v6Locations, [.. _locations], _networks, description);
    }

    private ushort LocationId(ushort country, byte continent)
    {
        if (!_locationIds.TryGetValue((country, continent), out ushort id))
        {
            if (_locations.Count > ushort.MaxValue)
            {
                throw new InvalidDataException("The database has more distinct locations than a country database can.");
            }

            id = (ushort)_locations.Count;
            _locationIds.Add((country, continent), id);
            _locations.Add((country, continent));
        }

        return id;
    }

    private static UInt128 Bits(ReadOnlySpan<byte> bytes)
    {
        UInt128 bits = UInt128.Zero;
        foreach (byte b in bytes)
        {
            bits = (bits << 8) | b;
        }

        return bits;
    }

    private static (UInt128, UInt128, ushort) Range(UInt128 bits, int prefixLength, int width, ushort location)
    {
        UInt128 all = width == 32 ? uint.MaxValue : UInt128.MaxValue;
        UInt128 host = prefixLength >= width ? UInt128.Zero : all >> prefixLength;
        return (bits & ~host & all, (bits | host) & all, location);
    }

    // Sorted starts from 0 up, each with the location of the addresses up to the next start; gaps are location 0 and
    // neighbours with one location are merged. Overlaps (none in a well-formed tree) go to the earlier network.
    private static (UInt128[] Starts, ushort[] Locations) Flatten(List<(UInt128 First, UInt128 Last, ushort Location)> ranges, UInt128 max)
    {
        ranges.Sort((a, b) => a.First != b.First ? a.First.CompareTo(b.First) : a.Last.CompareTo(b.Last));
        var starts = new List<UInt128>(ranges.Count + 1);
        var locations = new List<ushort>(ranges.Count + 1);
        UInt128 next = UInt128.Zero;
        bool full = false;
        foreach (var (first, last, location) in ranges)
        {
            if (full || last < next)
            {
                continue;
            }

            if (first > next)
            {
                Append(starts, locations, next, 0);
            }

            Append(starts, locations, first > next ? first : next, location);
            if (last == max)
            {
                full = true;
            }
            else
            {
                next = last + 1;
            }
        }

        if (!full)
        {
            Append(starts, locations, next, 0);
        }

        return ([.. starts], [.. locations]);
    }

    private static void Append(List<UInt128> starts, List<ushort> locations, UInt128 start, ushort location)
    {
        if (locations.Count > 0 && locations[^1] == location)
        {
            return;
        }

        starts.Add(start);
        locations.Add(location);
    }
}
