using Microsoft.Extensions.Logging;

namespace Router.Cluster.Diagnostics;

/// <summary>The events of the cluster store. Transitions are logged (once each way); steady state is not.</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(EventId = ClusterEventIds.ClusterConnected, EventName = nameof(ClusterEventIds.ClusterConnected), Level = LogLevel.Information,
        Message = "Following the cluster store at {Endpoint} as {InstanceId} (lease {LeaseId}, revision {Revision}); answering by the agreed status.")]
    public static partial void Connected(ILogger logger, string endpoint, string instanceId, long leaseId, long revision);

    [LoggerMessage(EventId = ClusterEventIds.ClusterUnreachable, EventName = nameof(ClusterEventIds.ClusterUnreachable), Level = LogLevel.Warning,
        Message = "The cluster store cannot be followed ({Reason}); answering by this instance's own view, and reconnecting.")]
    public static partial void Unreachable(ILogger logger, string reason);

    [LoggerMessage(EventId = ClusterEventIds.ClusterSessionBroken, EventName = nameof(ClusterEventIds.ClusterSessionBroken), Level = LogLevel.Debug,
        Message = "The session with the cluster store at {Endpoint} ended ({Reason}); reconnecting.")]
    public static partial void SessionBroken(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = ClusterEventIds.ClusterStopped, EventName = nameof(ClusterEventIds.ClusterStopped), Level = LogLevel.Information,
        Message = "Stopped following the cluster store; {InstanceId} left the cluster (lease revoked: {Revoked}).")]
    public static partial void Stopped(ILogger logger, string instanceId, bool revoked);

    [LoggerMessage(EventId = ClusterEventIds.ClusterSnapshotCallbackFailed, EventName = nameof(ClusterEventIds.ClusterSnapshotCallbackFailed), Level = LogLevel.Error,
        Message = "The receiver of cluster snapshots threw on revision {Revision}; the next snapshot is delivered all the same.")]
    public static partial void CallbackFailed(ILogger logger, long revision, Exception exception);

    [LoggerMessage(EventId = ClusterEventIds.ClusterLeaseRevokeFailed, EventName = nameof(ClusterEventIds.ClusterLeaseRevokeFailed), Level = LogLevel.Warning,
        Message = "Could not revoke lease {LeaseId} on stopping ({Reason}); this instance stays a member until the lease expires.")]
    public static partial void RevokeFailed(ILogger logger, long leaseId, string reason);

    [LoggerMessage(EventId = ClusterEventIds.DuplicateInstanceId, EventName = nameof(ClusterEventIds.DuplicateInstanceId), Level = LogLevel.Error,
        Message = "Instance id {InstanceId} is already registered in the cluster store under another live lease ({OtherLeaseId}, {Key}: {Other}): " +
        "instance ids must be unique (Cluster:InstanceId). This instance does not take it over; it registers when that lease ends " +
        "(a previous run of this instance ends within its lease).")]
    public static partial void DuplicateInstanceId(ILogger logger, string instanceId, long otherLeaseId, string key, string other);

    [LoggerMessage(EventId = ClusterEventIds.InstanceRegistered, EventName = nameof(ClusterEventIds.InstanceRegistered), Level = LogLevel.Information,
        Message = "Registered {InstanceId} in the cluster store under lease {LeaseId} ({LeaseSeconds} s).")]
    public static partial void Registered(ILogger logger, string instanceId, long leaseId, int leaseSeconds);

    [LoggerMessage(EventId = ClusterEventIds.StoreDataIgnored, EventName = nameof(ClusterEventIds.StoreDataIgnored), Level = LogLevel.Warning,
        Message = "Ignored {Key} (revision {Revision}) in the cluster store: {Problem}.")]
    public static partial void DataIgnored(ILogger logger, string key, long revision, string problem);
}
