using Microsoft.Extensions.Logging;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;

namespace Router.TrafficManager.Monitoring;

/// <summary>
/// Probes every enabled endpoint once per <c>IntervalSeconds</c>, applies <see cref="EndpointHealthPolicy"/> to each
/// result and publishes the new state through the callback given to the constructor.
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
/// last probe and the failure count), on the thread that finished the probe, never under the scheduler's lock;
/// callbacks for one endpoint come one at a time, for different endpoints concurrently. <see cref="Apply"/> does not
/// call it: read the states after <see cref="Apply"/> returns.
/// </para>
/// <para>
/// A prober that throws (it must not: <see cref="IEndpointProber"/> returns failures as values) is logged as an
/// error and its result is <b>not</b> counted: status and counters stay as they were (our own bug must not fail an
/// endpoint over), only <see cref="EndpointMonitorState.LastProbe"/> shows the crash.
/// </para>
/// <para>Thread-safe.</para>
/// </remarks>
internal sealed class ProbeScheduler : IAsyncDisposable
{
    /// <summary>How long <see cref="StopAsync"/> waits for cancelled probes to wind down.</summary>
    public static readonly TimeSpan StopWait = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan MaxSpan = TimeSpan.FromDays(1);
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly IEndpointProber _prober;
    private readonly Action<EndpointStateChange> _onChange;
    private readonly ILogger _logger;
    private readonly TrafficManagerMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly Func<double> _jitter;
    private readonly Lock _lock = new();
    private readonly Dictionary<EndpointKey, Runner> _runners_NeedsLock = [];
    private readonly HashSet<Task> _inflight_NeedsLock = [];
    private bool _started_NeedsLock;

    /// <param name="prober">Runs one probe.</param>
    /// <param name="onChange">Receives every new state (see the remarks for threading).</param>
    /// <param name="loggerFactory">For transition events.</param>
    /// <param name="metrics">The monitoring instruments; the scheduler becomes the source of their gauges.</param>
    /// <param name="timeProvider">The clock for schedules and deadlines.</param>
    /// <param name="jitter">Returns values in [0, 1) that place each endpoint's first probe in its interval; default random.</param>
    public ProbeScheduler(IEndpointProber prober, Action<EndpointStateChange> onChange, ILoggerFactory loggerFactory,
        TrafficManagerMetrics metrics, TimeProvider timeProvider, Func<double>? jitter = null)
    {
        _prober = prober ?? throw new ArgumentNullException(nameof(prober));
        _onChange = onChange ?? throw new ArgumentNullException(nameof(onChange));
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _logger = loggerFactory.CreateLogger<ProbeScheduler>();
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _jitter = jitter ?? Random.Shared.NextDouble;
        _metrics.ObserveStates(GetStates);
    }

    /// <summary>
    /// Makes <paramref name="targets"/> the endpoints probed. An endpoint whose probe is unchanged (see
    /// <see cref="SameProbe"/>) keeps its status, counters and running probe: a changed <c>Enabled</c> flag moves it to
    /// or from <see cref="EndpointStatus.Disabled"/> with counters reset; new thresholds (<c>ToleratedFailures</c>,
    /// <c>SuccessesToOnline</c>) re-judge the counters it has (<see cref="EndpointHealthPolicy.Reevaluate"/>), so a
    /// degraded endpoint stays out of answers; a new <c>IntervalSeconds</c> reschedules it (next probe no later than
    /// one new interval from now); a new <c>TimeoutSeconds</c> applies from the next probe. An endpoint whose probe
    /// changed (target, protocol, port, path, headers, expected status codes, fallback) starts over at
    /// <see cref="EndpointStatus.CheckingEndpoint"/>: what it knew is about something else. Endpoints not listed are
    /// forgotten. Probes of disabled, changed or removed endpoints that are running are cancelled and their results
    /// dropped.
    /// </summary>
    /// <exception cref="ArgumentException">Two targets have the same profile and endpoint name.</exception>
    public void Apply(IReadOnlyList<ProbeTarget> targets)
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
        lock (_lock)
        {
            var now = _timeProvider.GetUtcNow();
            foreach (var target in targets)
            {
                var key = new EndpointKey(target.Profile, target.Endpoint);
                if (!_runners_NeedsLock.TryGetValue(key, out var runner))
                {
                    added++;
                    Add_NeedsLock(key, target, now);
                    continue;
                }

                if (!SameProbe(runner.Target, target))
                {
                    reset++;
                    Retire_NeedsLock(runner, cancel);
                    var fresh = Add_NeedsLock(key, target, now);
                    if (fresh.State.Status != runner.State.Status)
                    {
                        transitions.Add((target, runner.State, fresh.State, "the target or what is probed changed"));
                    }

                    continue;
                }

                var before = runner.Target;
                runner.Target = target;
                if (before.Enabled == target.Enabled)
                {
                    if (SameTiming(before.Monitor, target.Monitor))
                    {
                        kept++;
                        continue;
                    }

                    updated++;
                    if (target.Enabled && !SameThresholds(before.Monitor, target.Monitor))
                    {
                        var judged = runner.State;
                        runner.State = EndpointHealthPolicy.Reevaluate(judged, target.Monitor, now);
                        if (runner.State.Status != judged.Status)
                        {
                            transitions.Add((target, judged, runner.State, ThresholdsChanged(target.Monitor)));
                        }
                    }

                    Reschedule_NeedsLock(runner, now);
                    continue;
                }

                kept++;
                var previous = runner.State;
                runner.State = EndpointHealthPolicy.SetEnabled(previous, target.Enabled, now);
                if (target.Enabled)
                {
                    Schedule_NeedsLock(runner);
                }
                else
                {
                    Unschedule_NeedsLock(runner, cancel);
                }

                transitions.Add((target, previous, runner.State, target.Enabled ? "enabled" : "disabled"));
            }

            foreach (var (key, runner) in _runners_NeedsLock.ToArray())
            {
                if (!keys.Contains(key))
                {
                    removed++;
                    Retire_NeedsLock(runner, cancel);
                    _runners_NeedsLock.Remove(key);
                }
            }
        }

        Cancel(cancel);
        foreach (var (target, previous, current, cause) in transitions)
        {
            _metrics.StatusChanged(target.Profile, target.Endpoint, current.Status);
            MonitoringLog.StatusChanged(_logger, target.Profile, target.Endpoint, previous.Status, current.Status, cause, current.ConsecutiveFailures);
        }

        MonitoringLog.TargetsApplied(_logger, added, removed, reset, updated, kept);
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
                Unschedule_NeedsLock(runner, cancel);
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

    /// <summary>The state of one endpoint; false when the endpoint is not applied.</summary>
    public bool TryGetState(string profile, string endpoint, out EndpointMonitorState state)
    {
        lock (_lock)
        {
            if (_runners_NeedsLock.TryGetValue(new EndpointKey(profile, endpoint), out var runner))
            {
                state = runner.State;
                return true;
            }
        }

        state = default;
        return false;
    }

    /// <summary>Every applied endpoint with its state, in no particular order.</summary>
    public IReadOnlyList<EndpointStateEntry> GetStates()
    {
        lock (_lock)
        {
            var states = new EndpointStateEntry[_runners_NeedsLock.Count];
            int i = 0;
            foreach (var runner in _runners_NeedsLock.Values)
            {
                states[i++] = new EndpointStateEntry(runner.Target.Profile, runner.Target.Endpoint, runner.State);
            }

            return states;
        }
    }

    /// <summary>
    /// Whether two targets are probed the same way: same target, protocol, port, path, headers, expected status codes
    /// and fallback. Timing and thresholds (interval, timeout, tolerated failures, successes to online) do not count:
    /// they change when and how results are judged, not what a result says.
    /// </summary>
    internal static bool SameProbe(ProbeTarget a, ProbeTarget b) =>
        string.Equals(a.Target, b.Target, StringComparison.OrdinalIgnoreCase) && SameProbedThing(a.Monitor, b.Monitor);

    /// <summary>Same interval, timeout and thresholds.</summary>
    private static bool SameTiming(MonitorOptions a, MonitorOptions b) =>
        a.IntervalSeconds.Equals(b.IntervalSeconds) && a.TimeoutSeconds.Equals(b.TimeoutSeconds) && SameThresholds(a, b);

    private static bool SameThresholds(MonitorOptions a, MonitorOptions b) =>
        a.ToleratedFailures == b.ToleratedFailures && a.SuccessesToOnline == b.SuccessesToOnline;

    private static string ThresholdsChanged(MonitorOptions monitor) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"thresholds changed (ToleratedFailures {monitor.ToleratedFailures}, SuccessesToOnline {monitor.SuccessesToOnline})");

    private static bool SameProbedThing(MonitorOptions a, MonitorOptions b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        return a.Protocol == b.Protocol && a.Port == b.Port && string.Equals(a.Path, b.Path, StringComparison.Ordinal)
            && a.ExpectedStatusCodes.SequenceEqual(b.ExpectedStatusCodes, StringComparer.Ordinal)
            && SameHeaders(a.Headers, b.Headers)
            && (a.Fallback, b.Fallback) switch
            {
                (null, null) => true,
                ({ } x, { } y) => x.Protocol == y.Protocol && x.Port == y.Port && string.Equals(x.Path, y.Path, StringComparison.Ordinal)
                    && x.ExpectedStatusCodes.SequenceEqual(y.ExpectedStatusCodes, StringComparer.Ordinal) && SameHeaders(x.Headers, y.Headers),
                _ => false,
            };
    }

    private static bool SameHeaders(Dictionary<string, string> a, Dictionary<string, string> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var (name, value) in a)
        {
            if (!b.TryGetValue(name, out var other) && !TryGetIgnoringCase(b, name, out other))
            {
                return false;
            }

            if (!string.Equals(value, other, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryGetIgnoringCase(Dictionary<string, string> headers, string name, out string? value)
    {
        foreach (var (key, v) in headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                value = v;
                return true;
            }
        }

        value = null;
        return false;
    }

    private static TimeSpan Seconds(double seconds, TimeSpan fallback) =>
        double.IsFinite(seconds) && seconds > 0 ? TimeSpan.FromSeconds(Math.Min(seconds, MaxSpan.TotalSeconds)) : fallback;

    private Runner Add_NeedsLock(EndpointKey key, ProbeTarget target, DateTimeOffset now)
    {
        var runner = new Runner(target, EndpointMonitorState.Initial(target.Enabled, now));
        _runners_NeedsLock[key] = runner;
        Schedule_NeedsLock(runner);
        return runner;
    }

    private void Schedule_NeedsLock(Runner runner)
    {
        if (!_started_NeedsLock || runner.Retired || !runner.Target.Enabled || runner.Timer is not null)
        {
            return;
        }

        var interval = Seconds(runner.Target.Monitor.IntervalSeconds, DefaultInterval);
        double jitter = _jitter();
        jitter = jitter >= 0 ? Math.Min(jitter, 0.999_999) : 0; // NaN and negatives → 0
        var due = interval * jitter;
        // Complete before the timer exists: a real timer may fire at once, on another thread.
        var tick = new Tick(this, runner, new CancellationTokenSource());
        runner.Cancellation = tick.Cancellation;
        runner.FirstDue = _timeProvider.GetUtcNow() + due;
        runner.Period = interval;
        runner.Timer = _timeProvider.CreateTimer(static s => ((Tick)s!).Fire(), tick, due, interval);
    }

    /// <summary>
    /// Moves a scheduled runner to its target's interval: the next probe when the old schedule had it, or one new
    /// interval from <paramref name="now"/> if that is sooner; then every new interval. A running probe continues.
    /// </summary>
    private void Reschedule_NeedsLock(Runner runner, DateTimeOffset now)
    {
        var interval = Seconds(runner.Target.Monitor.IntervalSeconds, DefaultInterval);
        if (runner.Timer is not { } timer || interval == runner.Period)
        {
            return; // not scheduled (Start or enabling schedules with the new interval), or no change
        }

        var next = runner.FirstDue;
        if (now >= next)
        {
            long elapsed = (now - next).Ticks / runner.Period.Ticks;
            next += runner.Period * (elapsed + 1);
        }

        var due = next - now < interval ? next - now : interval;
        runner.FirstDue = now + due;
        runner.Period = interval;
        timer.Change(due, interval);
    }

    /// <summary>Stops the runner's timer; its probe's cancellation goes to <paramref name="cancel"/>, for after the lock.</summary>
    private static void Unschedule_NeedsLock(Runner runner, List<CancellationTokenSource> cancel)
    {
        runner.Timer?.Dispose();
        runner.Timer = null;
        if (runner.Cancellation is { } cancellation)
        {
            cancel.Add(cancellation);
        }

        runner.Cancellation = null;
    }

    private static void Retire_NeedsLock(Runner runner, List<CancellationTokenSource> cancel)
    {
        runner.Retired = true;
        Unschedule_NeedsLock(runner, cancel);
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
    private void OnTimer(Tick tick)
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

    private void OnTick(Tick tick)
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

    private async Task RunProbeAsync(Runner runner, ProbeTarget target, CancellationToken cancellationToken)
    {
        var startedAt = _timeProvider.GetUtcNow();
        long started = _timeProvider.GetTimestamp();
        var timeout = Seconds(target.Monitor.TimeoutSeconds, DefaultTimeout);
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
                result = await WaitAsync(probe, linked.Token).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                ObserveLater(probe);
                Release(runner);
                return;
            }
            catch (Exception) when (deadline.IsCancellationRequested)
            {
                ObserveLater(probe);
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

    private void Release(Runner runner)
    {
        lock (_lock)
        {
            runner.Busy = false;
        }
    }

    private void Record(Runner runner, ProbeTarget target, ProbeResult result, Exception? crash, CancellationToken cancellationToken)
    {
        EndpointMonitorState previous;
        EndpointMonitorState next;
        lock (_lock)
        {
            runner.Busy = false;
            if (runner.Retired || cancellationToken.IsCancellationRequested)
            {
                return;
            }

            previous = runner.State;
            next = crash is null
                ? EndpointHealthPolicy.Next(previous, result, target.Monitor, _timeProvider.GetUtcNow())
                : previous with { LastProbe = result };
            runner.State = next;
        }

        _metrics.ProbeCompleted(target.Profile, target.Endpoint, result, crashed: crash is not null);
        if (crash is not null)
        {
            MonitoringLog.ProbeCrashed(_logger, target.Profile, target.Endpoint, crash);
        }
        else if (result.UsedFallback && previous.LastProbe?.UsedFallback != true)
        {
            MonitoringLog.FallbackUsed(_logger, target.Profile, target.Endpoint);
        }
        else if (!result.UsedFallback && previous.LastProbe?.UsedFallback == true)
        {
            MonitoringLog.FallbackEnded(_logger, target.Profile, target.Endpoint);
        }

        if (next.Status != previous.Status)
        {
            _metrics.StatusChanged(target.Profile, target.Endpoint, next.Status);
            MonitoringLog.StatusChanged(_logger, target.Profile, target.Endpoint, previous.Status, next.Status, Cause(result), next.ConsecutiveFailures);
        }

        try
        {
            _onChange(new EndpointStateChange(target.Profile, target.Endpoint, previous, next));
        }
        catch (Exception ex)
        {
            MonitoringLog.StateCallbackFailed(_logger, target.Profile, target.Endpoint, ex);
        }
    }

    /// <summary>The probe result in words: its error, or <c>probe succeeded (status 200)</c>.</summary>
    internal static string Cause(ProbeResult result)
    {
        string text = result.Error
            ?? (result.StatusCode is int status
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"probe succeeded (status {status})")
                : "probe succeeded (connected)");
        return result.UsedFallback ? text + " (fallback probe)" : text;
    }

    /// <summary>
    /// The probe's result, or cancellation as soon as <paramref name="cancellationToken"/> fires, whether or not the
    /// probe honours it. Unlike <see cref="Task.WaitAsync(CancellationToken)"/> the caller resumes synchronously, on
    /// the thread that finished the probe or fired the deadline, so a result is recorded before a virtual clock's
    /// <c>Advance</c> moves on (and before the next tick of the same endpoint).
    /// </summary>
    private static async Task<ProbeResult> WaitAsync(Task<ProbeResult> probe, CancellationToken cancellationToken)
    {
        if (probe.IsCompleted)
        {
            return await probe.ConfigureAwait(false);
        }

        var done = new TaskCompletionSource<ProbeResult>();
        using (cancellationToken.UnsafeRegister(static (s, token) => ((TaskCompletionSource<ProbeResult>)s!).TrySetCanceled(token), done))
        {
            _ = probe.ContinueWith(static (t, s) =>
            {
                var target = (TaskCompletionSource<ProbeResult>)s!;
                if (t.IsCanceled)
                {
                    target.TrySetCanceled();
                }
                else if (t.Exception is { } exception)
                {
                    target.TrySetException(exception.InnerExceptions);
                }
                else
                {
                    target.TrySetResult(t.Result);
                }
            }, done, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return await done.Task.ConfigureAwait(false);
        }
    }

    private static void ObserveLater(Task? abandoned) =>
        abandoned?.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>A profile and endpoint name, compared ignoring case.</summary>
    private readonly record struct EndpointKey
    {
        public EndpointKey(string profile, string endpoint)
        {
            Profile = profile;
            Endpoint = endpoint;
        }

        public string Profile { get; }

        public string Endpoint { get; }

        public bool Equals(EndpointKey other) =>
            string.Equals(Profile, other.Profile, StringComparison.OrdinalIgnoreCase)
            && string.Equals(Endpoint, other.Endpoint, StringComparison.OrdinalIgnoreCase);

        public override int GetHashCode() => HashCode.Combine(
            StringComparer.OrdinalIgnoreCase.GetHashCode(Profile), StringComparer.OrdinalIgnoreCase.GetHashCode(Endpoint));
    }

    /// <summary>One endpoint's schedule and state; every field is guarded by the scheduler's lock.</summary>
    private sealed class Runner(ProbeTarget target, EndpointMonitorState state)
    {
        public ProbeTarget Target { get; set; } = target;

        public EndpointMonitorState State { get; set; } = state;

        public ITimer? Timer { get; set; }

        /// <summary>When <see cref="Timer"/> first fires; it fires every <see cref="Period"/> after that.</summary>
        public DateTimeOffset FirstDue { get; set; }

        public TimeSpan Period { get; set; }

        /// <summary>Cancels this schedule's probes; a new one per schedule, so late ticks of an old timer are recognised.</summary>
        public CancellationTokenSource? Cancellation { get; set; }

        /// <summary>A probe is running (the next tick is skipped).</summary>
        public bool Busy { get; set; }

        /// <summary>Removed, or replaced after a settings change: its results are dropped.</summary>
        public bool Retired { get; set; }
    }

    /// <summary>One schedule of one runner: the timer's state, complete before the timer is created.</summary>
    private sealed class Tick(ProbeScheduler owner, Runner runner, CancellationTokenSource cancellation)
    {
        public Runner Runner { get; } = runner;

        public CancellationTokenSource Cancellation { get; } = cancellation;

        public void Fire() => owner.OnTimer(this);
    }
}
