using Router.Health.Configuration;

namespace Router.Health.Tests.Topology;

/// <summary>
/// Health sections the tests start from. Every resource is a <c>Tcp</c> check on <c>{id}.resources.test:7</c>, valid
/// for the real check factory; the monitor tests swap in fakes by that endpoint (see <see cref="IdOf"/>).
/// </summary>
internal static class TestOptions
{
    private const string EndpointSuffix = ".resources.test:7";

    /// <summary>
    /// The contract's example, shrunk: <c>contoso</c> on sa-1, cache, auth, api and meta (metadata search on);
    /// <c>fabrikam</c> on sa-2, cache, auth and api (no metadata). Interval 5 s, timeout 3 s, 3 failures down,
    /// 2 successes up, stale after 60 s.
    /// </summary>
    public static HealthOptions ContosoAndFabrikam() => new()
    {
        Region = "eastus",
        Listen = "http://127.0.0.1:0",
        Evaluation = new HealthEvaluationOptions
        {
            IntervalSeconds = 5,
            TimeoutSeconds = 3,
            FailuresToUnhealthy = 3,
            SuccessesToHealthy = 2,
            StaleAfterSeconds = 60,
        },
        Resources =
        [
            Resource("sa-1", ResourceKind.Storage),
            Resource("sa-2", ResourceKind.Storage),
            Resource("cache", ResourceKind.Cache),
            Resource("auth", ResourceKind.Auth),
            Resource("api", ResourceKind.Container),
            Resource("meta", ResourceKind.Metadata),
        ],
        Registries =
        [
            new RegistryOptions { Name = "contoso", Storage = "sa-1", Cache = "cache", Auth = "auth", Container = "api", Metadata = "meta" },
            new RegistryOptions { Name = "fabrikam", Storage = "sa-2", Cache = "cache", Auth = "auth", Container = "api" },
        ],
    };

    /// <summary>A section with the given resources and registries and the default timings above.</summary>
    public static HealthOptions With(IEnumerable<ResourceOptions> resources, IEnumerable<RegistryOptions> registries)
    {
        var options = ContosoAndFabrikam();
        options.Resources = [.. resources];
        options.Registries = [.. registries];
        return options;
    }

    public static ResourceOptions Resource(string id, ResourceKind? kind) => new()
    {
        Id = id,
        Kind = kind,
        Check = new CheckOptions { Type = "Tcp", Endpoint = id + EndpointSuffix },
    };

    /// <summary>
    /// A zone pool with one instance per zone, each a <c>Tcp</c> check whose fake (<see cref="IdOf"/>) is
    /// <c>{id}-z{zone}</c>.
    /// </summary>
    public static ResourceOptions Pool(string id, ResourceKind kind, int? minHealthy, params string[] zones) => new()
    {
        Id = id,
        Kind = kind,
        MinHealthy = minHealthy,
        Instances = [.. zones.Select(zone => new ZoneInstanceOptions { Zone = zone, Check = new CheckOptions { Type = "Tcp", Endpoint = $"{id}-z{zone.Trim()}{EndpointSuffix}" } })],
    };

    /// <summary>The resource id a check section built by <see cref="Resource"/> belongs to (<c>{id}-z{zone}</c> for <see cref="Pool"/>'s).</summary>
    public static string IdOf(CheckOptions check)
    {
        ArgumentNullException.ThrowIfNull(check);
        string endpoint = check.Endpoint ?? throw new ArgumentException("not a check built by TestOptions.Resource", nameof(check));
        return endpoint.EndsWith(EndpointSuffix, StringComparison.Ordinal) ? endpoint[..^EndpointSuffix.Length] : endpoint;
    }
}
