namespace Router.TrafficManager.Routing;

/// <summary>
/// The <c>GeoMapping</c> of a Geographic profile's endpoints: country → endpoint (sorted, binary search), continent →
/// endpoint, and <c>WORLD</c>. Built once with the routing snapshot; <see cref="Find"/> never allocates. The most
/// specific mapping wins: country, then continent, then WORLD.
/// </summary>
internal sealed class GeoMap
{
    private readonly ushort[] _countries;
    private readonly int[] _countryEndpoints;
    private readonly int[] _continentEndpoints;
    private readonly int _world;

    private GeoMap(ushort[] countries, int[] countryEndpoints, int[] continentEndpoints, int world)
    {
        _countries = countries;
        _countryEndpoints = countryEndpoints;
        _continentEndpoints = continentEndpoints;
        _world = world;
        NeedsLocation = countries.Length > 0 || continentEndpoints.Any(e => e >= 0);
    }

    public static GeoMap Empty { get; } = new([], [], [.. Enumerable.Repeat(-1, GeoCodes.Continents.Length)], -1);

    /// <summary>Whether any country or continent is mapped: without, the answer does not depend on where the client is.</summary>
    public bool NeedsLocation { get; }

    /// <summary>
    /// Builds the map from each endpoint's codes (entries that do not parse are left out; a code mapped twice, which
    /// validation rejects, stays with the first endpoint).
    /// </summary>
    public static GeoMap Build(IReadOnlyList<IReadOnlyList<string>> mappingsByEndpoint)
    {
        ArgumentNullException.ThrowIfNull(mappingsByEndpoint);
        var countries = new SortedDictionary<ushort, int>();
        int[] continents = [.. Enumerable.Repeat(-1, GeoCodes.Continents.Length)];
        int world = -1;
        for (int e = 0; e < mappingsByEndpoint.Count; e++)
        {
            foreach (string text in mappingsByEndpoint[e])
            {
                if (!GeoCodes.TryParse(text, out var code, out _))
                {
                    continue;
                }

                switch (code.Level)
                {
                    case GeoLevel.Country:
                        countries.TryAdd(code.Value, e);
                        break;
                    case GeoLevel.Continent when continents[code.Value] < 0:
                        continents[code.Value] = e;
                        break;
                    case GeoLevel.World when world < 0:
                        world = e;
                        break;
                }
            }
        }

        return new GeoMap([.. countries.Keys], [.. countries.Values], continents, world);
    }

    /// <summary>
    /// The endpoint mapped to <paramref name="location"/>, or -1; <paramref name="level"/> says which mapping matched
    /// (<see cref="GeoLevel.None"/> when none did).
    /// </summary>
    public int Find(in GeoLocation location, out GeoLevel level)
    {
        if (location.Country != 0)
        {
            int index = Array.BinarySearch(_countries, location.Country);
            if (index >= 0)
            {
                level = GeoLevel.Country;
                return _countryEndpoints[index];
            }
        }

        if (location.Continent != 0 && _continentEndpoints[location.Continent] >= 0)
        {
            level = GeoLevel.Continent;
            return _continentEndpoints[location.Continent];
        }

        level = _world >= 0 ? GeoLevel.World : GeoLevel.None;
        return _world;
    }
}
