using System.Net;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Tests.Routing;

/// <summary>Country tables built in memory and Geographic profiles the geographic routing tests share.</summary>
internal static class GeoFixtures
{
    /// <summary>
    /// DE, FR (Europe), US, CA (North America), JP (Asia, IPv6), a European network without a country, and 10.9.0.0/16 in
    /// BR (South America), which no profile here maps.
    /// </summary>
    public static GeoTable Table() => Build(
        ("10.1.0.0/16", "DE", "EU"),
        ("10.2.0.0/16", "FR", "EU"),
        ("10.3.0.0/16", "US", "NA"),
        ("10.4.0.0/16", "CA", "NA"),
        ("10.5.0.0/16", null, "EU"),
        ("10.9.0.0/16", "BR", "SA"),
        ("2001:db8:1::/48", "JP", "AS"));

    /// <summary>A table of the given networks, as an IPv4 database would list IPv4 ones and an IPv6 one the rest.</summary>
    public static GeoTable Build(params (string Network, string? Country, string Continent)[] networks)
    {
        var builder = new GeoTableBuilder();
        foreach (var (network, country, continent) in networks)
        {
            string[] parts = network.Split('/');
            builder.Add(IPAddress.Parse(parts[0]).GetAddressBytes(), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), country, continent);
        }

        return builder.Build("test table");
    }

    /// <summary>
    /// Geographic profile <c>geo</c>: <c>germany</c> (DE) 192.0.2.1, <c>europe</c> (EU) 192.0.2.2, <c>americas</c> (GEO-NA)
    /// 192.0.2.3, <c>world</c> (WORLD) 192.0.2.4 unless <paramref name="world"/> is false.
    /// </summary>
    public static TrafficManagerOptions Options(bool world = true)
    {
        var profile = new ProfileOptions
        {
            Name = "geo",
            RoutingMethod = RoutingMethod.Geographic,
            Ttl = 60,
            Endpoints =
            [
                new EndpointOptions { Name = "germany", Target = "192.0.2.1", GeoMapping = ["DE"] },
                new EndpointOptions { Name = "europe", Target = "192.0.2.2", GeoMapping = ["EU"] },
                new EndpointOptions { Name = "americas", Target = "192.0.2.3", GeoMapping = ["GEO-NA"] },
            ],
        };
        if (world)
        {
            profile.Endpoints.Add(new EndpointOptions { Name = "world", Target = "192.0.2.4", GeoMapping = ["WORLD"] });
        }

        var options = RoutingFixtures.Options([profile]);
        options.GeoDatabase = "/nonexistent/country.mmdb";
        return options;
    }

    public static RoutingSnapshot Snapshot(TrafficManagerOptions options, GeoTable table, Func<string, string, EndpointRoutingState>? states = null) =>
        RoutingSnapshot.Build(options, states ?? RoutingFixtures.AllOnline, geo: new GeoLocator(table));
}
