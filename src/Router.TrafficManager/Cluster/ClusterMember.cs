namespace Router.TrafficManager.Cluster;

/// <summary>A live instance: one whose lease the store holds.</summary>
/// <param name="InstanceId">Its id.</param>
/// <param name="LeaseId">The store's id of its lease.</param>
/// <param name="LeaseSeconds">The lease's time to live, as granted.</param>
/// <param name="RegisteredAt">When it registered under this lease (its own clock).</param>
/// <param name="Address">What it says about itself for operators (host name and admin listener), if anything.</param>
public sealed record ClusterMember(string InstanceId, long LeaseId, int LeaseSeconds, DateTimeOffset RegisteredAt, string? Address);
