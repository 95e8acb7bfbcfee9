using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;
using Router.Dns.Server.Pipeline;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Dns;
using Router.TrafficManager.Monitoring;
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
/// </remarks>
public sealed partial class TrafficManagerService : ITrafficManagerControl, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly ProbeScheduler _scheduler;
    private readonly EndpointProber? _ownProber;
    private readonly EndpointOverrideStore _overrides;
    private readonly RoutingSnapshotHolder _snapshot;
    private readonly TrafficManagerZoneHandler _handler;
    private TrafficManagerOptions _options;

    /// <summary>The newest endpoint states received from the scheduler (<see cref="Receive"/>).</summary>
    private EndpointStates _states = EndpointStates.Empty;

    /// <param name="options">A configuration that <see cref="TrafficManagerOptionsValidator"/> accepts.</param>
    /// <param name="loggerFactory">Where the traffic manager logs.</param>
    /// <param name="meterFactory">Where its meter comes from.</param>
    /// <param name="timeProvider">The clock for probe intervals and timeouts.</param>
    /// <param name="stateFile">Where manual enable/disable is kept across restarts; null keeps it in memory only.</param>
    public TrafficManagerService(TrafficManagerOptions options, ILoggerFactory loggerFactory, IMeterFactory meterFactory, TimeProvider timeProvider,
        string? stateFile = null)
        : this(options, loggerFactory, meterFactory, timeProvider, stateFile, prober: null, jitter: null)
    {
    }

    internal TrafficManagerService(TrafficManagerOptions options, ILoggerFactory loggerFactory, IMeterFactory meterFactory, TimeProvider timeProvider,
        string? stateFile, IEndpointProber? prober, Func<double>? jitter)
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

        var metrics = new TrafficManagerMetrics(meterFactory);
        _ownProber = prober is null ? new EndpointProber(timeProvider) : null;
        _scheduler = new ProbeScheduler(prober ?? _ownProber!, OnProbed, loggerFactory, metrics, timeProvider, jitter);
        _snapshot = new RoutingSnapshotHolder(RoutingSnapshot.Build(options, (profile, endpoint) => RoutingState(_states, profile, endpoint)));
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
            Receive(_scheduler.Apply(ProbeTargets(_options)));
        }

        _scheduler.Start();
        Log.Started(_logger, _options.Zone!, _options.Profiles.Count, _options.Profiles.Sum(p => p.Endpoints.Count));
    }

    /// <summary>
    /// Switches to <paramref name="options"/> (already validated). Endpoints whose target and monitor settings are
    /// unchanged keep their status; an endpoint whose <c>Enabled</c> flag the file changed loses its manual override
    /// (the newer instruction wins), and so does one the file no longer has (adding it again later is newer still).
    /// The same rules apply at construction against the flag recorded with each saved override.
    /// </summary>
    public void Apply(TrafficManagerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (_gate)
        {
            ForgetStaleOverrides(options, _options);
            _options = options;
            var states = Receive(_scheduler.Apply(ProbeTargets(options)));
            _snapshot.Current = RoutingSnapshot.Build(options, (profile, endpoint) => RoutingState(states, profile, endpoint));
        }

        Log.Applied(_logger, options.Profiles.Count);
    }

    /// <summary>Stops probing; running probes are cancelled.</summary>
    public Task StopAsync() => _scheduler.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _scheduler.DisposeAsync().ConfigureAwait(false);
        _ownProber?.Dispose();
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
        var profile = options.Profiles.Find(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
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

    /// <inheritdoc />
    public EndpointSwitchResult SetEndpointEnabled(string profile, string endpoint, bool enabled)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(endpoint);
        ProfileOptions? profileOptions;
        EndpointOptions? endpointOptions;
        RoutingSnapshot before;
        RoutingSnapshot after;
        TrafficManagerOptions options;
        lock (_gate)
        {
            profileOptions = _options.Profiles.Find(p => string.Equals(p.Name, profile, StringComparison.OrdinalIgnoreCase));
            if (profileOptions is null)
            {
                return new EndpointSwitchResult(EndpointSwitchOutcome.NotFound, $"no profile '{profile}'");
            }

            endpointOptions = profileOptions.Endpoints.Find(e => string.Equals(e.Name, endpoint, StringComparison.OrdinalIgnoreCase));
            if (endpointOptions is null)
            {
                return new EndpointSwitchResult(EndpointSwitchOutcome.NotFound, $"profile '{profileOptions.Name}' has no endpoint '{endpoint}'");
            }

            string? error = _overrides.Set(new EndpointOverride(profileOptions.Name!, endpointOptions.Name!, enabled, _timeProvider.GetUtcNow(), endpointOptions.Enabled));
            if (error is not null)
            {
                Log.StateFileUnwritable(_logger, error);
                return new EndpointSwitchResult(EndpointSwitchOutcome.NotSaved, error);
            }

            // Effective for the next query: the snapshot first, then probing follows.
            before = _snapshot.Current;
            after = before.WithEndpointStates(profileOptions.Name!, ProfileStates(profileOptions));
            _snapshot.Current = after;
            options = _options;
            Receive(_scheduler.Apply(ProbeTargets(_options)));
        }

        Log.EndpointSwitched(_logger, profileOptions.Name!, endpointOptions.Name!, enabled ? "enabled" : "disabled");
        ReportAnswerChanges(before, after, options, profileOptions, $"{endpointOptions.Name} manually {(enabled ? "enabled" : "disabled")}");
        return new EndpointSwitchResult(EndpointSwitchOutcome.Switched, null);
    }

    /// <inheritdoc />
    public ExplainReport? Explain(string name, IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(client);
        return _handler.Explain(name, client);
    }

    /// <summary>The scheduler's callback: keeps the newest states; a status change makes a new routing snapshot.</summary>
    private void OnProbed(EndpointStateChange change)
    {
        Receive(change.States);
        if (change.Previous.Status == change.Current.Status)
        {
            return;
        }

        RoutingSnapshot before;
        RoutingSnapshot after;
        ProfileOptions? profile;
        TrafficManagerOptions options;
        lock (_gate)
        {
            options = _options;
            profile = options.Profiles.Find(p => string.Equals(p.Name, change.Profile, StringComparison.OrdinalIgnoreCase));
            if (profile is null)
            {
                return;
            }

            before = _snapshot.Current;
            after = before.WithEndpointStates(profile.Name!, ProfileStates(profile));
            _snapshot.Current = after;
        }

        string cause = $"{change.Endpoint} {change.Previous.Status} -> {change.Current.Status}" +
            (change.Current.LastProbe is { } probe ? $" ({probe.Error ?? "probe succeeded"})" : string.Empty);
        ReportAnswerChanges(before, after, options, profile, cause);
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
            if ((old is not null && old.Enabled != endpoint.Enabled) || (value.ConfigEnabled is bool recorded && recorded != endpoint.Enabled))
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
        options.Profiles.Find(p => string.Equals(p.Name, profile, StringComparison.OrdinalIgnoreCase))
            ?.Endpoints.Find(e => string.Equals(e.Name, endpoint, StringComparison.OrdinalIgnoreCase));

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
        return [.. profile.Endpoints.Select(e => RoutingState(states, profile.Name!, e.Name!))];
    }

    private EndpointRoutingState RoutingState(EndpointStates states, string profile, string endpoint)
    {
        bool enabled = IsEnabled(_options, profile, endpoint, out _);
        if (!enabled)
        {
            return new EndpointRoutingState(false, EndpointStatus.Disabled);
        }

        var status = states.TryGet(profile, endpoint, out var state) && state.Status != EndpointStatus.Disabled
            ? state.Status
            : EndpointStatus.CheckingEndpoint;
        return new EndpointRoutingState(true, status);
    }

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
        var targets = new List<ProbeTarget>();
        foreach (var profile in options.Profiles)
        {
            foreach (var endpoint in profile.Endpoints)
            {
                targets.Add(new ProbeTarget(profile.Name!, endpoint.Name!, endpoint.Target!, IsEnabled(options, profile.Name!, endpoint.Name!, out _), profile.Monitor));
            }
        }

        return targets;
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
            states.TryGet(profile.Name!, endpoint.Name!, out var state);
            var status = !enabled ? EndpointStatus.Disabled
                : state.Status == EndpointStatus.Disabled ? EndpointStatus.CheckingEndpoint
                : state.Status;
            endpoints.Add(new EndpointReport(endpoint.Name!, endpoint.Target!, endpoint.Location, endpoint.Priority ?? i + 1, endpoint.Weight,
                enabled, overridden, status, state.ConsecutiveFailures, state.LastProbe, state.LastStatusChange));
        }

        return new ProfileReport(profile.Name!, $"{profile.Name}.{zone}.", profile.RoutingMethod, profile.Ttl, endpoints);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = TrafficManagerEventIds.TrafficManagerStarted, EventName = nameof(TrafficManagerEventIds.TrafficManagerStarted), Level = LogLevel.Information,
            Message = "Traffic manager answering zone {Zone}: {Profiles} profiles, {Endpoints} endpoints probed.")]
        public static partial void Started(ILogger logger, string zone, int profiles, int endpoints);

        [LoggerMessage(EventId = TrafficManagerEventIds.TrafficManagerConfigurationApplied, EventName = nameof(TrafficManagerEventIds.TrafficManagerConfigurationApplied), Level = LogLevel.Information,
            Message = "Traffic manager configuration applied: {Profiles} profiles.")]
        public static partial void Applied(ILogger logger, int profiles);

        [LoggerMessage(EventId = TrafficManagerEventIds.EndpointSwitched, EventName = nameof(TrafficManagerEventIds.EndpointSwitched), Level = LogLevel.Warning,
            Message = "Endpoint {Profile}/{Endpoint} manually {Action}; effective for the next query.")]
        public static partial void EndpointSwitched(ILogger logger, string profile, string endpoint, string action);

        [LoggerMessage(EventId = TrafficManagerEventIds.EndpointOverrideCleared, EventName = nameof(TrafficManagerEventIds.EndpointOverrideCleared), Level = LogLevel.Information,
            Message = "Endpoint {Profile}/{Endpoint}: the configuration now says Enabled={Enabled}, which replaces the manual setting.")]
        public static partial void OverrideClearedByConfiguration(ILogger logger, string profile, string endpoint, bool enabled);

        [LoggerMessage(EventId = TrafficManagerEventIds.EndpointOverrideForgotten, EventName = nameof(TrafficManagerEventIds.EndpointOverrideForgotten), Level = LogLevel.Information,
            Message = "Endpoint {Profile}/{Endpoint} is not in the configuration; its manual setting is forgotten.")]
        public static partial void OverrideForgotten(ILogger logger, string profile, string endpoint);

        [LoggerMessage(EventId = TrafficManagerEventIds.AnswerChanged, EventName = nameof(TrafficManagerEventIds.AnswerChanged), Level = LogLevel.Warning,
            Message = "Profile {Profile} {Type} answer for {Clients} changed: {Before} -> {After}; cause: {Cause}.")]
        public static partial void AnswerChanged(ILogger logger, string profile, string type, string clients, string before, string after, string cause);

        [LoggerMessage(EventId = TrafficManagerEventIds.AnswerReportFailed, EventName = nameof(TrafficManagerEventIds.AnswerReportFailed), Level = LogLevel.Error,
            Message = "Could not report how profile {Profile}'s answers changed.")]
        public static partial void AnswerReportFailed(ILogger logger, string profile, Exception exception);

        [LoggerMessage(EventId = TrafficManagerEventIds.StateFileUnreadable, EventName = nameof(TrafficManagerEventIds.StateFileUnreadable), Level = LogLevel.Warning,
            Message = "The state file {Path} cannot be read ({Reason}); starting without manual endpoint settings.")]
        public static partial void StateFileUnreadable(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = TrafficManagerEventIds.StateFileUnwritable, EventName = nameof(TrafficManagerEventIds.StateFileUnwritable), Level = LogLevel.Error,
            Message = "Manual endpoint settings were not saved: {Reason}.")]
        public static partial void StateFileUnwritable(ILogger logger, string reason);
    }
}
