using System.Globalization;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Routing;
using Router.TrafficManager.State;

namespace Router.TrafficManager;

/// <summary>
/// The traffic manager's side of failback (<c>Monitor:Failback</c>: recovered endpoints held back from answers) and of
/// maintenance (out of answers, still probed). Holds start and end with probes (<see cref="FailbackPolicy"/>) or an
/// operator's release, and are kept in the state file.
/// </summary>
public sealed partial class TrafficManagerService
{
    /// <inheritdoc />
    public Task<EndpointSwitchResult> ReleaseEndpointAsync(string profile, string endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(endpoint);
        (RoutingSnapshot Before, RoutingSnapshot After) snapshots;
        (TrafficManagerOptions Options, ProfileOptions? Profile, EndpointOptions? Endpoint) found;
        lock (_gate)
        {
            found.Options = _options;
            if (Find(found.Options, profile, endpoint, out found.Profile, out found.Endpoint) is { } notFound)
            {
                return Task.FromResult(notFound);
            }

            if (!_overrides.TryGetHold(found.Profile!.Name!, found.Endpoint!.Name!, out _))
            {
                var report = GetProfile(found.Profile.Name!)?.Endpoints.FirstOrDefault(e => e.Name == found.Endpoint.Name);
                return Task.FromResult(new EndpointSwitchResult(EndpointSwitchOutcome.NotHeld,
                    $"endpoint '{found.Endpoint.Name}' of profile '{found.Profile.Name}' is not held back (status {report?.Status}, failback {found.Profile.Monitor.Failback.Mode}); nothing to release"));
            }

            // Released in this process even when the file cannot be written (logged): the operator asked for it now.
            if (_overrides.UpdateHolds([((found.Profile.Name!, found.Endpoint.Name!), null)], save: true) is { } error)
            {
                Log.StateFileUnwritable(_logger, error);
            }

            snapshots = RebuildProfile_NeedsLock(found.Profile);
        }

        var (options, profileOptions, endpointOptions) = found;
        Log.FailbackReleased(_logger, profileOptions!.Name!, endpointOptions!.Name!, "an operator released it");
        ReportAnswerChanges(snapshots.Before, snapshots.After, options, profileOptions, $"{endpointOptions.Name} released by an operator (failback {profileOptions.Monitor.Failback.Mode})");
        return Task.FromResult(new EndpointSwitchResult(EndpointSwitchOutcome.Switched, null));
    }

    /// <summary>
    /// The override after <paramref name="change"/> (each field not given is kept); null when nothing manual is left
    /// (maintenance ended on an endpoint whose flag is the configuration's). <paramref name="action"/> says what changed.
    /// </summary>
    private EndpointOverride? Changed(EndpointOverride? existing, EndpointChange change, string profile, EndpointOptions endpoint, out string action)
    {
        bool enabled = change.Enabled ?? existing?.Enabled ?? endpoint.Enabled;
        bool maintenance = change.Maintenance ?? existing?.Maintenance ?? false;
        string? reason = !maintenance ? null : change.Maintenance is true ? (string.IsNullOrWhiteSpace(change.Reason) ? null : change.Reason.Trim()) : existing?.Reason;
        var parts = new List<string>(2);
        if (change.Enabled is bool on)
        {
            parts.Add(on ? "enabled" : "disabled");
        }

        if (change.Maintenance is bool set)
        {
            parts.Add(set ? $"put in maintenance{(reason is null ? string.Empty : $" ({reason})")}" : "taken out of maintenance");
        }

        action = parts.Count == 0 ? "left as it was" : string.Join(" and ", parts);
        return change.Enabled is null && !maintenance && enabled == endpoint.Enabled
            ? null
            : new EndpointOverride(profile, endpoint.Name!, enabled, _timeProvider.GetUtcNow(), endpoint.Enabled, maintenance, reason);
    }

    /// <summary>
    /// An enabled endpoint's routing state with maintenance (status <see cref="EndpointStatus.Maintenance"/>) and its
    /// failback hold (held while Online or CheckingEndpoint, and its profile's mode is not Automatic).
    /// </summary>
    private EndpointRoutingState WithFailback(TrafficManagerOptions options, string profile, string endpoint, EndpointRoutingState state)
    {
        if (_overrides.TryGet(profile, endpoint, out var value) && value!.Maintenance)
        {
            return state with { Status = EndpointStatus.Maintenance, Reason = value.Reason };
        }

        if (state.Status is EndpointStatus.Online or EndpointStatus.CheckingEndpoint && _overrides.HasHolds
            && _overrides.TryGetHold(profile, endpoint, out var hold) && ProfileLookup.Find(options, profile)?.Monitor.Failback is { } failback
            && failback.Mode != FailbackMode.Automatic)
        {
            return state with { Held = true, Reason = FailbackPolicy.Reason(failback, hold!) };
        }

        return state;
    }

    /// <summary>
    /// Starts and ends holds with the probes of <paramref name="changes"/>; returns, by profile, the change (its position) and the cause
    /// of every hold that started or ended (the profile's answers must be rebuilt), or null when none did, the common
    /// case, without allocating.
    /// </summary>
    private Dictionary<string, (int Change, string Cause)>? EvaluateFailback(IReadOnlyList<EndpointStateChange> changes)
    {
        bool hasHolds = _overrides.HasHolds;
        var options = Volatile.Read(ref _options);
        List<((string, string), FailbackHold?)>? updates = null;
        Dictionary<string, (int, string)>? flipped = null;
        bool save = false;
        for (int i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            FailbackHold? hold = null;
            bool recovered = change.Previous.Status == EndpointStatus.Degraded && change.Current.Status == EndpointStatus.Online;
            bool held = hasHolds && _overrides.TryGetHold(change.Profile, change.Endpoint, out hold);
            if ((!recovered && !held) || ProfileLookup.Find(options, change.Profile) is not { } profile)
            {
                continue;
            }

            var failback = profile.Monitor.Failback;
            var next = FailbackPolicy.Next(failback, hold, change.Profile, change.Endpoint, change.Previous, change.Current, _timeProvider.GetUtcNow());
            if (ReferenceEquals(next, hold))
            {
                continue;
            }

            (updates ??= []).Add(((change.Profile, change.Endpoint), next));
            if (hold is not null && next is not null)
            {
                // The HoldDown count restarted (kept in memory; a restart restarts it anyway). Logged for a failure while
                // Online; one that degrades it is logged as a status change.
                if (change.Current.Status == EndpointStatus.Online && change.Current.ConsecutiveFailures > 0)
                {
                    Log.FailbackCountRestarted(_logger, change.Profile, change.Endpoint, failback.HoldDownSeconds);
                }

                continue;
            }

            save = true;
            string cause;
            if (next is not null)
            {
                cause = $"{change.Endpoint} recovered and is held back (failback {failback.Mode})";
                Log.FailbackHeld(_logger, change.Profile, change.Endpoint, FailbackPolicy.Reason(failback, next));
            }
            else
            {
                cause = string.Create(CultureInfo.InvariantCulture, $"{change.Endpoint} released: Online without a failure for {failback.HoldDownSeconds} s (failback HoldDown)");
                Log.FailbackReleased(_logger, change.Profile, change.Endpoint, $"Online without a failure for {failback.HoldDownSeconds.ToString(CultureInfo.InvariantCulture)} s");
            }

            (flipped ??= new(StringComparer.OrdinalIgnoreCase))[change.Profile] = (i, cause);
        }

        if (updates is not null && _overrides.UpdateHolds(updates, save) is { } error)
        {
            Log.StateFileUnwritable(_logger, error);
        }

        return flipped;
    }

    /// <summary>
    /// Releases the holds <paramref name="options"/> no longer supports: of endpoints it does not have, and of profiles
    /// whose failback mode is Automatic. At start-up (<paramref name="restartCount"/>), every HoldDown count restarts:
    /// nothing was probed while the router was down.
    /// </summary>
    private void ForgetStaleHolds(TrafficManagerOptions options, bool restartCount)
    {
        if (!_overrides.HasHolds)
        {
            return;
        }

        var now = _timeProvider.GetUtcNow();
        var updates = new List<((string, string), FailbackHold?)>();
        bool removed = false;
        foreach (var hold in _overrides.GetHolds())
        {
            var profile = ProfileLookup.Find(options, hold.Profile);
            if (profile is null || FindEndpoint(options, hold.Profile, hold.Endpoint) is null || profile.Monitor.Failback.Mode == FailbackMode.Automatic)
            {
                updates.Add(((hold.Profile, hold.Endpoint), null));
                removed = true;
                Log.FailbackReleased(_logger, hold.Profile, hold.Endpoint,
                    profile is null || FindEndpoint(options, hold.Profile, hold.Endpoint) is null ? "the configuration no longer has it" : "the configuration made its failback Automatic");
            }
            else if (restartCount)
            {
                updates.Add(((hold.Profile, hold.Endpoint), hold with { CleanSince = now }));
            }
        }

        if (updates.Count > 0 && _overrides.UpdateHolds(updates, save: removed) is { } error)
        {
            Log.StateFileUnwritable(_logger, error);
        }
    }

    /// <summary>The status the metrics report for an endpoint whose monitor status is <paramref name="status"/>: Maintenance over it.</summary>
    private EndpointStatus ReportedStatus(string profile, string endpoint, EndpointStatus status) =>
        NestedReportedStatus(profile, endpoint) is { } nested ? nested :
        status != EndpointStatus.Disabled && _overrides.TryGet(profile, endpoint, out var value) && value!.Maintenance ? EndpointStatus.Maintenance : status;

    /// <summary>Every endpoint of a profile whose failback is not Automatic, and whether routing holds it back now.</summary>
    private IEnumerable<(string Profile, string Endpoint, bool Held)> HeldEndpoints()
    {
        var snapshot = _snapshot.Current;
        foreach (var profile in snapshot.Profiles)
        {
            if (ProfileLookup.Find(Volatile.Read(ref _options), profile.Name)?.Monitor.Failback.Mode is not (FailbackMode.HoldDown or FailbackMode.Manual))
            {
                continue;
            }

            for (int i = 0; i < profile.Endpoints.Length; i++)
            {
                yield return (profile.Name, profile.Endpoints[i].Name, profile.States[i].Held);
            }
        }
    }
}
