using Router.TrafficManager.Routing;
using static Router.TrafficManager.Tests.Routing.RoutingFixtures;

namespace Router.TrafficManager.Tests.Routing;

/// <summary><see cref="AnswerChanges"/> for Geographic profiles: a group per mapped country and continent.</summary>
public sealed class GeographicAnswerChangesTests
{
    [Fact]
    public void Compare_MappedCountryEndpointDegraded_ThatCountryGoesToNoData()
    {
        // Arrange
        var options = GeoFixtures.Options();
        var before = GeoFixtures.Snapshot(options, GeoFixtures.Table());
        var after = GeoFixtures.Snapshot(options, GeoFixtures.Table(), States(("germany", Degraded)));

        // Act
        var changes = AnswerChanges.Compare(before, after, options, options.Profiles[0], out int notCompared);

        // Assert: DE (10.1.0.0) loses its answer; EU is shown by a European address outside DE, which keeps europe.
        var change = Assert.Single(changes, c => c.Type == "A");
        Assert.Equal(("DE", "germany (A 192.0.2.1)", "NODATA"), (change.Clients, change.Before, change.After));
        Assert.Equal(0, notCompared);
    }

    [Fact]
    public void Compare_ContinentEndpointDegraded_GroupedByTheContinent()
    {
        // Arrange
        var options = GeoFixtures.Options();
        var before = GeoFixtures.Snapshot(options, GeoFixtures.Table());
        var after = GeoFixtures.Snapshot(options, GeoFixtures.Table(), States(("americas", Degraded)));

        // Act
        var changes = AnswerChanges.Compare(before, after, options, options.Profiles[0], out _);

        // Assert
        Assert.Equal(["NA"], changes.Where(c => c.Type == "A").Select(c => c.Clients));
    }
}
