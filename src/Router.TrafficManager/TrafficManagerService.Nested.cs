using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager;

public sealed partial class TrafficManagerService
{
    /// <summary>The monitor of a Nested endpoint's state slot: Probe mode (never batched), and never probed (disabled).</summary>
    private static readonly MonitorOptions NestedMonitor = new();

    /// <summary>
    /// Endpoint <paramref name="index"/> of <paramref name="profile"/> as the current snapshot derived it (a Nested
    /// endpoint's status is its child's: <see cref="NestedStatus"/>); null when the snapshot does not have it yet.
    /// </summary>
    private EndpointRoutingState? NestedState(string profile, int index) =>
        _snapshot.Current.FindProfile(profile) is { } routing && index < routing.States.Count &&
        routing.Endpoints[index].Kind == EndpointTargetKind.Nested
            ? routing.States[index]
            : null;

    /// <summary>The status a Nested endpoint's metrics show: the snapshot's; null for other endpoints.</summary>
    private EndpointStatus? NestedReportedStatus(string profile, string endpoint)
    {
        if (_snapshot.Current.FindProfile(profile) is not { HasNested: true } routing)
        {
            return null;
        }

        for (int i = 0; i < routing.Endpoints.Length; i++)
        {
            if (routing.Endpoints[i].Kind == EndpointTargetKind.Nested &&
                string.Equals(routing.Endpoints[i].Name, endpoint, StringComparison.OrdinalIgnoreCase))
            {
                var state = routing.States[i];
                return state.IsEnabled || state.Status == EndpointStatus.Maintenance ? state.Status : EndpointStatus.Disabled;
            }
        }

        return null;
    }

    /// <summary>
    /// Logs the answer changes of profiles that changed only because a profile they nest changed (a child's change
    /// re-evaluates its parents in the snapshot), at most <see cref="MaxAnswerChangesLogged"/> of them.
    /// </summary>
    private void ReportNestedAnswerChanges(RoutingSnapshot before, RoutingSnapshot after, TrafficManagerOptions options, IEnumerable<string> reported, string cause)
    {
        if (!after.HasNesting)
        {
            return;
        }

        var done = new HashSet<string>(reported, StringComparer.OrdinalIgnoreCase);
        int logged = 0;
        for (int i = 0; i < after.Profiles.Count && logged < MaxAnswerChangesLogged; i++)
        {
            var profile = after.Profiles[i];
            if (!profile.HasNested || done.Contains(profile.Name) || ReferenceEquals(before.FindProfile(profile.Name), profile) ||
                ProfileLookup.Find(options, profile.Name) is not { } profileOptions)
            {
                continue;
            }

            ReportAnswerChanges(before, after, options, profileOptions, $"a nested profile changed: {cause}");
            logged++;
        }
    }
}
