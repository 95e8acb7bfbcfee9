using System.Globalization;
using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Monitoring.Batch;

/// <summary>
/// Where a batch document is fetched: <c>Protocol://Target:Port</c> and the document's path. One poller serves every
/// endpoint with the same origin. The host compares ignoring case, the path exactly.
/// </summary>
/// <param name="Protocol">Http or Https.</param>
/// <param name="Host">The endpoint's target, lower-cased.</param>
/// <param name="Port">The monitor's port.</param>
/// <param name="Path">The document's path (<see cref="EffectivePath"/>).</param>
internal readonly record struct BatchOrigin(MonitorProtocol Protocol, string Host, int Port, string Path)
{
    /// <summary>The origin of an endpoint whose target is <paramref name="target"/>, monitored by <paramref name="monitor"/>.</summary>
    public static BatchOrigin Of(string target, MonitorOptions monitor)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(monitor);
        return new BatchOrigin(monitor.Protocol, target.ToLowerInvariant(), monitor.Port, EffectivePath(monitor));
    }

    /// <summary>The origin of a batch endpoint.</summary>
    public static BatchOrigin Of(ProbeTarget target) => Of(target.Target, target.Monitor);

    /// <summary>The batch document's path: <c>Path</c>, or <c>/health/registries</c> when it is left at the default <c>/</c>.</summary>
    public static string EffectivePath(MonitorOptions monitor) =>
        string.IsNullOrEmpty(monitor.Path) || monitor.Path == TrafficManagerDefaults.Path ? TrafficManagerDefaults.BatchPath : monitor.Path;

    /// <summary>The registry a batch endpoint's status is read from: <c>Monitor:Registry</c>, else the profile's name.</summary>
    public static string RegistryOf(ProbeTarget target) => target.Monitor.Registry ?? target.Profile;

    /// <summary>
    /// <paramref name="targets"/> with the batch endpoints of each origin next to each other (per-profile endpoints first,
    /// then one origin after another; the order within each kept). <see cref="ProbeScheduler.Apply"/> gives endpoint
    /// state slots in the order of its targets, so a document's round then copies the slots of its own origin only (a
    /// third of them with three regions), not every chunk of <see cref="EndpointStates"/>.
    /// </summary>
    public static List<ProbeTarget> GroupByOrigin(IReadOnlyList<ProbeTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var grouped = new List<ProbeTarget>(targets.Count);
        var byOrigin = new Dictionary<BatchOrigin, List<ProbeTarget>>();
        foreach (var target in targets)
        {
            if (target.Monitor.Mode != MonitorMode.Batch)
            {
                grouped.Add(target);
                continue;
            }

            var origin = Of(target);
            if (!byOrigin.TryGetValue(origin, out var members))
            {
                byOrigin.Add(origin, members = []);
            }

            members.Add(target);
        }

        foreach (var members in byOrigin.Values)
        {
            grouped.AddRange(members);
        }

        return grouped;
    }

    /// <summary><c>http://10.0.0.1:8080/health/registries</c>.</summary>
    public override string ToString()
    {
        HttpProbeAttempt.TryBuildUri(Protocol, Host, Port, Path, out var uri);
        return uri?.ToString() ?? string.Create(CultureInfo.InvariantCulture, $"{Protocol}://{Host}:{Port}{Path}");
    }
}
