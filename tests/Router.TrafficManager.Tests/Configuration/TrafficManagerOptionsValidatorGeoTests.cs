using Router.TrafficManager.Configuration;
using Router.TrafficManager.Tests.Routing;

namespace Router.TrafficManager.Tests.Configuration;

/// <summary><see cref="TrafficManagerOptionsValidator"/> for Geographic profiles: codes, one endpoint per code, the database.</summary>
public sealed class TrafficManagerOptionsValidatorGeoTests
{
    private const string E = "TrafficManager:Profiles:0:Endpoints";

    [Fact]
    public void Validate_GeographicProfile_NoErrors()
    {
        // Act
        var errors = TrafficManagerOptionsValidator.Validate(GeoFixtures.Options());

        // Assert
        Assert.Empty(errors);
    }

    [Fact]
    public void Validate_CodeMappedToTwoEndpoints_ErrorWithBothPaths()
    {
        // Arrange: "de" is DE, which germany maps already.
        var options = GeoFixtures.Options();
        options.Profiles[0].Endpoints[2].GeoMapping = ["GEO-NA", "de"];

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options);

        // Assert
        Assert.Equal([$"{E}:2:GeoMapping:1: 'DE' is already mapped by {E}:0:GeoMapping:0; a code belongs to one endpoint of a profile"], errors);
    }

    [Fact]
    public void Validate_ContinentInBothSpellings_Duplicate()
    {
        // Arrange: EU and GEO-EU are one continent.
        var options = GeoFixtures.Options();
        options.Profiles[0].Endpoints[0].GeoMapping = ["DE", "GEO-EU"];

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options);

        // Assert
        var error = Assert.Single(errors);
        Assert.StartsWith($"{E}:1:GeoMapping:0: 'EU' is already mapped by {E}:0:GeoMapping:1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadCodeAndMissingMapping_EveryErrorWithItsPath()
    {
        // Arrange
        var options = GeoFixtures.Options();
        options.Profiles[0].Endpoints[0].GeoMapping = ["DE", "Germany"];
        options.Profiles[0].Endpoints[1].GeoMapping = [];

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options);

        // Assert
        Assert.Collection(errors,
            e => Assert.StartsWith($"{E}:0:GeoMapping:1: 'Germany' is not WORLD, a continent", e, StringComparison.Ordinal),
            e => Assert.StartsWith($"{E}:1:GeoMapping: required for Geographic routing", e, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_CountryMappingWithoutDatabase_GeoDatabaseRequired()
    {
        // Arrange
        var options = GeoFixtures.Options();
        options.GeoDatabase = " ";

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options);

        // Assert
        var error = Assert.Single(errors);
        Assert.StartsWith("TrafficManager:GeoDatabase: required: profile 'geo' routes by country or continent", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WorldOnlyWithoutDatabase_Accepted()
    {
        // Arrange: WORLD needs nobody placed.
        var options = GeoFixtures.Options();
        options.Profiles[0].Endpoints.RemoveRange(0, 3);
        options.GeoDatabase = null;

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options);

        // Assert
        Assert.Empty(errors);
    }
}
