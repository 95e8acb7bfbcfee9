using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Tests.Routing;

/// <summary><see cref="GeoCodes"/>: the codes a <c>GeoMapping</c> may hold, and the errors for the rest.</summary>
public sealed class GeoCodesTests
{
    public static TheoryData<string, string, string> Valid => new()
    {
        { "WORLD", "World", "WORLD" },
        { " world ", "World", "WORLD" },
        { "EU", "Continent", "EU" },
        { "oc", "Continent", "OC" },
        { "AN", "Continent", "AN" },
        { "GEO-NA", "Continent", "NA" },
        { "geo-af", "Continent", "AF" },
        { "DE", "Country", "DE" },
        { "de", "Country", "DE" },
        { "XK", "Country", "XK" },
        // AF, AS, NA and SA are countries too (Afghanistan, American Samoa, Namibia, Saudi Arabia): bare, the country.
        { "NA", "Country", "NA" },
        { "SA", "Country", "SA" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void TryParse_ValidCode_LevelAndNormalizedText(string text, string level, string normalized)
    {
        // Act
        bool parsed = GeoCodes.TryParse(text, out var code, out string? error);

        // Assert
        Assert.True(parsed, error);
        Assert.Equal(level, code.Level.ToString());
        Assert.Equal(normalized, code.ToString());
    }

    [Theory]
    [InlineData("", "empty code")]
    [InlineData(null, "empty code")]
    [InlineData("ZZ", "is not WORLD, a continent")]
    [InlineData("DEU", "is not WORLD, a continent")]
    [InlineData("D", "is not WORLD, a continent")]
    [InlineData("GEO-AP", "write GEO-OC")]
    [InlineData("GEO-ME", "AS (Asia)")]
    [InlineData("GEO-XX", "is not a continent")]
    [InlineData("US-CA", "regions below a country are not supported")]
    public void TryParse_InvalidCode_SaysWhy(string? text, string reason)
    {
        // Act
        bool parsed = GeoCodes.TryParse(text, out _, out string? error);

        // Assert
        Assert.False(parsed);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void CountryCount_AssignedIsoCodesAndKosovo()
    {
        // Assert: ISO 3166-1 assigns 249 alpha-2 codes; XK is the one user-assigned code the databases use.
        Assert.Equal(250, GeoCodes.CountryCount);
    }
}
