using Router.Health.Configuration;

namespace Router.Health.Tests.Integration;

/// <summary>
/// <c>Health</c> sections for the end-to-end tests: short real intervals (probe every 0.5 s, 0.4 s timeout, 2 failures
/// to Unhealthy, 2 successes to Healthy, stale after 30 s), region <c>eastus</c>, listening on a free loopback port.
/// </summary>
internal static class IntegrationOptions
{
    public const string Region = "eastus";
    public const double IntervalSeconds = 0.5;
    public const double TimeoutSeconds = 0.4;
    public const int FailuresToUnhealthy = 2;
    public const int SuccessesToHealthy = 2;

    public static TimeSpan Interval => TimeSpan.FromSeconds(IntervalSeconds);

    public static HealthOptions Create(IEnumerable<ResourceOptions> resources, IEnumerable<RegistryOptions> registries,
        DeepEvaluationMode deepEvaluation = DeepEvaluationMode.Enabled) => new()
        {
            Region = Region,
            Listen = "http://127.0.0.1:0",
            DeepEvaluation = deepEvaluation,
            Evaluation = new HealthEvaluationOptions
            {
                IntervalSeconds = IntervalSeconds,
                TimeoutSeconds = TimeoutSeconds,
                FailuresToUnhealthy = FailuresToUnhealthy,
                SuccessesToHealthy = SuccessesToHealthy,
                StaleAfterSeconds = 30,
            },
            Resources = [.. resources],
            Registries = [.. registries],
        };

    /// <summary>The <c>Health:Evaluation</c> section of these timings, for a configuration file.</summary>
    public static System.Text.Json.Nodes.JsonObject EvaluationJson() => new()
    {
        ["IntervalSeconds"] = IntervalSeconds,
        ["TimeoutSeconds"] = TimeoutSeconds,
        ["FailuresToUnhealthy"] = FailuresToUnhealthy,
        ["SuccessesToHealthy"] = SuccessesToHealthy,
        ["StaleAfterSeconds"] = 30,
    };

    public static ResourceOptions Filesystem(string id, string path) =>
        new() { Id = id, Kind = ResourceKind.Storage, Check = new CheckOptions { Type = "Filesystem", Path = path } };

    public static ResourceOptions Redis(string id, string endpoint) =>
        new() { Id = id, Kind = ResourceKind.Cache, Check = new CheckOptions { Type = "Redis", Endpoint = endpoint } };

    public static ResourceOptions Postgres(string id, string connectionString) =>
        new() { Id = id, Kind = ResourceKind.Metadata, Check = new CheckOptions { Type = "Postgres", ConnectionString = connectionString } };

    public static ResourceOptions HttpResource(string id, ResourceKind kind, Uri url, string? username, string? password, params string[] expectedStatusCodes) =>
        new()
        {
            Id = id,
            Kind = kind,
            Check = new CheckOptions
            {
                Type = "Http",
                Url = url.ToString(),
                Username = username,
                Password = password,
                ExpectedStatusCodes = [.. expectedStatusCodes],
            },
        };

    public static RegistryOptions Registry(string name, string? storage = null, string? cache = null, string? auth = null,
        string? container = null, string? metadata = null, DeepEvaluationMode? deepEvaluation = null) =>
        new()
        {
            Name = name,
            Storage = storage,
            Cache = cache,
            Auth = auth,
            Container = container,
            Metadata = metadata,
            DeepEvaluation = deepEvaluation,
        };
}
