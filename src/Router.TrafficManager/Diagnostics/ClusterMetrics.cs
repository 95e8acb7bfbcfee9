using System.Diagnostics.Metrics;
using Router.TrafficManager.Cluster;

namespace Router.TrafficManager.Diagnostics;

/// <summary>
/// The cluster's gauges on the <c>Router.TrafficManager</c> meter, read from the newest <see cref="ClusterSnapshot"/>:
/// whether this instance answers by the agreed status, and how many instances are live. Only a clustered router has them.
/// </summary>
internal static class ClusterMetrics
{
    public const string AgreeingGauge = "router.tm.cluster.agreeing";
    public const string InstancesGauge = "router.tm.cluster.instances";

    /// <summary>Creates the gauges; they read <paramref name="snapshot"/> at every collection.</summary>
    public static void Observe(IMeterFactory meterFactory, Func<ClusterSnapshot> snapshot)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(snapshot);
        var meter = meterFactory.Create(TrafficManagerMetrics.MeterName);
        meter.CreateObservableGauge(AgreeingGauge, () => snapshot().State == ClusterStoreState.Connected ? 1 : 0, "{state}",
            "1 while this instance follows the cluster store and answers by the agreed status, 0 while it answers by its own view.");
        meter.CreateObservableGauge(InstancesGauge, () => snapshot().Members.Count, "{instance}",
            "Live router instances (leases held) in the last snapshot of the cluster store.");
    }
}
