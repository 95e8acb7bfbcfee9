using System.Net;
using System.Text.Json.Serialization;
using Router.TrafficManager.Cluster;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Admin;

/// <summary>A profile as <c>GET /api/profiles</c> writes it.</summary>
internal sealed record ProfileJson(string Name, string Fqdn, RoutingMethod RoutingMethod, int Ttl, IReadOnlyList<EndpointJson> Endpoints)
{
    public static ProfileJson From(ProfileReport report) =>
        new(report.Name, report.Fqdn, report.RoutingMethod, report.Ttl, [.. report.Endpoints.Select(EndpointJson.From)]);
}

/// <summary>
/// An endpoint with its monitor state (<c>held</c> and <c>reason</c>: held back by failback, or in maintenance); in a cluster, <c>status</c> is the agreed status and <c>ownStatus</c> and
/// <c>views</c> (every live instance's view) are set (null for a single instance).
/// </summary>
internal sealed record EndpointJson(
    string Name, string Target, string? Location, int Priority, int Weight, bool Enabled, bool? EnabledOverride,
    EndpointStatus Status, int ConsecutiveFailures, ProbeJson? LastProbe, DateTimeOffset? LastStatusChange,
    EndpointStatus? OwnStatus, IReadOnlyList<EndpointViewReport>? Views, bool Held, string? Reason)
{
    public static EndpointJson From(EndpointReport report) => new(
        report.Name, report.Target, report.Location, report.Priority, report.Weight, report.Enabled, report.EnabledOverride,
        report.Status, report.ConsecutiveFailures, report.LastProbe is { } probe ? ProbeJson.From(probe) : null, report.LastStatusChange,
        report.OwnStatus, report.Views, report.Held, report.Reason);
}

/// <summary><c>GET /api/cluster</c>: this instance, the quorum rule, the store's state and the live instances.</summary>
internal sealed record ClusterJson(string InstanceId, QuorumRule Quorum, ClusterStoreJson Store, IReadOnlyList<ClusterInstanceJson> Instances)
{
    public static ClusterJson From(ClusterReport report) => new(
        report.InstanceId, report.Quorum, new ClusterStoreJson(report.State, report.Since, report.Reason, report.Revision),
        [.. report.Instances.Select(m => new ClusterInstanceJson(m.InstanceId, m.LeaseId, m.LeaseSeconds, m.RegisteredAt, m.Address,
            string.Equals(m.InstanceId, report.InstanceId, StringComparison.Ordinal)))]);
}

/// <summary>The store's state as one instance sees it.</summary>
internal sealed record ClusterStoreJson(ClusterStoreState State, DateTimeOffset Since, string? Reason, long Revision);

/// <summary>A live instance.</summary>
internal sealed record ClusterInstanceJson(string InstanceId, long LeaseId, int LeaseSeconds, DateTimeOffset RegisteredAt, string? Address, bool Self);

/// <summary>
/// The last probe: when it started, how long it took, the status code or the error, whether the fallback answered, and
/// where a batch endpoint's result came from (null for an endpoint's own probe).
/// </summary>
internal sealed record ProbeJson(DateTimeOffset Time, bool Succeeded, double DurationMs, int? StatusCode, string? Error, bool Fallback, string? Source)
{
    public static ProbeJson From(ProbeResult probe) =>
        new(probe.StartedAt, probe.Succeeded, Math.Round(probe.Duration.TotalMilliseconds, 3), probe.StatusCode, probe.Error, probe.UsedFallback, probe.Source);
}

/// <summary><c>GET /api/explain</c>: what <c>router explain</c> prints.</summary>
internal sealed record ExplainJson(
    string Name, string? Profile, RoutingMethod? RoutingMethod, string Client, string? MatchedNetwork,
    IReadOnlyList<ExplainCandidate> Candidates, string Rule, IReadOnlyList<string> Answer, int Ttl, int ScopePrefixLength)
{
    /// <summary>Geographic profiles: where the country database places the client and which mapping chose; null otherwise.</summary>
    public GeoExplainJson? Geo { get; init; }

    /// <summary>When the chosen endpoint is Nested: the child profile's explanation, whose answer this is; null otherwise.</summary>
    public ExplainJson? Nested { get; init; }

    public static ExplainJson From(ExplainReport report) => new(
        report.Name, report.Profile, report.RoutingMethod, ClientText(report.Client), report.MatchedNetwork, report.Candidates, report.Rule,
        report.Answer, report.Ttl, report.ScopePrefixLength)
    {
        Geo = report.GeoDatabase is null ? null : new GeoExplainJson(report.ClientCountry, report.ClientContinent, report.GeoMapping, report.GeoDatabase),
        Nested = report.Nested is null ? null : From(report.Nested),
    };

    private static string ClientText(IPAddress client) => (client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client).ToString();
}

/// <summary>Geographic explain: the client's country and continent (null when the database has none), the mapping that matched, the database.</summary>
internal sealed record GeoExplainJson(string? Country, string? Continent, string? Mapping, string Database);

/// <summary>The body of every error answer.</summary>
internal sealed record ErrorJson(string Error);

/// <summary>
/// The admin API's JSON: camelCase names, enums as strings, nulls written (the shape does not change with the state).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ProfileJson))]
[JsonSerializable(typeof(IReadOnlyList<ProfileJson>))]
[JsonSerializable(typeof(EndpointJson))]
[JsonSerializable(typeof(ExplainJson))]
[JsonSerializable(typeof(ErrorJson))]
[JsonSerializable(typeof(ClusterJson))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
