using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Configuration;

/// <summary>Geographic routing: <c>Endpoints:N:GeoMapping</c> and <c>TrafficManager:GeoDatabase</c>.</summary>
public static partial class TrafficManagerOptionsValidator
{
    /// <summary>
    /// Every code must parse; in a Geographic profile every endpoint maps at least one, and a code belongs to one
    /// endpoint only (as in Traffic Manager, where a region can be in one endpoint's mapping of a profile).
    /// </summary>
    private static void ValidateGeoMappings(ProfileOptions profile, string path, List<string> errors)
    {
        bool geographic = profile.RoutingMethod == RoutingMethod.Geographic;
        var owners = new Dictionary<GeoCode, string>();
        for (int e = 0; e < profile.Endpoints.Count; e++)
        {
            var endpoint = profile.Endpoints[e];
            if (endpoint is null)
            {
                continue;
            }

            string mappingPath = $"{path}:{e}:GeoMapping";
            if (geographic && endpoint.GeoMapping.Count == 0)
            {
                errors.Add($"{mappingPath}: required for Geographic routing (codes such as WORLD, EU, GEO-NA or DE)");
            }

            for (int i = 0; i < endpoint.GeoMapping.Count; i++)
            {
                string codePath = $"{mappingPath}:{i}";
                if (!GeoCodes.TryParse(endpoint.GeoMapping[i], out var code, out string? error))
                {
                    errors.Add($"{codePath}: {error}");
                }
                else if (geographic && !owners.TryAdd(code, codePath))
                {
                    errors.Add($"{codePath}: '{code}' is already mapped by {owners[code]}; a code belongs to one endpoint of a profile");
                }
            }
        }
    }

    /// <summary>A Geographic profile that maps a country or continent needs the database that places clients.</summary>
    private static void ValidateGeoDatabase(TrafficManagerOptions options, string path, List<string> errors)
    {
        if (!string.IsNullOrWhiteSpace(options.GeoDatabase))
        {
            return;
        }

        var profile = options.Profiles.FirstOrDefault(p => p is { RoutingMethod: RoutingMethod.Geographic } &&
            p.Endpoints.Any(e => e is not null && e.GeoMapping.Any(text => GeoCodes.TryParse(text, out var code, out _) && code.Level != GeoLevel.World)));
        if (profile is not null)
        {
            errors.Add($"{path}:GeoDatabase: required: profile '{profile.Name}' routes by country or continent " +
                "(a MaxMind DB country database, such as GeoLite2-Country.mmdb or DB-IP's dbip-country-lite.mmdb)");
        }
    }
}
