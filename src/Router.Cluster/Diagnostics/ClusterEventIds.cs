namespace Router.Cluster.Diagnostics;

/// <summary>
/// Every event ID of Router.Cluster (5000-5999), each used once. The numbers are part of the log contract: never
/// renumber one. Each constant's name is its event's <c>EventName</c> (<c>nameof</c>).
/// </summary>
internal static class ClusterEventIds
{
    // Following the store: 5000-5099 (Diagnostics/ClusterLog.cs).
    public const int ClusterConnected = 5000;
    public const int ClusterUnreachable = 5001;
    public const int ClusterSessionBroken = 5002;
    public const int ClusterStopped = 5003;
    public const int ClusterSnapshotCallbackFailed = 5004;
    public const int ClusterLeaseRevokeFailed = 5005;

    // Membership: 5100-5199.
    public const int DuplicateInstanceId = 5100;
    public const int InstanceRegistered = 5101;

    // Data in the store: 5200-5299.
    public const int StoreDataIgnored = 5200;
}
