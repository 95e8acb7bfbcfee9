namespace Router.TrafficManager.Cluster;

/// <summary>The cluster as one instance sees it (<c>GET /api/cluster</c>, <c>router status</c>).</summary>
/// <param name="InstanceId">This instance.</param>
/// <param name="Quorum">The quorum rule in force.</param>
/// <param name="State">Whether it answers by the agreed status (<see cref="ClusterStoreState.Connected"/>) or its own view.</param>
/// <param name="Since">Since when.</param>
/// <param name="Reason">Why it answers by its own view; null while connected.</param>
/// <param name="Revision">The store revision of the last snapshot.</param>
/// <param name="Instances">The live instances, ordered by id.</param>
public sealed record ClusterReport(
    string InstanceId, QuorumRule Quorum, ClusterStoreState State, DateTimeOffset Since, string? Reason, long Revision, IReadOnlyList<ClusterMember> Instances);
