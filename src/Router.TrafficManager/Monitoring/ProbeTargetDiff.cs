using System.Globalization;
using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Monitoring;

/// <summary>
/// The target diff of a reload: how an endpoint's new <see cref="ProbeTarget"/> differs from the one it is probed with,
/// which decides what <see cref="ProbeScheduler.Apply"/> keeps of its state. Pure.
/// </summary>
internal static class ProbeTargetDiff
{
    /// <summary>The most important way <paramref name="after"/> differs from <paramref name="before"/> (same endpoint).</summary>
    public static ProbeTargetChange Compare(ProbeTarget before, ProbeTarget after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (!SameProbe(before, after))
        {
            return ProbeTargetChange.NewProbe;
        }

        if (before.Enabled != after.Enabled)
        {
            return ProbeTargetChange.EnabledChanged;
        }

        if (!SameThresholds(before.Monitor, after.Monitor))
        {
            return ProbeTargetChange.NewThresholds;
        }

        return before.Monitor.IntervalSeconds.Equals(after.Monitor.IntervalSeconds) && before.Monitor.TimeoutSeconds.Equals(after.Monitor.TimeoutSeconds)
            ? ProbeTargetChange.Unchanged
            : ProbeTargetChange.NewTiming;
    }

    /// <summary>
    /// Whether two targets are probed the same way: same target (ignoring case), protocol, port, path, headers (names
    /// ignoring case), expected status codes, fallback and mode (in <c>Batch</c> mode also the registry and the size cap). Timing and thresholds (interval, timeout, tolerated failures,
    /// successes to online) do not count: they change when and how results are judged, not what a result says.
    /// </summary>
    public static bool SameProbe(ProbeTarget a, ProbeTarget b) =>
        string.Equals(a.Target, b.Target, StringComparison.OrdinalIgnoreCase) && SameProbedThing(a.Monitor, b.Monitor);

    /// <summary>The cause logged when new thresholds change an endpoint's status.</summary>
    public static string ThresholdsChanged(MonitorOptions monitor) => string.Create(CultureInfo.InvariantCulture,
        $"thresholds changed (ToleratedFailures {monitor.ToleratedFailures}, SuccessesToOnline {monitor.SuccessesToOnline})");

    private static bool SameThresholds(MonitorOptions a, MonitorOptions b) =>
        a.ToleratedFailures == b.ToleratedFailures && a.SuccessesToOnline == b.SuccessesToOnline;

    private static bool SameProbedThing(MonitorOptions a, MonitorOptions b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        return a.Protocol == b.Protocol && a.Port == b.Port && string.Equals(a.Path, b.Path, StringComparison.Ordinal)
            && a.ExpectedStatusCodes.SequenceEqual(b.ExpectedStatusCodes, StringComparer.Ordinal)
            && SameHeaders(a.Headers, b.Headers)
            && SameFallback(a.Fallback, b.Fallback)
            && a.Mode == b.Mode
            && (a.Mode != MonitorMode.Batch
                || (string.Equals(a.Registry, b.Registry, StringComparison.OrdinalIgnoreCase) && a.MaxBatchBytes == b.MaxBatchBytes));
    }

    /// <summary>Whether two fallback probes are the same (both absent, or the same protocol, port, path, codes and headers).</summary>
    public static bool SameFallback(FallbackMonitorOptions? a, FallbackMonitorOptions? b) => (a, b) switch
    {
        (null, null) => true,
        ({ } x, { } y) => x.Protocol == y.Protocol && x.Port == y.Port && string.Equals(x.Path, y.Path, StringComparison.Ordinal)
            && x.ExpectedStatusCodes.SequenceEqual(y.ExpectedStatusCodes, StringComparer.Ordinal) && SameHeaders(x.Headers, y.Headers),
        _ => false,
    };

    /// <summary>Whether two header sets are equal: names ignoring case, values exactly.</summary>
    public static bool SameHeaders(Dictionary<string, string> a, Dictionary<string, string> b)
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
}
