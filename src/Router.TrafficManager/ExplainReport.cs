using System.Net;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager;

/// <summary>Why a name resolves as it does for one client (<c>router explain</c>, <c>/api/explain</c>).</summary>
/// <param name="Name">The name asked about, as given.</param>
/// <param name="Profile">The profile it belongs to; null when the name is not a profile name.</param>
/// <param name="RoutingMethod">The profile's routing method.</param>
/// <param name="Client">The address routed for.</param>
/// <param name="MatchedNetwork">The latency table or subnet entry that matched the client, if any (<c>127.0.0.0/8</c>).</param>
/// <param name="Candidates">Every endpoint of the profile, in configuration order.</param>
/// <param name="Rule">The rule that chose, in words (<c>lowest latency among eligible endpoints: eastus 10 ms</c>).</param>
/// <param name="Answer">The records the answer would carry (<c>A 127.0.0.11</c>, <c>CNAME eastus.example.</c>); empty for NODATA.</param>
/// <param name="Ttl">The answer's TTL.</param>
/// <param name="ScopePrefixLength">The ECS scope the answer would echo.</param>
public sealed record ExplainReport(
    string Name, string? Profile, RoutingMethod? RoutingMethod, IPAddress Client, string? MatchedNetwork,
    IReadOnlyList<ExplainCandidate> Candidates, string Rule, IReadOnlyList<string> Answer, int Ttl, int ScopePrefixLength)
{
    /// <summary>Geographic: the client's country (ISO 3166-1 alpha-2) in the database, if it has one.</summary>
    public string? ClientCountry { get; init; }

    /// <summary>Geographic: the client's continent code in the database, if it has one.</summary>
    public string? ClientContinent { get; init; }

    /// <summary>Geographic: the mapping that matched (<c>DE</c>, <c>EU</c>, <c>WORLD</c>); null when none did.</summary>
    public string? GeoMapping { get; init; }

    /// <summary>Geographic: the country database in force (<c>GeoLite2-Country built 2026-12-01</c>, or <c>none</c>).</summary>
    public string? GeoDatabase { get; init; }

    /// <summary>
    /// When the chosen endpoint is Nested: the child profile's own explanation (its answer is this one's; the TTL here is
    /// the lower of the two, the scope the longer); null otherwise.
    /// </summary>
    public ExplainReport? Nested { get; init; }
}
