using Microsoft.Extensions.Logging;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager;

/// <summary>The traffic manager's side of probing: the scheduler's published states folded into routing, many at once.</summary>
public sealed partial class TrafficManagerService
{
    /// <summary>
    /// Answer changes logged one by one (event 3607) per batch of status changes; the profiles beyond are counted in
    /// one summary line (event 3620), so a whole region failing over writes a bounded log, not 100,000 lines.
    /// </summary>
    internal const int MaxAnswerChangesLogged = 50;

    /// <summary>Profiles rebuilt per slice when many change at once.</summary>
    internal const int RebuildSlice = 5_000;

    /// <summary>The pause after a slice, in multiples of the slice's own time: the rebuild takes at most a third of a core.</summary>
    internal const int RebuildPause = 2;

    /// <summary>The longest pause after a slice, however slow it was: 100,000 profiles wait 2 s at most in all.</summary>
    internal static readonly TimeSpan MaxRebuildPause = TimeSpan.FromMilliseconds(100);

    /// <summary>The scheduler's callback for one probe: <see cref="OnProbed(IReadOnlyList{EndpointStateChange})"/> of one change.</summary>
    private void OnProbed(EndpointStateChange change) => OnProbed([change]);

    /// <summary>
    /// The scheduler's callback for results published together (one <see cref="EndpointStates"/> snapshot, e.g. a batch
    /// document): keeps the newest states, publishes the view to the cluster once, and, when any status changed, makes
    /// one new routing snapshot for the profiles that changed (the others are shared; more than
    /// <see cref="RebuildSlice"/> of them are rebuilt and published in paced slices), then logs how the answers moved.
    /// Costs O(changed profiles): profiles are found by name, the DNS answer path keeps reading the old snapshot until
    /// a new one replaces it whole.
    /// </summary>
    internal void OnProbed(IReadOnlyList<EndpointStateChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return;
        }

        var states = Volatile.Read(ref _states);
        foreach (var change in changes)
        {
            states = Receive(change.States);
        }

        _cluster?.PublishIfChanged(states);
        var failback = EvaluateFailback(changes);
        if (failback is null && !AnyStatusChanged(changes))
        {
            return; // the common case, nearly every probe: the routing snapshot stays as it is, and nothing is allocated
        }

        // The profiles whose status changed, in the order of their first change, with that change as the cause. The
        // changes are the scheduler's pooled list: only positions in it are kept, and only during this call.
        var changed = new Dictionary<string, int>(changes.Count, StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < changes.Count; i++)
        {
            if (changes[i].Previous.Status != changes[i].Current.Status)
            {
                changed.TryAdd(changes[i].Profile, i);
            }
        }

        // A hold that started or ended changes the profile's answers, with or without a status change; it says why.
        if (failback is not null)
        {
            foreach (var (profile, (change, _)) in failback)
            {
                changed.TryAdd(profile, change);
            }
        }

        // Many profiles at once (a region failing over) are rebuilt in slices, each published when done and followed by
        // a pause of RebuildPause times its own time: the DNS threads, which share the cores, keep most of them while
        // 100,000 profiles move in a few seconds instead of one burst. A few profiles (one registry, one probe) are one
        // slice, so they move at once.
        RoutingSnapshot? before = null;
        RoutingSnapshot after = _snapshot.Current;
        TrafficManagerOptions options = _options;
        var profiles = new List<(ProfileOptions Profile, int Cause)>(changed.Count);
        var names = changed.GetEnumerator();
        bool more = true;
        while (more)
        {
            long started = _timeProvider.GetTimestamp();
            lock (_gate)
            {
                options = _options;
                var updates = new List<(string Profile, EndpointRoutingState[] States)>(Math.Min(changed.Count, RebuildSlice));
                while (updates.Count < RebuildSlice && (more = names.MoveNext()))
                {
                    var (name, cause) = names.Current;
                    if (ProfileLookup.Find(options, name) is { } profile)
                    {
                        profiles.Add((profile, cause));
                        updates.Add((profile.Name!, ProfileStates(profile)));
                    }
                }

                if (updates.Count > 0)
                {
                    before ??= _snapshot.Current;
                    after = _snapshot.Current.WithEndpointStates(updates);
                    _snapshot.Current = after;
                }
            }

            if (more)
            {
                Pause(_timeProvider.GetElapsedTime(started) * RebuildPause);
            }
        }

        if (before is null)
        {
            return;
        }

        for (int i = 0; i < profiles.Count && i < MaxAnswerChangesLogged; i++)
        {
            var (profile, cause) = profiles[i];
            ReportAnswerChanges(before, after, options, profile,
                failback is not null && failback.TryGetValue(profile.Name!, out var held) ? $"{Cause(changes[cause])}; {held.Cause}" : Cause(changes[cause]));
        }

        if (profiles.Count > 0)
        {
            ReportNestedAnswerChanges(before, after, options, profiles.Select(p => p.Profile.Name!), Cause(changes[profiles[0].Cause]));
        }

        if (profiles.Count > MaxAnswerChangesLogged)
        {
            Log.AnswerChangesSummarized(_logger, profiles.Count - MaxAnswerChangesLogged, profiles.Count, Cause(changes[profiles[MaxAnswerChangesLogged].Cause]));
        }
    }

    private static void Pause(TimeSpan pause)
    {
        if (pause > TimeSpan.Zero)
        {
            Thread.Sleep(pause < MaxRebuildPause ? pause : MaxRebuildPause);
        }
    }

    private static bool AnyStatusChanged(IReadOnlyList<EndpointStateChange> changes)
    {
        for (int i = 0; i < changes.Count; i++)
        {
            if (changes[i].Previous.Status != changes[i].Current.Status)
            {
                return true;
            }
        }

        return false;
    }

    private static string Cause(EndpointStateChange change) =>
        $"{change.Endpoint} {change.Previous.Status} -> {change.Current.Status}" +
        (change.Current.LastProbe is { } probe ? $" ({probe.Error ?? (probe.Source is null || probe.UsedFallback ? "probe succeeded" : "verdict Healthy")})" : string.Empty);
}
