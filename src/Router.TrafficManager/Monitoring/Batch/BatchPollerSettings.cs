using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Monitoring.Batch;

/// <summary>
/// The settings of one origin's poller, taken from the monitor of a profile that uses it: every profile on the origin
/// must agree on them (validation), so any of them gives the same. Immutable.
/// </summary>
internal sealed class BatchPollerSettings
{
    private BatchPollerSettings(MonitorOptions monitor)
    {
        Monitor = monitor;
        var probe = new ProbeTarget("-", "-", "-", true, monitor);
        Interval = probe.Interval;
        Timeout = probe.Timeout;
        MaxBytes = Math.Max(monitor.MaxBatchBytes, TrafficManagerDefaults.MinBatchBytes);
        Headers = [.. monitor.Headers];
        FallbackMonitor = monitor.Fallback is { } f ? FallbackOnly(monitor, f) : null;
    }

    /// <summary>The monitor the settings came from.</summary>
    public MonitorOptions Monitor { get; }

    /// <summary>One round: every endpoint of the origin gets one counted result per interval.</summary>
    public TimeSpan Interval { get; }

    /// <summary>A full GET's deadline; a long poll gets its wait on top.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The largest document accepted.</summary>
    public long MaxBytes { get; }

    public KeyValuePair<string, string>[] Headers { get; }

    /// <summary>
    /// The fallback probe as a monitor of its own (no fallback, the fallback's protocol, port, path, codes and headers),
    /// for <see cref="IEndpointProber"/>; null without <c>Monitor:Fallback</c>.
    /// </summary>
    public MonitorOptions? FallbackMonitor { get; }

    public static BatchPollerSettings From(MonitorOptions monitor) => new(monitor ?? throw new ArgumentNullException(nameof(monitor)));

    /// <summary>
    /// The first poller setting (<c>Path</c>, <c>IntervalSeconds</c>, <c>TimeoutSeconds</c>, <c>MaxBatchBytes</c>,
    /// <c>Headers</c>, <c>Fallback</c>) in which two monitors differ; null when they agree. The one rule for both
    /// validation and the poller's reload.
    /// </summary>
    public static string? Difference(MonitorOptions a, MonitorOptions b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!string.Equals(BatchOrigin.EffectivePath(a), BatchOrigin.EffectivePath(b), StringComparison.Ordinal))
        {
            return nameof(MonitorOptions.Path);
        }

        if (!a.IntervalSeconds.Equals(b.IntervalSeconds))
        {
            return nameof(MonitorOptions.IntervalSeconds);
        }

        if (!a.TimeoutSeconds.Equals(b.TimeoutSeconds))
        {
            return nameof(MonitorOptions.TimeoutSeconds);
        }

        if (a.MaxBatchBytes != b.MaxBatchBytes)
        {
            return nameof(MonitorOptions.MaxBatchBytes);
        }

        if (!ProbeTargetDiff.SameHeaders(a.Headers, b.Headers))
        {
            return nameof(MonitorOptions.Headers);
        }

        return ProbeTargetDiff.SameFallback(a.Fallback, b.Fallback) ? null : nameof(MonitorOptions.Fallback);
    }

    private static MonitorOptions FallbackOnly(MonitorOptions monitor, FallbackMonitorOptions fallback) => new()
    {
        Protocol = fallback.Protocol ?? monitor.Protocol,
        Port = fallback.Port ?? monitor.Port,
        Path = fallback.Path ?? BatchOrigin.EffectivePath(monitor),
        IntervalSeconds = monitor.IntervalSeconds,
        TimeoutSeconds = monitor.TimeoutSeconds,
        ExpectedStatusCodes = fallback.ExpectedStatusCodes.Count > 0 ? fallback.ExpectedStatusCodes : monitor.ExpectedStatusCodes,
        Headers = fallback.Headers.Count > 0 ? fallback.Headers : monitor.Headers,
    };
}
