using System.Net;
using Router.TrafficManager.Cluster;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager;

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
    int Priority, int Weight, bool Chosen, string Note)
{
    /// <summary>In a cluster, every live instance's view of the endpoint (its status is the agreed one); null for a single instance.</summary>
    public IReadOnlyList<EndpointViewReport>? Views { get; init; }

    /// <summary>Whether the profile's failback mode holds it back from answers after a recovery.</summary>
    public bool Held { get; init; }

    /// <summary>Why it is held back, or the operator's reason for maintenance; null otherwise.</summary>
    public string? Reason { get; init; }
}
