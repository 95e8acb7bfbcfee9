using Microsoft.Extensions.Logging;
using Router.TrafficManager.Diagnostics;

namespace Router.TrafficManager.Monitoring;

/// <summary>
/// Probes every enabled endpoint once per <c>IntervalSeconds</c>, applies <see cref="EndpointHealthPolicy"/> to each
/// result and publishes the new state. The scheduler is the one owner of endpoint state: it alone writes it, as
/// immutable <see cref="EndpointStates"/> snapshots that it publishes (<see cref="States"/>, the callback given to the
/// constructor, the return value of <see cref="Apply"/>); nobody else keeps a state of their own.
/// </summary>
/// <remarks>
/// <para>
/// Scheduling: each enabled endpoint has its own timer on the injected <see cref="TimeProvider"/>. The first probe
/// starts at a random offset in [0, interval) (the <c>jitter</c> seam), so endpoints are spread over the interval;
/// later probes start every interval after that (fixed rate, measured from the previous start, not the previous
/// end). A new <c>IntervalSeconds</c> keeps the phase where it can: the next probe comes when the old schedule had it,
/// or one new interval from the change if that is sooner, then every new interval. Probes of one endpoint never overlap: a tick that finds the previous probe still running is skipped. Every
/// probe runs on its own, under a hard deadline of <c>TimeoutSeconds</c> that the scheduler enforces itself (a
/// probe that does not finish by then is abandoned and counted as a failure, <c>timeout after N s</c>), so a hung
/// endpoint delays no other. Nothing here runs on the DNS answer path: readers take the published states.
/// </para>
/// <para>
/// Publishing: the callback runs after every probe (also when the status did not change: the admin API shows the
/// last probe and the failure count), on the thread that finished the probe, never under the scheduler's lock, with
/// the snapshot that holds the new state; callbacks for one endpoint come one at a time, for different endpoints
/// concurrently (so a receiver keeps the snapshot with the highest version). <see cref="Apply"/> does not call it: it
/// returns the snapshot it published.
/// </para>
/// <para>
/// A prober that throws (it must not: <see cref="IEndpointProber"/> returns failures as values) is logged as an
/// error and its result is <b>not</b> counted: status and counters stay as they were (our own bug must not fail an
/// endpoint over), only <see cref="EndpointMonitorState.LastProbe"/> shows the crash.
/// </para>
/// <para>Thread-safe.</para>
/// </remarks>
internal sealed partial class ProbeScheduler : IAsyncDisposable
{
    /// <summary>How long <see cref="StopAsync"/> waits for cancelled probes to wind down.</summary>
    public static readonly TimeSpan StopWait = TimeSpan.FromSeconds(5);

    private readonly IEndpointProber _prober;
    private readonly Action<EndpointStateChange> _onChange;
    private readonly Action<IReadOnlyList<EndpointStateChange>>? _onChanges;
    private readonly ILogger _logger;
    private readonly TrafficManagerMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly Func<double> _jitter;
    private readonly Action<ProbeTick> _onTimer;
    private readonly Lock _lock = new();
    private readonly Dictionary<EndpointKey, ProbeRunner> _runners_NeedsLock = [];
    private readonly HashSet<Task> _inflight_NeedsLock = [];
    private bool _started_NeedsLock;

    /// <summary>The published snapshot: replaced (never changed) under <see cref="_lock"/>, read without it.</summary>
    private EndpointStates _states = EndpointStates.Empty;

    /// <param name="prober">Runs one probe.</param>
    /// <param name="onChange">Receives every new state (see the remarks for threading).</param>
    /// <param name="loggerFactory">For transition events.</param>
    /// <param name="metrics">The monitoring instruments; the published snapshot becomes the source of their gauges.</param>
    /// <param name="timeProvider">The clock for schedules and deadlines.</param>
    /// <param name="jitter">Returns values in [0, 1) that place each endpoint's first probe in its interval; default random.</param>
    /// <param name="onChanges">
    /// Receives the changes of one <see cref="RecordBatch"/> at once, in one call (they share one published snapshot):
    /// the first counted result, then every other one that changed the endpoint's status (a round of 100,000 unchanged
    /// verdicts hands on one change, which carries the snapshot), in a pooled list valid during the call only; null
    /// gives every change to <paramref name="onChange"/> one by one.
    /// </param>
    public ProbeScheduler(IEndpointProber prober, Action<EndpointStateChange> onChange, ILoggerFactory loggerFactory,
        TrafficManagerMetrics metrics, TimeProvider timeProvider, Func<double>? jitter = null, Action<IReadOnlyList<EndpointStateChange>>? onChanges = null)
    {
        _prober = prober ?? throw new ArgumentNullException(nameof(prober));
        _onChange = onChange ?? throw new ArgumentNullException(nameof(onChange));
        _onChanges = onChanges;
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _logger = loggerFactory.CreateLogger<ProbeScheduler>();
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _jitter = jitter ?? Random.Shared.NextDouble;
        _onTimer = OnTimer;
        _metrics.ObserveStates(() => States);
    }

    /// <summary>The state of every applied endpoint: the snapshot published last.</summary>
    public EndpointStates States => Volatile.Read(ref _states);

    /// <summary>
    /// Makes <paramref name="targets"/> the endpoints probed, and returns the snapshot that holds their states. How each
    /// endpoint's state carries over is decided by <see cref="ProbeTargetDiff.Compare"/>: an endpoint whose probe is
    /// unchanged keeps its status, counters and running probe: a changed <c>Enabled</c> flag moves it to or from
    /// <see cref="EndpointStatus.Disabled"/> with counters reset; new thresholds (<c>ToleratedFailures</c>,
    /// <c>SuccessesToOnline</c>) re-judge the counters it has (<see cref="EndpointHealthPolicy.Reevaluate"/>), so a
    /// degraded endpoint stays out of answers; a new <c>IntervalSeconds</c> reschedules it (next probe no later than
    /// one new interval from now); a new <c>TimeoutSeconds</c> applies from the next probe. An endpoint whose probe
    /// changed (target, protocol, port, path, headers, expected status codes, fallback) starts over at
    /// <see cref="EndpointStatus.CheckingEndpoint"/>: what it knew is about something else. Endpoints not listed are
    /// forgotten. Probes of disabled, changed or removed endpoints that are running are cancelled and their results
    /// dropped.
    /// </summary>
    /// <exception cref="ArgumentException">Two targets have the same profile and endpoint name.</exception>
    public EndpointStates Apply(IReadOnlyList<ProbeTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var keys = new HashSet<EndpointKey>();
        foreach (var target in targets)
        {
            ArgumentNullException.ThrowIfNull(target, nameof(targets));
            if (!keys.Add(new EndpointKey(target.Profile, target.Endpoint)))
            {
                throw new ArgumentException($"Endpoint {target.Profile}/{target.Endpoint} is listed twice.", nameof(targets));
            }
        }

        var transitions = new List<(ProbeTarget Target, EndpointMonitorState Previous, EndpointMonitorState Current, string Cause)>();
        var cancel = new List<CancellationTokenSource>();
        int added = 0, reset = 0, updated = 0, kept = 0, removed = 0;
        EndpointStates published;
        lock (_lock)
        {
            // The new states are published together, once, before any timer is set (a timer may fire at once, on this
            // thread, with a fake clock, and read its state): one snapshot for 300,000 endpoints, not 300,000 snapshots.
            var staged = new List<EndpointStateEntry>(targets.Count);
            var timers = new List<(ProbeRunner Runner, bool Reschedule)>(targets.Count);
            var now = _timeProvider.GetUtcNow();
            try
            {
                foreach (var target in targets)
                {
                    var key = new EndpointKey(target.Profile, target.Endpoint);
                    if (!_runners_NeedsLock.TryGetValue(key, out var runner))
                    {
                        added++;
                        Add_NeedsLock(key, target, now, staged, timers);
                        continue;
                    }

                    var previous = StateOf_NeedsLock(runner);
                    var change = ProbeTargetDiff.Compare(runner.Target, target);
                    if (change == ProbeTargetChange.NewProbe)
                    {
                        reset++;
                        runner.Retire(cancel);
                        var fresh = Add_NeedsLock(key, target, now, staged, timers);
                        if (fresh.Status != previous.Status)
                        {
                            transitions.Add((target, previous, fresh, "the target or what is probed changed"));
                        }

                        continue;
                    }

                    bool renamed = !string.Equals(runner.Target.Profile, target.Profile, StringComparison.Ordinal)
                        || !string.Equals(runner.Target.Endpoint, target.Endpoint, StringComparison.Ordinal);
                    runner.Target = target;
                    var next = change switch
                    {
                        ProbeTargetChange.EnabledChanged => EndpointHealthPolicy.SetEnabled(previous, target.Enabled, now),
                        ProbeTargetChange.NewThresholds when target.Enabled => EndpointHealthPolicy.Reevaluate(previous, target.Monitor, now),
                        _ => previous,
                    };

                    if (next != previous || renamed)
                    {
                        staged.Add(new EndpointStateEntry(target.Profile, target.Endpoint, next));
                    }

                    switch (change)
                    {
                        case ProbeTargetChange.EnabledChanged:
                            kept++;
                            if (target.Enabled)
                            {
                                timers.Add((runner, false));
                            }
                            else
                            {
                                runner.Unschedule(cancel);
                            }

                            transitions.Add((target, previous, next, target.Enabled ? "enabled" : "disabled"));
                            break;
                        case ProbeTargetChange.NewThresholds:
                            updated++;
                            if (next.Status != previous.Status)
                            {
                                transitions.Add((target, previous, next, ProbeTargetDiff.ThresholdsChanged(target.Monitor)));
                            }

                            timers.Add((runner, true));
                            break;
                        case ProbeTargetChange.NewTiming:
                            updated++;
                            timers.Add((runner, true));
                            break;
                        default:
                            kept++;
                            break;
                    }
                }
            }
            finally
            {
                // Even if something threw, every runner in the table has its state (Add_NeedsLock added them already).
                if (staged.Count > 0)
                {
                    Volatile.Write(ref _states, _states.WithMany(staged));
                    staged.Clear();
                }
            }

            var gone = new List<EndpointKey>();
            foreach (var (key, runner) in _runners_NeedsLock)
            {
                if (!keys.Contains(key))
                {
                    runner.Retire(cancel);
                    gone.Add(key);
                }
            }

            foreach (var key in gone)
            {
                _runners_NeedsLock.Remove(key);
            }

            removed = gone.Count;
            if (staged.Count > 0 || gone.Count > 0)
            {
                Volatile.Write(ref _states, _states.WithMany(staged, gone));
            }

            foreach (var (runner, reschedule) in timers)
            {
                if (reschedule)
                {
                    runner.Reschedule(now);
                }
                else
                {
                    Schedule_NeedsLock(runner);
                }
            }

            published = _states;
        }

        Cancel(cancel);
        foreach (var (target, previous, current, cause) in transitions)
        {
            ReportTransition(target, previous, current, cause);
        }

        MonitoringLog.TargetsApplied(_logger, added, removed, reset, updated, kept);
        return published;
    }

    /// <summary>Starts probing the enabled endpoints (those applied before and after this call).</summary>
    public void Start()
    {
        int enabled;
        int total;
        lock (_lock)
        {
            if (_started_NeedsLock)
            {
                return;
            }

            _started_NeedsLock = true;
            foreach (var runner in _runners_NeedsLock.Values)
            {
                Schedule_NeedsLock(runner);
            }

            total = _runners_NeedsLock.Count;
            enabled = _runners_NeedsLock.Values.Count(r => r.Target.Enabled);
        }

        MonitoringLog.SchedulerStarted(_logger, enabled, total);
    }

    /// <summary>
    /// Stops probing: timers are stopped, running probes cancelled (their results dropped), and the call returns once
    /// they have wound down or after <see cref="StopWait"/>. States stay readable; <see cref="Start"/> resumes.
    /// </summary>
    public async Task StopAsync()
    {
        Task[] running;
        var cancel = new List<CancellationTokenSource>();
        lock (_lock)
        {
            if (!_started_NeedsLock)
            {
                return;
            }

            _started_NeedsLock = false;
            foreach (var runner in _runners_NeedsLock.Values)
            {
                runner.Unschedule(cancel);
            }

            running = [.. _inflight_NeedsLock];
        }

        Cancel(cancel);

        try
        {
            await Task.WhenAll(running).WaitAsync(StopWait, _timeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A probe that ignores cancellation is abandoned; its result will be dropped.
        }

        MonitoringLog.SchedulerStopped(_logger);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _metrics.ObserveStates(null);
    }

    /// <summary>
    /// A new runner for <paramref name="target"/>; returns its initial state, added to <paramref name="staged"/> (to be
    /// published), and the runner to <paramref name="timers"/> (to be scheduled when started, after publishing).
    /// </summary>
    private EndpointMonitorState Add_NeedsLock(EndpointKey key, ProbeTarget target, DateTimeOffset now, List<EndpointStateEntry> staged,
        List<(ProbeRunner Runner, bool Reschedule)> timers)
    {
        var runner = new ProbeRunner(target);
        var state = EndpointMonitorState.Initial(target.Enabled, now);
        _runners_NeedsLock[key] = runner;
        staged.Add(new EndpointStateEntry(target.Profile, target.Endpoint, state));
        timers.Add((runner, false));
        return state;
    }

    /// <summary>Publishes a snapshot with <paramref name="state"/> for <paramref name="target"/>'s endpoint.</summary>
    private EndpointStates Publish_NeedsLock(ProbeTarget target, EndpointMonitorState state)
    {
        var states = _states.With(target.Profile, target.Endpoint, state);
        Volatile.Write(ref _states, states);
        return states;
    }

    /// <summary>A runner's state; every runner that is not retired has one.</summary>
    private EndpointMonitorState StateOf_NeedsLock(ProbeRunner runner) =>
        _states.TryGet(runner.Target.Profile, runner.Target.Endpoint, out var state)
            ? state
            : throw new InvalidOperationException($"No state for {runner.Target.Profile}/{runner.Target.Endpoint}.");

    private void Schedule_NeedsLock(ProbeRunner runner)
    {
        if (_started_NeedsLock)
        {
            runner.Schedule(_timeProvider, _jitter, _onTimer);
        }
    }

    /// <summary>Counts a status change and logs it (event 3000), unless its <paramref name="cause"/> is null (summarized by the caller).</summary>
    private void ReportTransition(ProbeTarget target, EndpointMonitorState previous, EndpointMonitorState current, string? cause)
    {
        _metrics.StatusChanged(target.Profile, target.Endpoint, current.Status);
        if (cause is not null)
        {
            MonitoringLog.StatusChanged(_logger, target.Profile, target.Endpoint, previous.Status, current.Status, cause, current.ConsecutiveFailures);
        }
    }

    /// <summary>Cancels outside the lock: a cancelled probe finishes synchronously, on this thread, and takes the lock.</summary>
    private static void Cancel(List<CancellationTokenSource> cancel)
    {
        foreach (var cancellation in cancel)
        {
            cancellation.Cancel();
        }
    }

    /// <summary>A timer callback: nothing may escape it (an exception on a timer thread ends the process).</summary>
    private void OnTimer(ProbeTick tick)
    {
        try
        {
            OnTick(tick);
        }
        catch (Exception ex)
        {
            string profile, endpoint;
            lock (_lock)
            {
                (profile, endpoint) = (tick.Runner.Target.Profile, tick.Runner.Target.Endpoint);
            }

            try
            {
                MonitoringLog.TickFailed(_logger, profile, endpoint, ex);
            }
            catch (Exception)
            {
                // A failing logger leaves nothing to report to; the timer thread must survive.
            }
        }
    }

    private void OnTick(ProbeTick tick)
    {
        var runner = tick.Runner;
        ProbeTarget target;
        bool busy;
        lock (_lock)
        {
            if (runner.Retired || !ReferenceEquals(runner.Cancellation, tick.Cancellation))
            {
                return;
            }

            target = runner.Target;
            busy = runner.Busy;
            runner.Busy = true;
        }

        if (busy)
        {
            MonitoringLog.ProbeSkipped(_logger, target.Profile, target.Endpoint);
            return;
        }

        // Outside the lock: the prober starts here (it is asynchronous, see IEndpointProber) and may even finish.
        var task = RunProbeAsync(runner, target, tick.Cancellation.Token);
        lock (_lock)
        {
            if (task.IsCompleted)
            {
                return;
            }

            _inflight_NeedsLock.Add(task);
        }

        task.ContinueWith(t =>
        {
            lock (_lock)
            {
                _inflight_NeedsLock.Remove(t);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task RunProbeAsync(ProbeRunner runner, ProbeTarget target, CancellationToken cancellationToken)
    {
        var startedAt = _timeProvider.GetUtcNow();
        long started = _timeProvider.GetTimestamp();
        var timeout = target.Timeout;
        ProbeResult result;
        Exception? crash = null;
        using var activity = TrafficManagerActivitySource.StartProbe(target);
        using (var deadline = new CancellationTokenSource(timeout, _timeProvider))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token))
        {
            Task<ProbeResult>? probe = null;
            try
            {
                probe = _prober.ProbeAsync(target.Target, target.Monitor, linked.Token);
                result = await ProbeTasks.WaitAsync(probe, linked.Token).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                ProbeTasks.ObserveLater(probe);
                Release(runner);
                return;
            }
            catch (Exception) when (deadline.IsCancellationRequested)
            {
                ProbeTasks.ObserveLater(probe);
                result = new ProbeResult(false, startedAt, _timeProvider.GetElapsedTime(started), Error: EndpointProber.TimedOut(timeout));
            }
            catch (Exception ex)
            {
                crash = ex;
                result = new ProbeResult(false, startedAt, _timeProvider.GetElapsedTime(started), Error: $"probe crashed: {ex.GetType().Name}: {ex.Message}");
            }
        }

        TrafficManagerActivitySource.Complete(activity, result, crash is not null);
        activity?.Stop();
        Record(runner, target, result, crash, cancellationToken);
    }

    private void Release(ProbeRunner runner)
    {
        lock (_lock)
        {
            runner.Busy = false;
        }
    }
}
