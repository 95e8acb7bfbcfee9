using System.Net;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager;

/// <summary>One profile as the admin API and <c>router status</c> show it.</summary>
/// <param name="Name">The profile name.</param>
/// <param name="Fqdn">The name answered, with the trailing dot (<c>contoso.tm.registry.test.</c>).</param>
/// <param name="RoutingMethod">How an endpoint is chosen.</param>
/// <param name="Ttl">The answers' TTL in seconds.</param>
/// <param name="Endpoints">The endpoints, in configuration order.</param>
public sealed record ProfileReport(string Name, string Fqdn, RoutingMethod RoutingMethod, int Ttl, IReadOnlyList<EndpointReport> Endpoints);

/// <summary>One endpoint's configuration and monitor state.</summary>
/// <param name="Name">The endpoint name.</param>
/// <param name="Target">The address or name answered and probed.</param>
/// <param name="Location">The location in the latency table.</param>
/// <param name="Priority">The priority (configured, or the 1-based position).</param>
/// <param name="Weight">The weight.</param>
/// <param name="Enabled">The effective flag: configuration, overridden by the admin API.</param>
/// <param name="EnabledOverride">The admin API's override, when one is in force.</param>
/// <param name="Status">The monitor status.</param>
/// <param name="ConsecutiveFailures">Failed probes in a row (0 after a success).</param>
/// <param name="LastProbe">The last finished probe, if any.</param>
/// <param name="LastStatusChange">When <paramref name="Status"/> last changed (start-up counts as a change).</param>
public sealed record EndpointReport(
    string Name, string Target, string? Location, int Priority, int Weight, bool Enabled, bool? EnabledOverride,
    EndpointStatus Status, int ConsecutiveFailures, ProbeResult? LastProbe, DateTimeOffset? LastStatusChange);

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
    IReadOnlyList<ExplainCandidate> Candidates, string Rule, IReadOnlyList<string> Answer, int Ttl, int ScopePrefixLength);

/// <summary>One endpoint as the routing rule saw it.</summary>
/// <param name="Endpoint">The endpoint name.</param>
/// <param name="Target">The address or name it answers with.</param>
/// <param name="Location">Its location.</param>
/// <param name="Status">Its monitor status.</param>
/// <param name="Enabled">Whether it is enabled.</param>
/// <param name="Eligible">Whether it was in the eligible set (after the all-degraded rule).</param>
/// <param name="LatencyMs">Its latency from the client's network (Performance), if the table has it.</param>
/// <param name="Priority">Its priority.</param>
/// <param name="Weight">Its weight.</param>
/// <param name="Chosen">Whether it is in the answer.</param>
/// <param name="Note">Why it was or was not chosen (<c>disabled</c>, <c>degraded</c>, <c>higher latency</c>).</param>
public sealed record ExplainCandidate(
    string Endpoint, string Target, string? Location, EndpointStatus Status, bool Enabled, bool Eligible, double? LatencyMs,
    int Priority, int Weight, bool Chosen, string Note);
