using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Router.Health.Checks;
using Router.Health.Configuration;
using Router.Health.Diagnostics;
using Router.Health.Evaluation;
using Router.Health.Topology;

namespace Router.Health.Monitoring;

/// <summary>
/// Probes every resource once per interval and publishes the results for the health endpoints. Probes of one
/// resource never overlap (one loop per resource), start at a random offset within the interval (jitter), and run
/// at most <c>MaxConcurrentChecks</c> at a time; each has its own timeout, so a hung check delays nothing else.
/// </summary>
public sealed partial class HealthMonitor : IAsyncDisposable
{
    /// <summary>Registry transitions logged one by one after a resource transition; the rest are summed up.</summary>
    private const int MaxRegistryTransitionsLogged = 50;

    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly HealthMetrics _metrics;
    private readonly Func<double> _jitter;
    private readonly Lock _lock = new();
    private HealthSnapshot _snapshot;
    private HysteresisPolicy _policy;
    private SemaphoreSlim _gate;
    private CancellationTokenSource _loops = new();
    private List<Task> _running = [];
    private bool _started;

    /// <param name="options">A validated <c>Health</c> section.</param>
    /// <param name="loggerFactory">For transition events.</param>
    /// <param name="meterFactory">For the <c>Router.Health</c> meter.</param>
    /// <param name="timeProvider">The clock for scheduling, timeouts and staleness.</param>
    /// <param name="jitter">Returns values in [0, 1) that spread first probes over the interval; default random.</param>
    public HealthMonitor(HealthOptions options, ILoggerFactory loggerFactory, IMeterFactory meterFactory, TimeProvider timeProvider, Func<double>? jitter = null)
        : this(options, loggerFactory, meterFactory, timeProvider, jitter, null)
    {
    }

    internal HealthMonitor(HealthOptions options, ILoggerFactory loggerFactory, IMeterFactory meterFactory, TimeProvider timeProvider,
        Func<double>? jitter, Func<CheckOptions, string, List<string>, IResourceCheck?>? checkFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = loggerFactory.CreateLogger<HealthMonitor>();
        _metrics = new HealthMetrics(meterFactory);
        _jitter = jitter ?? Random.Shared.NextDouble;
        CheckFactoryOverride = checkFactory;
        _snapshot = CreateSnapshot(options, previous: null);
        _policy = CreatePolicy(options);
        _gate = new SemaphoreSlim(options.Evaluation.MaxConcurrentChecks);
    }

    internal Func<CheckOptions, string, List<string>, IResourceCheck?>? CheckFactoryOverride { get; }

    internal HealthSnapshot Snapshot => Volatile.Read(ref _snapshot);

    internal HealthMetrics Metrics => _metrics;

    internal TimeProvider TimeProvider => _timeProvider;

    /// <summary>Starts probing.</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_started)
            {
                return;
            }

            _started = true;
            StartLoops_NeedsLock();
        }

        Log.MonitorStarted(_logger, Snapshot.Region, Snapshot.Topology.Resources.Length, Snapshot.Topology.Registries.Length);
    }

    /// <summary>
    /// Switches to a new (validated) configuration at runtime: resources whose check is unchanged keep their state,
    /// probing restarts, and kill-switch changes are logged.
    /// </summary>
    public void Apply(HealthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Task[] stopped;
        ResourceDefinition[] previousResources;
        lock (_lock)
        {
            var previous = _snapshot;
            previousResources = previous.Topology.Resources;
            var next = CreateSnapshot(options, previous);
            next.Journal.StartAtLeast(previous.Journal.Close() + 1);
            LogKillSwitchChanges(previous, next, options);
            _loops.Cancel();
            _loops.Dispose();
            stopped = [.. _running];
            _loops = new CancellationTokenSource();
            _running = [];
            _policy = CreatePolicy(options);
            _gate = new SemaphoreSlim(options.Evaluation.MaxConcurrentChecks);
            Volatile.Write(ref _snapshot, next);
            previous.Journal.Retire();
            if (_started)
            {
                StartLoops_NeedsLock();
            }
        }

        Log.TopologyApplied(_logger, Snapshot.Topology.Resources.Length, Snapshot.Topology.Registries.Length);
        _ = DisposeChecksWhenStoppedAsync(stopped, previousResources);
    }

    /// <summary>Releases what the replaced checks hold (HTTP handlers) once their probe loops have ended.</summary>
    private static async Task DisposeChecksWhenStoppedAsync(Task[] loops, ResourceDefinition[] resources)
    {
        await Task.WhenAll(loops).ConfigureAwait(false);
        DisposeChecks(resources);
    }

    private static void DisposeChecks(ResourceDefinition[] resources) => HealthTopology.DisposeChecks(resources);

    private HealthSnapshot CreateSnapshot(HealthOptions options, HealthSnapshot? previous)
    {
        var errors = new List<string>();
        var topology = HealthTopology.Build(options, _timeProvider, "Health", errors, CheckFactoryOverride)
            ?? throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        var now = _timeProvider.GetUtcNow();
        var states = new ResourceHealth[topology.Resources.Length];
        for (int i = 0; i < states.Length; i++)
        {
            states[i] = topology.Resources[i].IsPool ? ZonePoolRule.Initial(topology.Resources[i], now) : ResourceHealth.Initial(now);
            if (previous is null)
            {
                continue;
            }

            var resource = topology.Resources[i];
            for (int j = 0; j < previous.Topology.Resources.Length; j++)
            {
                var old = previous.Topology.Resources[j];
                if (old.Id == resource.Id && old.CheckFingerprint == resource.CheckFingerprint)
                {
                    states[i] = previous.States[j];
                    break;
                }
            }
        }

        // The batch document's versions: from the Unix time in milliseconds at start (so a restarted monitor's are, in
        // practice, above the old process's), and above the previous configuration's on every apply.
        long firstVersion = Math.Max(now.ToUnixTimeMilliseconds(), previous is null ? long.MinValue : previous.Journal.Version + 1);
        var snapshot = new HealthSnapshot(topology, states, options, firstVersion, now);
        for (int r = 0; r < topology.Registries.Length; r++)
        {
            snapshot.RegistryStates[r] = snapshot.Status(r, now);
        }

        return snapshot;
    }

    private static HysteresisPolicy CreatePolicy(HealthOptions options) => new(new HysteresisOptions
    {
        FailuresToUnhealthy = options.Evaluation.FailuresToUnhealthy,
        SuccessesToHealthy = options.Evaluation.SuccessesToHealthy,
    });

    private void StartLoops_NeedsLock()
    {
        var snapshot = _snapshot;
        var token = _loops.Token;
        var gate = _gate;
        var policy = _policy;
        for (int i = 0; i < snapshot.Topology.Resources.Length; i++)
        {
            // One loop per check: a zone pool's instances are probed each on its own, like resources.
            for (int j = 0; j < snapshot.Topology.Resources[i].Probes.Length; j++)
            {
                int index = i;
                int instance = j;
                _running.Add(Task.Run(() => ProbeLoopAsync(snapshot, index, instance, policy, gate, token), CancellationToken.None));
            }
        }
    }

    private async Task ProbeLoopAsync(HealthSnapshot snapshot, int index, int instance, HysteresisPolicy policy, SemaphoreSlim gate, CancellationToken token)
    {
        var resource = snapshot.Topology.Resources[index];
        var probe = resource.Probes[instance];
        var interval = snapshot.Interval;
        try
        {
            await Task.Delay(interval * Math.Clamp(_jitter(), 0, 0.999), _timeProvider, token).ConfigureAwait(false);
            while (!token.IsCancellationRequested)
            {
                long started = _timeProvider.GetTimestamp();
                CheckResult result;
                using (var activity = HealthActivitySource.StartCheck(resource.Id, resource.Kind, probe.Check.Type, probe.Zone))
                {
                    result = await ProbeOnceAsync(resource.Id, probe, gate, interval, token).ConfigureAwait(false);
                    HealthActivitySource.Complete(activity, result);
                }

                if (resource.IsPool)
                {
                    RecordInstance(snapshot, index, instance, policy, result);
                }
                else
                {
                    Record(snapshot, index, policy, result);
                }
                var wait = interval - _timeProvider.GetElapsedTime(started);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _timeProvider, token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private async Task<CheckResult> ProbeOnceAsync(string resourceId, ResourceProbe resource, SemaphoreSlim gate, TimeSpan interval, CancellationToken token)
    {
        long started = _timeProvider.GetTimestamp();
        using (var wait = new CancellationTokenSource(interval, _timeProvider))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(wait.Token, token))
        {
            try
            {
                await gate.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                Log.MonitorOverloaded(_logger, resourceId);
                return CheckResult.Inconclusive("the monitor is overloaded: no probe slot within the interval", _timeProvider.GetElapsedTime(started));
            }
        }

        // A check must honour its timeout; if one does not, stop waiting a little later, cancel it (an abandoned probe
        // must not run on beside the next probe of the same resource) and call it our problem.
        using var abandon = new CancellationTokenSource(resource.Timeout + TimeSpan.FromSeconds(1), _timeProvider);
        using var probe = CancellationTokenSource.CreateLinkedTokenSource(token, abandon.Token);
        try
        {
            var check = resource.Check.CheckAsync(resource.Timeout, probe.Token);
            return await check.WaitAsync(probe.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex) when (abandon.IsCancellationRequested)
        {
            Log.CheckCrashed(_logger, resourceId, ex);
            return CheckResult.Inconclusive($"the check did not finish within its timeout ({resource.Timeout.TotalSeconds:0.###} s) and was abandoned",
                _timeProvider.GetElapsedTime(started));
        }
        catch (Exception ex)
        {
            Log.CheckCrashed(_logger, resourceId, ex);
            return CheckResult.Inconclusive($"the check could not run: {ex.Message}", _timeProvider.GetElapsedTime(started));
        }
        finally
        {
            gate.Release();
        }
    }

    private void Record(HealthSnapshot snapshot, int index, HysteresisPolicy policy, CheckResult result)
    {
        var resource = snapshot.Topology.Resources[index];
        var now = _timeProvider.GetUtcNow();
        var previous = snapshot.States[index];
        var next = policy.Next(previous, result, now);
        snapshot.Publish(index, next);
        snapshot.Journal.Observe(snapshot, index, now.UtcTicks);
        _metrics.CheckCompleted(resource.Kind, resource.Probes[0].Check.Type, result);

        if (result.Outcome == CheckOutcome.Inconclusive && previous.LastResult?.Outcome != CheckOutcome.Inconclusive)
        {
            Log.CheckInconclusive(_logger, resource.Id, result.Error ?? "inconclusive");
        }

        Published(snapshot, index, previous, next, now, registriesChanged: false);
    }

    /// <summary>
    /// After resource <paramref name="index"/> moved from <paramref name="previous"/> to <paramref name="next"/>: logs and
    /// counts its transition and staleness, and re-evaluates its registries when their verdicts may have changed (always
    /// when <paramref name="registriesChanged"/>: a pool's instance changed, which moves its lost zones).
    /// </summary>
    private void Published(HealthSnapshot snapshot, int index, ResourceHealth previous, ResourceHealth next, DateTimeOffset now, bool registriesChanged)
    {
        var resource = snapshot.Topology.Resources[index];

        // Going stale changes verdicts without a state change: say so once, and re-evaluate the registries. A pool's
        // instances go stale one by one: each that changes what the pool counts as re-evaluates them too.
        var was = RegistryEvaluator.View(resource, index, previous, snapshot.StaleAfter, previous.LastCheckedAt ?? now);
        var view = RegistryEvaluator.View(resource, index, next, snapshot.StaleAfter, now);
        bool wasStale = was.Stale;
        bool isStale = view.Stale;
        registriesChanged |= resource.IsPool && (was.EffectiveState != view.EffectiveState || was.LostZones != view.LostZones);
        if (isStale && !wasStale)
        {
            Log.ResourceStale(_logger, resource.Id, snapshot.StaleAfter.TotalSeconds, snapshot.Dependents[index].Length);
            UpdateRegistries(snapshot, index, now);
        }

        if (next.State == previous.State)
        {
            if (registriesChanged)
            {
                UpdateRegistries(snapshot, index, now);
            }

            return;
        }

        _metrics.ResourceTransition(resource.Kind, next.State);
        if (next.State == HealthState.Unhealthy)
        {
            Log.ResourceUnhealthy(_logger, resource.Id, resource.Kind, next.ConsecutiveFailures, next.LastError ?? "failed");
        }
        else if (next.State == HealthState.Healthy)
        {
            Log.ResourceHealthy(_logger, resource.Id, resource.Kind, previous.State, next.ConsecutiveSuccesses);
        }

        UpdateRegistries(snapshot, index, now);
    }

    private void UpdateRegistries(HealthSnapshot snapshot, int resourceIndex, DateTimeOffset now)
    {
        int logged = 0;
        int unlogged = 0;
        lock (_lock)
        {
            foreach (int registry in snapshot.Dependents[resourceIndex])
            {
                var before = snapshot.RegistryStates[registry];
                var after = snapshot.Status(registry, now);
                if (before == after || (before == HealthState.Unknown && after == HealthState.Healthy))
                {
                    snapshot.RegistryStates[registry] = after;
                    continue;
                }

                snapshot.RegistryStates[registry] = after;
                _metrics.RegistryTransition(after);
                if (logged++ >= MaxRegistryTransitionsLogged)
                {
                    unlogged++;
                    continue;
                }

                // The reason is built only for the transitions logged one by one.
                var verdict = snapshot.Evaluate(registry, now);
                string name = snapshot.Topology.Registries[registry].Name;
                if (after == HealthState.Unhealthy)
                {
                    Log.RegistryUnhealthy(_logger, name, snapshot.Region, verdict.Reason ?? "a dependency is unhealthy");
                }
                else if (verdict.FailOpen)
                {
                    Log.RegistryFailOpen(_logger, name, snapshot.Region, verdict.Reason ?? "fail-open");
                }
                else
                {
                    Log.RegistryHealthy(_logger, name, snapshot.Region, "every dependency is healthy");
                }
            }
        }

        if (unlogged > 0)
        {
            Log.MoreRegistryTransitions(_logger, unlogged, snapshot.Topology.Resources[resourceIndex].Id);
        }
    }

    private void LogKillSwitchChanges(HealthSnapshot previous, HealthSnapshot next, HealthOptions options)
    {
        if (previous.DeepEvaluation != next.DeepEvaluation)
        {
            Log.DeepEvaluationSwitched(_logger, "(all registries)", next.DeepEvaluation.ToString());
        }

        int logged = 0;
        foreach (var registry in options.Registries)
        {
            if (registry.Name is null || !previous.Topology.TryFindRegistry(registry.Name, out int old))
            {
                continue;
            }

            if (previous.Topology.Registries[old].DeepEvaluation != registry.DeepEvaluation && logged++ < MaxRegistryTransitionsLogged)
            {
                Log.DeepEvaluationSwitched(_logger, registry.Name, registry.DeepEvaluation?.ToString() ?? "inherit");
            }
        }
    }

    /// <summary>Stops probing promptly: loops are cancelled and checks see cancellation.</summary>
    public async Task StopAsync()
    {
        Task[] running;
        lock (_lock)
        {
            if (!_started)
            {
                return;
            }

            _started = false;
            _loops.Cancel();
            running = [.. _running];
            _running = [];
        }

        await Task.WhenAll(running).ConfigureAwait(false);
        Log.MonitorStopped(_logger);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        DisposeChecks(Snapshot.Topology.Resources);
        _loops.Dispose();
        _gate.Dispose();
    }
}
