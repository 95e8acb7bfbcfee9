using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;

namespace Router.TrafficManager.Monitoring;

/// <summary>Counting results: one probe's (<see cref="Record"/>), and many at once from a batch poller (<see cref="RecordBatch"/>).</summary>
internal sealed partial class ProbeScheduler
{
    /// <summary>
    /// Status changes of one <see cref="RecordBatch"/> logged one by one (event 3000); the ones beyond are counted in one
    /// summary line (event 3003), so a whole region turning 503 writes a bounded log, not 300,000 lines. The metric
    /// counts every change.
    /// </summary>
    internal const int MaxTransitionsLogged = 50;

    /// <summary>
    /// Counts one result for each listed <c>Batch</c>-mode endpoint through <see cref="EndpointHealthPolicy"/>, all under
    /// one lock, and publishes ONE new <see cref="EndpointStates"/> snapshot holding them; then the change callback runs
    /// for each, as after a probe. A result is dropped for an endpoint that is gone, disabled, not in <c>Batch</c> mode,
    /// or whose probe changed since the poller was given its target (a reload raced the poll).
    /// </summary>
    /// <param name="results">One result per endpoint.</param>
    /// <returns>How many results were counted.</returns>
    /// <remarks>
    /// Batch endpoints have no timer of their own: the origin's poller is their clock. The fallback's per-endpoint
    /// events (3001, 3002) are not logged here: the poller logs its origin's once.
    /// </remarks>
    public int RecordBatch(IReadOnlyList<BatchResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);

        // Lean at 100,000 endpoints a round: the new states go straight into the next snapshot (no list of them), the
        // counted results are kept by position in pooled arrays, previous and next states are read again from the
        // snapshots before and after, and only status changes are handed on (see the constructor's onChanges).
        var counted = RoundArrays<int>.Pool.Rent(results.Count);
        var slots = RoundArrays<int>.Pool.Rent(results.Count);
        var targets = RoundArrays<ProbeTarget>.Pool.Rent(results.Count);
        try
        {
            int count = 0;
            EndpointStates before;
            EndpointStates published;
            lock (_lock)
            {
                var now = _timeProvider.GetUtcNow();
                before = _states;
                var builder = before.ToBuilder();
                for (int i = 0; i < results.Count; i++)
                {
                    var (target, result) = results[i];
                    if (!_runners_NeedsLock.TryGetValue(new EndpointKey(target.Profile, target.Endpoint), out var runner) || runner.Retired
                        || !runner.Target.Enabled || runner.Target.Monitor.Mode != MonitorMode.Batch
                        || (!ReferenceEquals(runner.Target, target) && !ProbeTargetDiff.SameProbe(runner.Target, target)))
                    {
                        continue;
                    }

                    // One lookup of the slot; the state is read and written there (every runner has one).
                    if (!before.TryGetSlot(runner.Target.Profile, runner.Target.Endpoint, out int slot))
                    {
                        throw new InvalidOperationException($"No state for {runner.Target.Profile}/{runner.Target.Endpoint}.");
                    }

                    builder.SetAt(slot, EndpointHealthPolicy.Next(before.StateAt(slot), result, runner.Target.Monitor, now));
                    counted[count] = i;
                    slots[count] = slot;
                    targets[count++] = runner.Target;
                }

                if (count == 0)
                {
                    return 0;
                }

                published = builder.ToStates();
                Volatile.Write(ref _states, published);
            }

            Announce(results, counted, slots, targets, count, before, published);
            return count;
        }
        finally
        {
            RoundArrays<int>.Pool.Return(counted);
            RoundArrays<int>.Pool.Return(slots);
            RoundArrays<ProbeTarget>.Pool.Return(targets, clearArray: true);
        }
    }

    /// <summary>After <see cref="RecordBatch"/>'s lock: the metrics, the events (bounded) and one call of the changes callback.</summary>
    private void Announce(IReadOnlyList<BatchResult> results, int[] counted, int[] slots, ProbeTarget[] targets, int count,
        EndpointStates before, EndpointStates published)
    {
        // The changes handed on live in a pooled array too: a whole region failing over is 100,000 of them.
        var changes = _onChanges is null ? null : RoundArrays<EndpointStateChange>.Pool.Rent(count);
        int handed = 0;
        int transitions = 0, folded = 0, degraded = 0;
        string? first = null;
        for (int k = 0; k < count; k++)
        {
            var target = targets[k];
            var result = results[counted[k]].Result;
            var previous = before.StateAt(slots[k]);
            var next = published.StateAt(slots[k]);
            bool logged = true;
            if (next.Status != previous.Status && ++transitions > MaxTransitionsLogged)
            {
                logged = false;
                folded++;
                degraded += next.Status == EndpointStatus.Degraded ? 1 : 0;
                first ??= $"{target.Profile}/{target.Endpoint} {previous.Status} -> {next.Status} ({MonitoringLog.Cause(result)})";
            }

            var change = Announce(target, previous, next, result, crash: null, published, logFallback: false, batch: changes is not null, logged);
            if (changes is not null && (handed == 0 || next.Status != previous.Status))
            {
                changes[handed++] = change;
            }
        }

        if (folded > 0)
        {
            MonitoringLog.StatusChangesSummarized(_logger, folded, transitions, degraded, first!);
        }

        if (changes is not null)
        {
            try
            {
                _onChanges!(new ArraySegment<EndpointStateChange>(changes, 0, handed));
            }
            catch (Exception ex)
            {
                MonitoringLog.StateCallbackFailed(_logger, changes[0].Profile, changes[0].Endpoint, ex);
            }
            finally
            {
                RoundArrays<EndpointStateChange>.Pool.Return(changes, clearArray: true);
            }
        }
    }

    private void Record(ProbeRunner runner, ProbeTarget target, ProbeResult result, Exception? crash, CancellationToken cancellationToken)
    {
        EndpointMonitorState previous;
        EndpointMonitorState next;
        EndpointStates published;
        lock (_lock)
        {
            runner.Busy = false;
            if (runner.Retired || cancellationToken.IsCancellationRequested)
            {
                return;
            }

            previous = StateOf_NeedsLock(runner);
            next = crash is null
                ? EndpointHealthPolicy.Next(previous, result, target.Monitor, _timeProvider.GetUtcNow())
                : previous with { LastProbe = result };
            published = Publish_NeedsLock(runner.Target, next);
        }

        Announce(target, previous, next, result, crash, published, logFallback: true);
    }

    /// <summary>
    /// After the lock: the metrics, the events and the change callback of one counted result; for a
    /// <paramref name="batch"/> (the callback takes a whole batch at once) the change is returned instead.
    /// </summary>
    private EndpointStateChange Announce(ProbeTarget target, EndpointMonitorState previous, EndpointMonitorState next, ProbeResult result,
        Exception? crash, EndpointStates published, bool logFallback, bool batch = false, bool logTransition = true)
    {
        _metrics.ProbeCompleted(target.Profile, target.Endpoint, result, crashed: crash is not null);
        if (crash is not null)
        {
            MonitoringLog.ProbeCrashed(_logger, target.Profile, target.Endpoint, crash);
        }
        else if (logFallback && result.UsedFallback && previous.LastProbe?.UsedFallback != true)
        {
            MonitoringLog.FallbackUsed(_logger, target.Profile, target.Endpoint);
        }
        else if (logFallback && !result.UsedFallback && previous.LastProbe?.UsedFallback == true)
        {
            MonitoringLog.FallbackEnded(_logger, target.Profile, target.Endpoint);
        }

        if (next.Status != previous.Status)
        {
            ReportTransition(target, previous, next, logTransition ? MonitoringLog.Cause(result) : null);
        }

        var change = new EndpointStateChange(target.Profile, target.Endpoint, previous, next, published);
        if (batch)
        {
            return change;
        }

        try
        {
            _onChange(change);
        }
        catch (Exception ex)
        {
            MonitoringLog.StateCallbackFailed(_logger, target.Profile, target.Endpoint, ex);
        }

        return change;
    }
}
