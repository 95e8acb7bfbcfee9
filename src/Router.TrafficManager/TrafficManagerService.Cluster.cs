using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;
using Router.Dns.Server.Pipeline;
using Router.TrafficManager.Cluster;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Dns;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Routing;
using Router.TrafficManager.State;

namespace Router.TrafficManager;

/// <summary>The traffic manager's side of a cluster: manual settings through the store, and the store's snapshots folded into routing.</summary>
public sealed partial class TrafficManagerService
{
    /// <summary>
    /// A cluster: the setting is written to the store, and every instance (this one too) applies it from the store's
    /// next snapshot; returns once this instance has applied it (or after <see cref="ClusterSettingsWaiters.Wait"/>).
    /// Refused, with nothing changed, while the store cannot be reached: a setting only one instance knows is a split brain.
    /// </summary>
    private async Task<EndpointSwitchResult> SetInClusterAsync(ClusterCoordinator cluster, string profile, string endpoint, EndpointChange change, CancellationToken cancellationToken)
    {
        ManualSetting setting;
        lock (_gate)
        {
            var notFound = Find(_options, profile, endpoint, out var profileOptions, out var endpointOptions);
            if (notFound is not null)
            {
                return notFound;
            }

            // The store keeps the whole setting: the fields not changed are this instance's (the store's, adopted).
            _overrides.TryGet(profileOptions!.Name!, endpointOptions!.Name!, out var existing);
            var value = Changed(existing, change, profileOptions.Name!, endpointOptions, out _)
                ?? new EndpointOverride(profileOptions.Name!, endpointOptions.Name!, endpointOptions.Enabled, _timeProvider.GetUtcNow(), endpointOptions.Enabled);
            setting = new ManualSetting(value.Profile, value.Endpoint, value.Enabled, value.ChangedAt, cluster.InstanceId, endpointOptions.Enabled, value.Maintenance, value.Reason);
        }

        var snapshot = cluster.Snapshot;
        if (snapshot.State != ClusterStoreState.Connected)
        {
            return new EndpointSwitchResult(EndpointSwitchOutcome.Unavailable,
                $"the cluster store cannot be reached ({snapshot.Reason ?? snapshot.State.ToString()}); manual settings are refused until it can, so that no instance answers by a setting the others do not know");
        }

        if (!cluster.IsAgreeing)
        {
            return new EndpointSwitchResult(EndpointSwitchOutcome.Unavailable,
                $"this instance is not registered in the cluster store: another live instance holds the id '{cluster.InstanceId}' (Cluster:InstanceId must be unique)");
        }

        var applied = _settingWaiters.Add(setting);
        var written = await cluster.Store.SetEndpointEnabledAsync(setting, cancellationToken).ConfigureAwait(false);
        if (!written.Written)
        {
            _settingWaiters.Remove(applied);
            return new EndpointSwitchResult(EndpointSwitchOutcome.Unavailable, written.Error ?? "the cluster store did not take the setting");
        }

        // Logged when applied (AdoptSettings), as on every other instance.
        await _settingWaiters.WaitAsync(applied, _timeProvider, cancellationToken).ConfigureAwait(false);
        return new EndpointSwitchResult(EndpointSwitchOutcome.Switched, null);
    }

    /// <summary>Null when the profile and endpoint exist (then found), else the NotFound result that says which is missing.</summary>
    private static EndpointSwitchResult? Find(TrafficManagerOptions options, string profile, string endpoint,
        out ProfileOptions? profileOptions, out EndpointOptions? endpointOptions)
    {
        endpointOptions = null;
        profileOptions = ProfileLookup.Find(options, profile);
        if (profileOptions is null)
        {
            return new EndpointSwitchResult(EndpointSwitchOutcome.NotFound, $"no profile '{profile}'");
        }

        endpointOptions = profileOptions.Endpoints.Find(e => string.Equals(e.Name, endpoint, StringComparison.OrdinalIgnoreCase));
        return endpointOptions is null
            ? new EndpointSwitchResult(EndpointSwitchOutcome.NotFound, $"profile '{profileOptions.Name}' has no endpoint '{endpoint}'")
            : null;
    }

    /// <inheritdoc />
    public ClusterReport? GetCluster()
    {
        if (_cluster is null)
        {
            return null;
        }

        var snapshot = _cluster.Snapshot;
        return new ClusterReport(_cluster.InstanceId, _cluster.Quorum, snapshot.State, snapshot.Since, snapshot.Reason, snapshot.Revision, snapshot.Members);
    }

    /// <summary>
    /// The store's callback: keeps the snapshot, applies its manual settings while connected, and rebuilds the routing
    /// snapshot (the agreed status may have changed with any instance's view, membership or the store's state).
    /// </summary>
    private void OnClusterChanged(ClusterSnapshot snapshot)
    {
        var cluster = _cluster!;
        var previous = cluster.Snapshot;
        cluster.Receive(snapshot);
        RoutingSnapshot before;
        RoutingSnapshot after;
        TrafficManagerOptions options;
        string? settingsCause = null;
        EndpointStates published;
        lock (_gate)
        {
            options = _options;
            if (snapshot.State == ClusterStoreState.Connected)
            {
                settingsCause = AdoptSettings(snapshot.Settings, options);
            }

            published = settingsCause is null ? Volatile.Read(ref _states) : Receive(_scheduler.Apply(ProbeTargets(options)));
            before = _snapshot.Current;
            after = RoutingSnapshot.Build(options, (profile, endpoint) => RoutingState(published, profile, endpoint), geo: _geo.Locator);
            _snapshot.Current = after;
        }

        if (settingsCause is not null)
        {
            cluster.PublishIfChanged(published);
        }

        _settingWaiters.Complete(snapshot);
        string cause = settingsCause
            ?? (previous.State != snapshot.State
                ? $"cluster: {(snapshot.State == ClusterStoreState.Connected ? "agreed status" : $"own view ({snapshot.Reason})")}"
                : "cluster: another instance's view or the live instances changed");
        foreach (var profile in options.Profiles)
        {
            ReportAnswerChanges(before, after, options, profile, cause);
        }
    }

    /// <summary>
    /// Makes the store's manual settings this instance's (and the state file's, so a restart while the store cannot be
    /// reached still has them). A setting for an endpoint the configuration does not have is logged and ignored, and so
    /// is one made when the configuration said otherwise than it says now (the newer instruction wins). Returns the cause
    /// to report when the settings in force changed, null when they did not.
    /// </summary>
    private string? AdoptSettings(IReadOnlyList<ManualSetting> settings, TrafficManagerOptions options)
    {
        var adopted = new List<EndpointOverride>(settings.Count);
        foreach (var setting in settings)
        {
            var endpoint = FindEndpoint(options, setting.Profile, setting.Endpoint);
            if (endpoint is null)
            {
                LogIgnoredOnce(setting, "the configuration has no such endpoint");
                continue;
            }

            if (EndpointOverride.IsSupersededBy(setting.ConfigEnabled, endpoint.Enabled))
            {
                LogIgnoredOnce(setting, $"it was made when the configuration said Enabled={setting.ConfigEnabled}, and it now says Enabled={endpoint.Enabled}");
                continue;
            }

            adopted.Add(new EndpointOverride(setting.Profile, setting.Endpoint, setting.Enabled, setting.ChangedAt, setting.ConfigEnabled, setting.Maintenance, setting.Reason));
        }

        var changed = _overrides.ReplaceAll(adopted, out string? error);
        if (error is not null)
        {
            Log.StateFileUnwritable(_logger, error);
        }

        if (changed.Count == 0)
        {
            return null;
        }

        var causes = new List<string>(changed.Count);
        foreach (var (profile, endpoint, enabled) in changed)
        {
            var made = settings.FirstOrDefault(s => string.Equals(s.Profile, profile, StringComparison.OrdinalIgnoreCase)
                && string.Equals(s.Endpoint, endpoint, StringComparison.OrdinalIgnoreCase));
            string by = made?.ChangedBy is { } instance ? $" on {instance}" : string.Empty;
            string maintenance = made is { Maintenance: true } ? $", in maintenance{(made.Reason is null ? string.Empty : $" ({made.Reason})")}" : string.Empty;
            string action = enabled is bool on ? $"{(on ? "enabled" : "disabled")}{maintenance}{by}" : "set back to the configuration's flag (no setting in the cluster store any more)";
            Log.EndpointSwitched(_logger, profile, endpoint, $"{action} (cluster store)");
            causes.Add(enabled is null ? $"{endpoint}'s manual setting removed" : $"{endpoint} manually {action}");
        }

        return string.Join(", ", causes);
    }

    /// <summary>
    /// The store's settings that the edit from <paramref name="previous"/> to <paramref name="next"/> supersedes (the
    /// newer instruction wins): of endpoints the edit removed, and of endpoints whose <c>Enabled</c> flag it changed.
    /// </summary>
    private static List<ManualSetting> SupersededByEdit(IReadOnlyList<ManualSetting> settings, TrafficManagerOptions previous, TrafficManagerOptions next)
    {
        var superseded = new List<ManualSetting>();
        foreach (var setting in settings)
        {
            var before = FindEndpoint(previous, setting.Profile, setting.Endpoint);
            var after = FindEndpoint(next, setting.Profile, setting.Endpoint);
            if (before is not null && (after is null || after.Enabled != before.Enabled))
            {
                superseded.Add(setting);
            }
        }

        return superseded;
    }

    /// <summary>Deletes a setting a configuration edit superseded from the store; a failure is logged (the setting stays ignored here).</summary>
    private async Task RemoveSupersededAsync(ClusterCoordinator cluster, ManualSetting setting)
    {
        try
        {
            var result = await cluster.Store.RemoveSettingAsync(setting, CancellationToken.None).ConfigureAwait(false);
            if (result.Written)
            {
                Log.OverrideClearedByConfiguration(_logger, setting.Profile, setting.Endpoint, FindEndpoint(Volatile.Read(ref _options), setting.Profile, setting.Endpoint)?.Enabled ?? false);
            }
            else
            {
                Log.ClusterSettingNotRemoved(_logger, setting.Profile, setting.Endpoint, result.Error ?? "the cluster store did not take it");
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ClusterSettingNotRemoved(_logger, setting.Profile, setting.Endpoint, $"{ex.GetType().Name}: {ex.Message}");
        }
    }

    private void LogIgnoredOnce(ManualSetting setting, string reason)
    {
        string key = $"{setting.Profile}\n{setting.Endpoint}\n{setting.Enabled}\n{setting.ChangedAt:O}";
        lock (_ignoredSettingsLogged)
        {
            if (!_ignoredSettingsLogged.Add(key))
            {
                return;
            }
        }

        Log.ClusterSettingIgnored(_logger, setting.Profile, setting.Endpoint, setting.ChangedBy, reason);
    }
}
