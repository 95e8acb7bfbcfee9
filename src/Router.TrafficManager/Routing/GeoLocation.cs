namespace Router.TrafficManager.Routing;

/// <summary>
/// Where the geographic database places one client address: looked up once per query, a value on the stack.
/// </summary>
/// <param name="Country">The country packed by <see cref="GeoCodes.Pack"/>; 0 when the database has none for the address.</param>
/// <param name="Continent">The continent's index in <see cref="GeoCodes.Continents"/>; 0 when unknown.</param>
/// <param name="Scope">
/// The RFC 7871 scope: the prefix length of the largest block around the address that the database places alike.
/// </param>
internal readonly record struct GeoLocation(ushort Country, byte Continent, byte Scope)
{
    /// <summary>Whether the database placed the address at all.</summary>
    public bool IsKnown => Country != 0 || Continent != 0;

    /// <summary>The country code (<c>DE</c>), or null.</summary>
    public string? CountryCode => Country == 0 ? null : GeoCodes.Unpack(Country);

    /// <summary>The continent code (<c>EU</c>), or null.</summary>
    public string? ContinentCode => Continent == 0 ? null : GeoCodes.Continents[Continent];
}
