using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;
using Router.Dns.Server.Pipeline;
using Router.TrafficManager.Cluster;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Dns;
using Router.TrafficManager.Geo;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Monitoring.Batch;
using Router.TrafficManager.Routing;
using Router.TrafficManager.State;

namespace Router.TrafficManager;

/// <summary>
/// The traffic manager of one configuration: probes every enabled endpoint (<see cref="ProbeScheduler"/>), keeps the
/// routing snapshot the DNS handler answers from up to date with endpoint status and manual enable/disable, and
/// answers the admin API. <see cref="Apply"/> swaps in a new configuration while running.
/// </summary>
/// <remarks>
/// Endpoint monitor state has one owner, the scheduler. The service drives it (targets, start, stop) and never reads
/// state out of it: it receives the scheduler's immutable <see cref="EndpointStates"/> snapshots (with every probe, and
/// from every <see cref="ProbeScheduler.Apply"/>), keeps the newest, and derives the routing snapshot and the reports
/// from that.
/// <para>
/// In a cluster (<see cref="ClusterCoordinator"/>), the service also publishes this instance's view through the store,
/// and folds every <see cref="ClusterSnapshot"/> into the routing snapshot: endpoints get the agreed status while the
/// store can be reached, this instance's own status otherwise; manual settings come from the store (mirrored to the
/// state file, which keeps the last ones seen for a restart while the store cannot be reached). The store is never on
/// the DNS answer path.
/// </para>
/// </remarks>
public sealed partial class TrafficManagerService : ITrafficManagerControl, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly ProbeScheduler _scheduler;
    private readonly BatchMonitor _batch;
    private readonly EndpointProber? _ownProber;
    private readonly EndpointOverrideStore _overrides;
    private readonly RoutingSnapshotHolder _snapshot;
    private readonly TrafficManagerZoneHandler _handler;
    private readonly ClusterCoordinator? _cluster;
    private readonly GeoDatabase _geo;
    private readonly ClusterSettingsWaiters _settingWaiters = new();
    private readonly HashSet<string> _ignoredSettingsLogged = new(StringComparer.Ordinal);
    private TrafficManagerOptions _options;

    /// <summary>The newest endpoint states received from the scheduler (<see cref="Receive"/>).</summary>
    private EndpointStates _states = EndpointStates.Empty;

    /// <param name="options">A configuration that <see cref="TrafficManagerOptionsValidator"/> accepts.</param>
    /// <param name="loggerFactory">Where the traffic manager logs.</param>
    /// <param name="meterFactory">Where its meter comes from.</param>
    /// <param name="timeProvider">The clock for probe intervals and timeouts.</param>
    /// <param name="stateFile">Where manual enable/disable is kept across restarts; null keeps it in memory only.</param>
    /// <param name="cluster">
    /// The store shared with the other instances (the <c>Cluster</c> section); null for a single instance. The service
    /// owns it from here: it starts it, stops it and disposes of it.
    /// </param>
    /// <param name="quorum">The quorum rule of the cluster.</param>
    public TrafficManagerService(TrafficManagerOptions options, ILoggerFactory loggerFactory, IMeterFactory meterFactory, TimeProvider timeProvider,
        string? stateFile = null, IClusterStore? cluster = null, QuorumRule quorum = QuorumRule.Majority)
        : this(options, loggerFactory, meterFactory, timeProvider, stateFile, prober: null, jitter: null, cluster, quorum)
    {
    }

    internal TrafficManagerService(TrafficManagerOptions options, ILoggerFactory loggerFactory, IMeterFactory meterFactory, TimeProvider timeProvider,
        string? stateFile, IEndpointProber? prober, Func<double>? jitter, IClusterStore? cluster = null, QuorumRule quorum = QuorumRule.Majority,
        HttpMessageHandler? batchHandler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _logger = loggerFactory.CreateLogger<TrafficManagerService>();
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _options = options;
        _overrides = new EndpointOverrideStore(stateFile, out string? loadError);
        if (loadError is not null)
        {
            Log.StateFileUnreadable(_logger, stateFile!, loadError);
        }

        ForgetStaleOverrides(options, previous: null);
        ForgetStaleHolds(options, restartCount: true);
        _cluster = cluster is null ? null : new ClusterCoordinator(cluster, quorum, timeProvider);

        var metrics = new TrafficManagerMetrics(meterFactory);
        metrics.ObserveFailback(ReportedStatus, HeldEndpoints);
        if (_cluster is { } coordinator)
        {
            ClusterMetrics.Observe(meterFactory, () => coordinator.Snapshot);
        }

        _ownProber = prober is null ? new EndpointProber(timeProvider) : null;
        _scheduler = new ProbeScheduler(prober ?? _ownProber!, OnProbed, loggerFactory, metrics, timeProvider, jitter, OnProbed);
        _batch = new BatchMonitor(results => _scheduler.RecordBatch(results), prober ?? _ownProber!, loggerFactory, meterFactory, timeProvider, batchHandler);
        _geo = new GeoDatabase(loggerFactory.CreateLogger<GeoDatabase>(), meterFactory, timeProvider);
        _geo.Apply(options.GeoDatabase);
        _snapshot = new RoutingSnapshotHolder(RoutingSnapshot.Build(options, (profile, endpoint) => RoutingState(_states, profile, endpoint), geo: _geo.Locator));
        _handler = new TrafficManagerZoneHandler(_snapshot, new RoutingMetrics(meterFactory));
    }

    /// <summary>The handler that answers <c>TrafficManager:Zone</c>; give it to the DNS server as an extra handler.</summary>
    public IDnsHandler DnsHandler => _handler;

    /// <summary>The zone answered, as configured.</summary>
    public string Zone => _options.Zone!;

    /// <summary>Starts probing.</summary>
    public void Start()
    {
        lock (_gate)
        {
            var targets = ProbeTargets(_options);
            Receive(_scheduler.Apply(targets));
            _batch.Apply(targets);
        }

        _cluster?.Start(Volatile.Read(ref _states), OnClusterChanged);
        _geo.Start();
        _scheduler.Start();
        _batch.Start();
        Log.Started(_logger, _options.Zone!, _options.Profiles.Count, _options.Profiles.Sum(p => p.Endpoints.Count));
    }

    /// <summary>
    /// Switches to <paramref name="options"/> (already validated). Endpoints whose target and monitor settings are
    /// unchanged keep their status; an endpoint whose <c>Enabled</c> flag the file changed loses its manual override
    /// (the newer instruction wins), and so does one the file no longer has (adding it again later is newer still).
    /// The same rules apply at construction against the flag recorded with each saved override. In a cluster, such
    /// settings are also deleted from the store (unless a newer one replaced them there), so that every instance
    /// forgets them; a setting made under another configuration flag than this instance's is not applied here.
    /// </summary>
    public void Apply(TrafficManagerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        EndpointStates published;
        List<ManualSetting> superseded = [];
        lock (_gate)
        {
            if (_cluster is not null && _cluster.Snapshot.State == ClusterStoreState.Connected)
            {
                superseded = SupersededByEdit(_cluster.Snapshot.Settings, _options, options);
                AdoptSettings(_cluster.Snapshot.Settings, options);
            }
            else
            {
                ForgetStaleOverrides(options, _options);
            }

            ForgetStaleHolds(options, restartCount: false);

            _options = options;
            var targets = ProbeTargets(options);
            var states = published = Receive(_scheduler.Apply(targets));
            _batch.Apply(targets);
            _geo.Apply(options.GeoDatabase);
            _snapshot.Current = RoutingSnapshot.Build(options, (profile, endpoint) => RoutingState(states, profile, endpoint), geo: _geo.Locator);
        }

        _cluster?.PublishIfChanged(published);
        foreach (var setting in superseded)
        {
            _ = RemoveSupersededAsync(_cluster!, setting);
        }

        Log.Applied(_logger, options.Profiles.Count);
    }

    /// <summary>Stops probing (running probes are cancelled) and, in a cluster, leaves it (the lease is revoked).</summary>
    public async Task StopAsync()
    {
        // The store first: its callback (which drives the scheduler) has run for the last time when it returns.
        if (_cluster is not null)
        {
            await _cluster.Store.StopAsync().ConfigureAwait(false);
        }

        _geo.Stop();
        await _batch.StopAsync().ConfigureAwait(false);
        await _scheduler.StopAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.Store.DisposeAsync().ConfigureAwait(false);
        }

        await _batch.DisposeAsync().ConfigureAwait(false);
        await _scheduler.DisposeAsync().ConfigureAwait(false);

        _ownProber?.Dispose();
        _geo.Dispose();
        _settingWaiters.CancelAll();
    }

    /// <inheritdoc />
    public IReadOnlyList<ProfileReport> GetProfiles()
    {
        var options = Volatile.Read(ref _options);
        return [.. options.Profiles.Select(p => Report(options, p))];
    }

    /// <inheritdoc />
    public ProfileReport? GetProfile(string name)
    {
        var options = Volatile.Read(ref _options);
        var profile = ProfileLookup.Find(options, name);
        return profile is null ? null : Report(options, profile);
    }

    /// <summary>
    /// <see cref="SetEndpointEnabled"/> as a Try method: false with <paramref name="error"/> when the endpoint does not
    /// exist or the setting could not be saved.
    /// </summary>
    public bool TrySetEndpointEnabled(string profile, string endpoint, bool enabled, out string? error)
    {
        var result = SetEndpointEnabled(profile, endpoint, enabled);
        error = result.Error;
        return result.Outcome == EndpointSwitchOutcome.Switched;
    }

    /// <summary>
    /// <see cref="SetEndpointEnabledAsync"/>, waited for: a single instance switches at once (tests and tools use this);
    /// in a cluster it blocks a thread until the store has the setting or says why not (up to a few seconds): callers
    /// that can, use <see cref="SetEndpointEnabledAsync"/>.
    /// </summary>
    public EndpointSwitchResult SetEndpointEnabled(string profile, string endpoint, bool enabled) =>
        SetEndpointEnabledAsync(profile, endpoint, enabled, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc />
    public Task<EndpointSwitchResult> SetEndpointEnabledAsync(string profile, string endpoint, bool enabled, CancellationToken cancellationToken) =>
        SetEndpointAsync(profile, endpoint, new EndpointChange(enabled), cancellationToken);

    /// <inheritdoc />
    public Task<EndpointSwitchResult> SetEndpointAsync(string profile, string endpoint, EndpointChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(change);
        return _cluster is null
            ? Task.FromResult(SetLocally(profile, endpoint, change))
            : SetInClusterAsync(_cluster, profile, endpoint, change, cancellationToken);
    }

    /// <summary>A single instance: the state file first, then the routing snapshot, then probing.</summary>
    private EndpointSwitchResult SetLocally(string profile, string endpoint, EndpointChange change)
    {
        string action;
        ProfileOptions? profileOptions;
        EndpointOptions? endpointOptions;
        RoutingSnapshot before;
        RoutingSnapshot after;
        TrafficManagerOptions options;
        lock (_gate)
        {
            var notFound = Find(_options, profile, endpoint, out profileOptions, out endpointOptions);
            if (notFound is not null)
            {
                return notFound;
            }

            _overrides.TryGet(profileOptions!.Name!, endpointOptions!.Name!, out var existing);
            var value = Changed(existing, change, profileOptions.Name!, endpointOptions, out action);
            string? error = value is null ? _overrides.Remove(profileOptions.Name!, endpointOptions.Name!) : _overrides.Set(value);
            if (error is not null)
            {
                Log.StateFileUnwritable(_logger, error);
                return new EndpointSwitchResult(EndpointSwitchOutcome.NotSaved, error);
            }

            // Effective for the next query: the snapshot first, then probing follows.
            (before, after) = RebuildProfile_NeedsLock(profileOptions);
            options = _options;
            Receive(_scheduler.Apply(ProbeTargets(_options)));
        }

        Log.EndpointSwitched(_logger, profileOptions.Name!, endpointOptions.Name!, action);
        ReportAnswerChanges(before, after, options, profileOptions, $"{endpointOptions.Name} manually {action}");
        return new EndpointSwitchResult(EndpointSwitchOutcome.Switched, null);
    }

    /// <summary>Makes the routing snapshot follow a manual change to <paramref name="profile"/>; the snapshots before and after. Under <see cref="_gate"/>.</summary>
    private (RoutingSnapshot Before, RoutingSnapshot After) RebuildProfile_NeedsLock(ProfileOptions profile)
    {
        var before = _snapshot.Current;
        var after = before.WithEndpointStates(profile.Name!, ProfileStates(profile));
        _snapshot.Current = after;
        return (before, after);
    }

    /// <inheritdoc />
    public ExplainReport? Explain(string name, IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(client);
        var report = _handler.Explain(name, client);
        if (report?.Profile is not { } profile || _cluster is null)
        {
            return report;
        }

        // Which instances saw what: the candidates' statuses are the agreed ones; their views say who decided.
        var states = Volatile.Read(ref _states);
        return report with
        {
            Candidates = [.. report.Candidates.Select(c => c with
            {
                Views = _cluster.Views(profile, c.Endpoint, ViewState(states, profile, c.Endpoint, c.Enabled)),
            })],
        };
    }

    /// <summary>Logs, per group of clients, how the profile's answer changed (event 3607), so a failover has a timeline.</summary>
    private void ReportAnswerChanges(RoutingSnapshot before, RoutingSnapshot after, TrafficManagerOptions options, ProfileOptions profile, string cause)
    {
        if (!_logger.IsEnabled(LogLevel.Warning))
        {
            return;
        }

        try
        {
            foreach (var change in AnswerChanges.Compare(before, after, options, profile, out _))
            {
                Log.AnswerChanged(_logger, profile.Name!, change.Type, change.Clients, change.Before, change.After, cause);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Reporting must never disturb routing.
            Log.AnswerReportFailed(_logger, profile.Name!, ex);
        }
    }

    /// <summary>
    /// Forgets the manual settings <paramref name="options"/> supersedes (newest instruction wins): of endpoints it does
    /// not have, and of endpoints whose <c>Enabled</c> flag differs from <paramref name="previous"/> (a reload) or from
    /// the flag recorded with the setting (an edit made while the router was stopped).
    /// </summary>
    private void ForgetStaleOverrides(TrafficManagerOptions options, TrafficManagerOptions? previous)
    {
        var stale = new List<(string Profile, string Endpoint)>();
        foreach (var value in _overrides.GetAll())
        {
            var endpoint = FindEndpoint(options, value.Profile, value.Endpoint);
            if (endpoint is null)
            {
                stale.Add((value.Profile, value.Endpoint));
                Log.OverrideForgotten(_logger, value.Profile, value.Endpoint);
                continue;
            }

            var old = previous is null ? null : FindEndpoint(previous, value.Profile, value.Endpoint);
            if ((old is not null && old.Enabled != endpoint.Enabled) || EndpointOverride.IsSupersededBy(value.ConfigEnabled, endpoint.Enabled))
            {
                stale.Add((value.Profile, value.Endpoint));
                Log.OverrideClearedByConfiguration(_logger, value.Profile, value.Endpoint, endpoint.Enabled);
            }
        }

        if (stale.Count > 0 && _overrides.Remove(stale) is { } error)
        {
            Log.StateFileUnwritable(_logger, error);
        }
    }

    private static EndpointOptions? FindEndpoint(TrafficManagerOptions options, string profile, string endpoint) =>
        ProfileLookup.FindEndpoint(options, profile, endpoint);

    /// <summary>
    /// Keeps <paramref name="states"/> when it is newer than the states kept (snapshots from concurrent probes may arrive
    /// out of order); returns the states kept.
    /// </summary>
    private EndpointStates Receive(EndpointStates states)
    {
        var current = Volatile.Read(ref _states);
        while (true)
        {
            var newest = EndpointStates.Newest(current, states);
            if (ReferenceEquals(newest, current))
            {
                return current;
            }

            var seen = Interlocked.CompareExchange(ref _states, newest, current);
            if (ReferenceEquals(seen, current))
            {
                return newest;
            }

            current = seen;
        }
    }

    private EndpointRoutingState[] ProfileStates(ProfileOptions profile)
    {
        var states = Volatile.Read(ref _states);
        var routing = new EndpointRoutingState[profile.Endpoints.Count];
        for (int i = 0; i < routing.Length; i++)
        {
            routing[i] = RoutingState(states, profile.Name!, profile.Endpoints[i].Name!);
        }

        return routing;
    }

    private EndpointRoutingState RoutingState(EndpointStates states, string profile, string endpoint)
    {
        bool enabled = IsEnabled(_options, profile, endpoint, out _);
        if (!enabled)
        {
            return new EndpointRoutingState(false, EndpointStatus.Disabled);
        }

        var status = OwnStatus(states, profile, endpoint, out _);
        return WithFailback(_options, profile, endpoint, new EndpointRoutingState(true, _cluster?.Agreed(profile, endpoint, status) ?? status));
    }

    /// <summary>This instance's own state of an endpoint, its status as <see cref="OwnStatus"/> says (Disabled when disabled).</summary>
    private static EndpointMonitorState ViewState(EndpointStates states, string profile, string endpoint, bool enabled)
    {
        var status = OwnStatus(states, profile, endpoint, out var state);
        return state with { Status = enabled ? status : EndpointStatus.Disabled };
    }

    /// <summary>
    /// This instance's own status of an enabled endpoint: its monitor status, or <see cref="EndpointStatus.CheckingEndpoint"/>
    /// while the scheduler has it disabled or not yet (the effective flag changed a moment ago).
    /// </summary>
    private static EndpointStatus OwnStatus(EndpointStates states, string profile, string endpoint, out EndpointMonitorState state) =>
        states.TryGet(profile, endpoint, out state) && state.Status != EndpointStatus.Disabled ? state.Status : EndpointStatus.CheckingEndpoint;

    private bool IsEnabled(TrafficManagerOptions options, string profile, string endpoint, out bool? overridden)
    {
        overridden = null;
        if (_overrides.TryGet(profile, endpoint, out var value))
        {
            overridden = value!.Enabled;
            return value.Enabled;
        }

        return FindEndpoint(options, profile, endpoint)?.Enabled ?? false;
    }

    private List<ProbeTarget> ProbeTargets(TrafficManagerOptions options)
    {
        var targets = new List<ProbeTarget>(options.Profiles.Sum(p => p.Endpoints.Count));
        foreach (var profile in options.Profiles)
        {
            foreach (var endpoint in profile.Endpoints)
            {
                // A Nested endpoint has no probe of its own: its status is its child's (RoutingSnapshot); it keeps a
                // state slot, never probed, so status and metrics list it like the others.
                targets.Add(endpoint.Type == EndpointType.Nested
                    ? new ProbeTarget(profile.Name!, endpoint.Name!, string.Empty, false, NestedMonitor)
                    : new ProbeTarget(profile.Name!, endpoint.Name!, endpoint.Target!, IsEnabled(options, profile.Name!, endpoint.Name!, out _), profile.Monitor));
            }
        }

        return BatchOrigin.GroupByOrigin(targets);
    }

    private ProfileReport Report(TrafficManagerOptions options, ProfileOptions profile)
    {
        string zone = options.Zone!.TrimEnd('.');
        var states = Volatile.Read(ref _states);
        var endpoints = new List<EndpointReport>(profile.Endpoints.Count);
        for (int i = 0; i < profile.Endpoints.Count; i++)
        {
            var endpoint = profile.Endpoints[i];
            bool enabled = IsEnabled(options, profile.Name!, endpoint.Name!, out bool? overridden);
            var own = OwnStatus(states, profile.Name!, endpoint.Name!, out var state);
            own = enabled ? own : EndpointStatus.Disabled;

            var status = enabled && _cluster is not null ? _cluster.Agreed(profile.Name!, endpoint.Name!, own) : own;
            var routing = enabled ? WithFailback(options, profile.Name!, endpoint.Name!, new EndpointRoutingState(true, status)) : default;
            if (endpoint.Type == EndpointType.Nested && enabled)
            {
                routing = NestedState(profile.Name!, i) ?? routing;
            }

            endpoints.Add(new EndpointReport(endpoint.Name!, endpoint.Target ?? endpoint.Profile ?? string.Empty, endpoint.Location, endpoint.Priority ?? i + 1, endpoint.Weight,
                enabled, overridden, enabled ? routing.Status : status, state.ConsecutiveFailures, state.LastProbe, state.LastStatusChange)
            {
                OwnStatus = _cluster is null ? null : own,
                Views = _cluster?.Views(profile.Name!, endpoint.Name!, state with { Status = own }),
                Held = routing.Held,
                Reason = routing.Reason,
            });
        }

        return new ProfileReport(profile.Name!, $"{profile.Name}.{zone}.", profile.RoutingMethod, profile.Ttl, endpoints);
    }
}
