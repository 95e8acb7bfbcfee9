using System.Net;
using System.Text.Json.Serialization;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Admin;

/// <summary>A profile as <c>GET /api/profiles</c> writes it.</summary>
internal sealed record ProfileJson(string Name, string Fqdn, RoutingMethod RoutingMethod, int Ttl, IReadOnlyList<EndpointJson> Endpoints)
{
    public static ProfileJson From(ProfileReport report) =>
        new(report.Name, report.Fqdn, report.RoutingMethod, report.Ttl, [.. report.Endpoints.Select(EndpointJson.From)]);
}

/// <summary>An endpoint with its monitor state.</summary>
internal sealed record EndpointJson(
    string Name, string Target, string? Location, int Priority, int Weight, bool Enabled, bool? EnabledOverride,
    EndpointStatus Status, int ConsecutiveFailures, ProbeJson? LastProbe, DateTimeOffset? LastStatusChange)
{
    public static EndpointJson From(EndpointReport report) => new(
        report.Name, report.Target, report.Location, report.Priority, report.Weight, report.Enabled, report.EnabledOverride,
        report.Status, report.ConsecutiveFailures, report.LastProbe is { } probe ? ProbeJson.From(probe) : null, report.LastStatusChange);
}

/// <summary>The last probe: when it started, how long it took, the status code or the error, and whether the fallback answered.</summary>
internal sealed record ProbeJson(DateTimeOffset Time, bool Succeeded, double DurationMs, int? StatusCode, string? Error, bool Fallback)
{
    public static ProbeJson From(ProbeResult probe) =>
        new(probe.StartedAt, probe.Succeeded, Math.Round(probe.Duration.TotalMilliseconds, 3), probe.StatusCode, probe.Error, probe.UsedFallback);
}

/// <summary><c>GET /api/explain</c>: what <c>router explain</c> prints.</summary>
internal sealed record ExplainJson(
    string Name, string? Profile, RoutingMethod? RoutingMethod, string Client, string? MatchedNetwork,
    IReadOnlyList<ExplainCandidate> Candidates, string Rule, IReadOnlyList<string> Answer, int Ttl, int ScopePrefixLength)
{
    public static ExplainJson From(ExplainReport report) => new(
        report.Name, report.Profile, report.RoutingMethod, ClientText(report.Client), report.MatchedNetwork, report.Candidates, report.Rule,
        report.Answer, report.Ttl, report.ScopePrefixLength);

    private static string ClientText(IPAddress client) => (client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client).ToString();
}

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
internal sealed partial class AdminJsonContext : JsonSerializerContext;
