using System.Net;
using Router.Dns;
using Router.TrafficManager.Routing;
using static Router.TrafficManager.Tests.Routing.RoutingFixtures;

namespace Router.TrafficManager.Tests.Routing;

/// <summary>
/// Geographic routing (<see cref="ProfileRouting.Route"/>): the most specific mapping wins (country, continent, WORLD);
/// no mapping, or the mapped endpoint not eligible, is NODATA, as Traffic Manager answers.
/// </summary>
public sealed class GeographicRoutingTests
{
    private static RoutingDecision Route(RoutingSnapshot snapshot, string client)
    {
        var decision = default(RoutingDecision);
        snapshot.FindProfile("geo")!.Route(NetworkAddress.FromIPAddress(IPAddress.Parse(client)), RouteFamily.IPv4, ref decision);
        return decision;
    }

    private static string? Chosen(RoutingSnapshot snapshot, in RoutingDecision decision) =>
        decision.Count == 0 ? null : snapshot.FindProfile("geo")!.Endpoints[decision[0]].Name;

    [Theory]
    [InlineData("10.1.2.3", "germany", "Country")] // DE: its country mapping, though EU is mapped too
    [InlineData("10.2.0.9", "europe", "Continent")] // FR: the continent
    [InlineData("10.5.0.1", "europe", "Continent")] // no country, in EU
    [InlineData("10.3.0.1", "americas", "Continent")] // US: GEO-NA
    [InlineData("10.4.7.7", "americas", "Continent")] // CA: GEO-NA
    [InlineData("10.9.0.1", "world", "World")] // BR: neither country nor continent mapped
    [InlineData("192.0.2.77", "world", "World")] // not in the database
    public void Route_ClientLocation_MostSpecificMappingWins(string client, string endpoint, string level)
    {
        // Arrange
        var snapshot = GeoFixtures.Snapshot(GeoFixtures.Options(), GeoFixtures.Table());

        // Act
        var decision = Route(snapshot, client);

        // Assert
        Assert.Equal(RoutingRule.GeographicMatch, decision.Rule);
        Assert.Equal(endpoint, Chosen(snapshot, decision));
        Assert.Equal(level, decision.GeoLevel.ToString());
    }

    [Theory]
    [InlineData("10.9.0.1")] // BR, South America: mapped by nobody
    [InlineData("192.0.2.77")] // not in the database
    public void Route_UnmappedWithoutWorld_NoData(string client)
    {
        // Arrange
        var snapshot = GeoFixtures.Snapshot(GeoFixtures.Options(world: false), GeoFixtures.Table());

        // Act
        var decision = Route(snapshot, client);

        // Assert
        Assert.Equal(RoutingRule.GeographicNoMapping, decision.Rule);
        Assert.Equal(0, decision.Count);
        Assert.Equal(GeoLevel.None, decision.GeoLevel);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Route_MappedEndpointDegradedOrDisabled_NoDataWithoutFallingBackToTheContinent(bool disabled)
    {
        // Arrange: germany is out; europe (EU) and world are online, but DE is germany's alone.
        var snapshot = GeoFixtures.Snapshot(GeoFixtures.Options(), GeoFixtures.Table(), States(("germany", disabled ? Disabled : Degraded)));

        // Act
        var decision = Route(snapshot, "10.1.2.3");

        // Assert
        Assert.Equal(RoutingRule.GeographicMappedNotEligible, decision.Rule);
        Assert.Equal(0, decision.Count);
        Assert.Equal(0, decision.MappedEndpoint);
    }

    [Fact]
    public void Route_EveryEndpointDegraded_MappedEndpointAnswersByTheAllDegradedRule()
    {
        // Arrange
        var snapshot = GeoFixtures.Snapshot(GeoFixtures.Options(), GeoFixtures.Table(), (_, _) => Degraded);

        // Act
        var decision = Route(snapshot, "10.1.2.3");

        // Assert
        Assert.Equal("germany", Chosen(snapshot, decision));
        Assert.True(decision.AllDegraded);
    }

    [Fact]
    public void Route_EcsScope_ThePrefixTheDatabasePlacesAlike()
    {
        // Arrange
        var snapshot = GeoFixtures.Snapshot(GeoFixtures.Options(), GeoFixtures.Table());

        // Act
        var decision = Route(snapshot, "10.1.2.3");

        // Assert
        Assert.Equal((byte)16, decision.Scope);
        Assert.Equal("DE", decision.Location.CountryCode);
    }

    [Fact]
    public void Route_WorldOnlyProfile_NoLookupAndScopeZero()
    {
        // Arrange: the answer does not depend on where the client is, so it holds for every address.
        var options = GeoFixtures.Options();
        options.Profiles[0].Endpoints.RemoveRange(0, 3);
        var snapshot = GeoFixtures.Snapshot(options, GeoFixtures.Table());

        // Act
        var decision = Route(snapshot, "10.1.2.3");

        // Assert
        Assert.Equal(("world", (byte)0), (Chosen(snapshot, decision), decision.Scope));
        Assert.Null(decision.Location.CountryCode);
    }

    [Fact]
    public void Route_TableSwapped_SameSnapshotPlacesByTheNewTable()
    {
        // Arrange: a reload swaps the locator's table; snapshots are not rebuilt.
        var locator = new GeoLocator(GeoFixtures.Table());
        var snapshot = RoutingSnapshot.Build(GeoFixtures.Options(), AllOnline, geo: locator);
        var before = Route(snapshot, "10.1.2.3");

        // Act
        locator.Table = GeoFixtures.Build(("10.1.0.0/16", "US", "NA"));
        var after = Route(snapshot, "10.1.2.3");

        // Assert
        Assert.Equal("germany", Chosen(snapshot, before));
        Assert.Equal("americas", Chosen(snapshot, after));
    }

    [Fact]
    public void Route_MappingCaseAndContinentPrefix_Normalized()
    {
        // Arrange: "de" and "geo-eu" mean DE and EU.
        var options = GeoFixtures.Options();
        options.Profiles[0].Endpoints[0].GeoMapping = ["de"];
        options.Profiles[0].Endpoints[1].GeoMapping = ["geo-eu"];
        var snapshot = GeoFixtures.Snapshot(options, GeoFixtures.Table());

        // Act
        var germany = Route(snapshot, "10.1.2.3");
        var france = Route(snapshot, "10.2.2.3");

        // Assert
        Assert.Equal("germany", Chosen(snapshot, germany));
        Assert.Equal("europe", Chosen(snapshot, france));
    }

    [Fact]
    public void Explain_CountryMatch_LocationMappingAndNotes()
    {
        // Arrange
        var snapshot = GeoFixtures.Snapshot(GeoFixtures.Options(), GeoFixtures.Table());

        // Act
        var report = snapshot.Explain("geo", IPAddress.Parse("10.1.2.3"))!;

        // Assert
        Assert.Equal(("DE", "EU", "DE", "test table"), (report.ClientCountry, report.ClientContinent, report.GeoMapping, report.GeoDatabase));
        Assert.Equal("the country database places the client in DE (EU); the most specific mapping is the country DE: germany", report.Rule);
        Assert.Equal(["A 192.0.2.1"], report.Answer);
        Assert.Equal("maps EU, not the client's location", report.Candidates.Single(c => c.Endpoint == "europe").Note);
        Assert.Equal(16, report.ScopePrefixLength);
    }

    [Fact]
    public void Explain_MappedNotEligible_SaysNoDataAndWhy()
    {
        // Arrange
        var snapshot = GeoFixtures.Snapshot(GeoFixtures.Options(), GeoFixtures.Table(), States(("germany", Degraded)));

        // Act
        var report = snapshot.Explain("geo", IPAddress.Parse("10.1.2.3"))!;

        // Assert
        Assert.StartsWith("the country database places the client in DE (EU); the most specific mapping is the country DE: germany, which is not eligible: NODATA",
            report.Rule, StringComparison.Ordinal);
        Assert.Empty(report.Answer);
        Assert.Equal("degraded", report.Candidates[0].Note);
    }

    [Fact]
    public void Explain_UnmappedWithoutWorld_NamesTheCodesTried()
    {
        // Arrange
        var snapshot = GeoFixtures.Snapshot(GeoFixtures.Options(world: false), GeoFixtures.Table());

        // Act
        var report = snapshot.Explain("geo", IPAddress.Parse("10.9.0.1"))!;

        // Assert
        Assert.Equal("the country database places the client in BR (SA); no endpoint maps BR, SA, WORLD: NODATA", report.Rule);
        Assert.Null(report.GeoMapping);
    }

    [Fact]
    public void Explain_NotInDatabase_SaysSo()
    {
        // Arrange
        var snapshot = GeoFixtures.Snapshot(GeoFixtures.Options(), GeoFixtures.Table());

        // Act
        var report = snapshot.Explain("geo", IPAddress.Parse("198.51.100.1"))!;

        // Assert
        Assert.Equal("the country database (test table) does not place the client; the most specific mapping is WORLD: world", report.Rule);
        Assert.Equal(("WORLD", (string?)null), (report.GeoMapping, report.ClientCountry));
    }
}
