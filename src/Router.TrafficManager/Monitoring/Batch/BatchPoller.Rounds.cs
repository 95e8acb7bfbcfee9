using Microsoft.Extensions.Logging;
using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Monitoring.Batch;

/// <summary>The rounds: what every endpoint of the origin counts once per interval, and at once after a change.</summary>
internal sealed partial class BatchPoller
{
    /// <summary>Counts a round now, then one every interval.</summary>
    private void StartRounds()
    {
        OnRound();
        lock (_lock)
        {
            if (!_stopped_NeedsLock)
            {
                _timer_NeedsLock = _timeProvider.CreateTimer(static s => ((BatchPoller)s!).OnRound(), this, Settings.Interval, Settings.Interval);
            }
        }
    }

    /// <summary>One round (a timer callback: nothing escapes it). Then the loop, if it waits for a round, goes on.</summary>
    private void OnRound()
    {
        try
        {
            CountRound();
        }
        catch (Exception ex)
        {
            try
            {
                BatchLog.RoundFailed(_logger, _name, ex);
            }
            catch (Exception)
            {
                // A failing logger leaves nothing to report to; the timer thread must survive.
            }
        }

        var done = Volatile.Read(ref _signal);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref _signal, new RoundSignal(done.Number + 1), done);
            if (ReferenceEquals(seen, done))
            {
                done.Done.TrySetResult();
                return;
            }

            done = seen;
        }
    }

    private void CountRound()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        var state = Volatile.Read(ref _state);
        var targets = Volatile.Read(ref _targets);
        var now = _timeProvider.GetUtcNow();
        if (state.Failure is { } failure)
        {
            if (failure.ConnectFailed && Settings.FallbackMonitor is { } fallback)
            {
                StartFallback(fallback, targets);
                return;
            }

            var failed = new ProbeResult(false, now, TimeSpan.Zero, Error: failure.Error, Source: _pollSource);
            RecordEach(targets, _ => failed);
        }
        else if (state.Table is { } table)
        {
            RecordEach(targets, group => ResultOf(table, group, now));
        }
    }

    /// <summary>The registries a document changed: their endpoints count the new verdict at once, between rounds.</summary>
    private void CountChanged(BatchTable table, List<string> registries)
    {
        var targets = Volatile.Read(ref _targets);
        var now = _timeProvider.GetUtcNow();
        int size = 0;
        foreach (string registry in registries)
        {
            size += targets.TryGet(registry, out var group) ? group!.Targets.Length : 0;
        }

        if (size == 0)
        {
            return;
        }

        var results = RoundArrays<BatchResult>.Pool.Rent(size);
        try
        {
            int count = 0;
            foreach (string registry in registries)
            {
                if (targets.TryGet(registry, out var group))
                {
                    count = Add(results, count, group!, ResultOf(table, group!, now));
                }
            }

            _record(new ArraySegment<BatchResult>(results, 0, count));
        }
        finally
        {
            RoundArrays<BatchResult>.Pool.Return(results, clearArray: true);
        }
    }

    /// <summary>The fallback probe, once for the origin (not while one still runs); its result counts for every endpoint.</summary>
    private void StartFallback(MonitorOptions fallback, BatchTargets targets)
    {
        lock (_lock)
        {
            if (_stopped_NeedsLock || _fallback_NeedsLock is { IsCompleted: false })
            {
                return;
            }

            _fallback_NeedsLock = RunFallbackAsync(fallback, targets, _stopping.Token);
        }
    }

    private async Task RunFallbackAsync(MonitorOptions fallback, BatchTargets targets, CancellationToken cancellationToken)
    {
        await Task.Yield(); // off the timer's stack and out of the lock
        var startedAt = _timeProvider.GetUtcNow();
        ProbeResult result;
        try
        {
            result = await _prober.ProbeAsync(Origin.Host, fallback, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            result = new ProbeResult(false, startedAt, TimeSpan.Zero, Error: $"fallback probe crashed: {ex.GetType().Name}: {ex.Message}");
        }

        if (Volatile.Read(ref _state).Failure is not { ConnectFailed: true })
        {
            return; // the monitor answered while the fallback ran: its verdicts count, from the next round
        }

        if (Interlocked.Exchange(ref _fallbackInUse, 1) == 0)
        {
            BatchLog.FallbackUsed(_logger, _name, targets.EndpointCount);
        }

        var counted = result with { UsedFallback = true, Source = _fallbackSource };
        RecordEach(targets, _ => counted);
    }

    private static ProbeResult ResultOf(BatchTable table, RegistryGroup group, DateTimeOffset now)
    {
        if (!table.TryGet(group.Registry, out var verdict))
        {
            return new ProbeResult(false, now, TimeSpan.Zero, Error: group.MissingError, Source: table.Source);
        }

        return verdict.Healthy
            ? new ProbeResult(true, now, TimeSpan.Zero, StatusCode: 200, Source: table.Source)
            : new ProbeResult(false, now, TimeSpan.Zero, StatusCode: 503, Error: verdict.Error, Source: table.Source);
    }

    /// <summary>
    /// Counts one result per registry group for every endpoint of <paramref name="targets"/>, in one
    /// <see cref="ProbeScheduler.RecordBatch"/>. The list lives in a pooled array, valid during the call only: a round
    /// of 100,000 endpoints every interval per origin would otherwise leave megabytes on the large object heap.
    /// </summary>
    private void RecordEach(BatchTargets targets, Func<RegistryGroup, ProbeResult> resultOf)
    {
        var results = RoundArrays<BatchResult>.Pool.Rent(targets.EndpointCount);
        try
        {
            int count = 0;
            foreach (var group in targets.Groups)
            {
                count = Add(results, count, group, resultOf(group));
            }

            _record(new ArraySegment<BatchResult>(results, 0, count));
        }
        finally
        {
            RoundArrays<BatchResult>.Pool.Return(results, clearArray: true);
        }
    }

    /// <summary>Puts one result per endpoint of <paramref name="group"/> at <paramref name="count"/>; returns the new count.</summary>
    private static int Add(BatchResult[] results, int count, RegistryGroup group, ProbeResult result)
    {
        foreach (var target in group.Targets)
        {
            results[count++] = new BatchResult(target, result);
        }

        return count;
    }
}
