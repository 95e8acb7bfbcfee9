using Router.Health.Checks;
using Router.Health.Evaluation;

namespace Router.Health.Monitoring;

/// <summary>Zone pools: each instance's result through its own state machine, then the pool's state.</summary>
public sealed partial class HealthMonitor
{
    /// <summary>
    /// Records instance <paramref name="instance"/>'s result of zone pool <paramref name="index"/>: its next state by the
    /// thresholds, the pool's by <see cref="ZonePoolRule.WithInstance"/>, published under the pool's lock (its instances'
    /// loops are its writers); then the instance's transition is logged and counted, and the pool's as a resource's.
    /// </summary>
    private void RecordInstance(HealthSnapshot snapshot, int index, int instance, HysteresisPolicy policy, CheckResult result)
    {
        var resource = snapshot.Topology.Resources[index];
        var probe = resource.Probes[instance];
        var now = _timeProvider.GetUtcNow();
        ResourceHealth previous;
        ResourceHealth next;
        lock (snapshot.PoolLocks[index]!)
        {
            previous = snapshot.States[index];
            next = ZonePoolRule.WithInstance(resource, previous, instance, policy.Next(previous.Zones![instance], result, now), now);
            snapshot.Publish(index, next);
            snapshot.Journal.Observe(snapshot, index, now.UtcTicks);
        }

        _metrics.CheckCompleted(resource.Kind, probe.Check.Type, result);
        var before = previous.Zones[instance];
        var after = next.Zones![instance];
        if (result.Outcome == CheckOutcome.Inconclusive && before.LastResult?.Outcome != CheckOutcome.Inconclusive)
        {
            Log.CheckInconclusive(_logger, $"{resource.Id} (zone {probe.Zone})", result.Error ?? "inconclusive");
        }

        bool changed = after.State != before.State;
        if (changed)
        {
            _metrics.ZoneTransition(resource.Kind, probe.Zone!, after.State);
            if (after.State == HealthState.Unhealthy)
            {
                Log.ZoneInstanceUnhealthy(_logger, resource.Id, resource.Kind, probe.Zone!, after.ConsecutiveFailures, after.LastError ?? "failed",
                    next.State, resource.MinHealthy, resource.Probes.Length);
            }
            else
            {
                Log.ZoneInstanceHealthy(_logger, resource.Id, resource.Kind, probe.Zone!, before.State, after.ConsecutiveSuccesses, next.State);
            }
        }

        Published(snapshot, index, previous, next, now, registriesChanged: changed);
    }
}
