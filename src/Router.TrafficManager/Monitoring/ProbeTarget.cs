using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Monitoring;

/// <summary>One endpoint as the probe scheduler sees it.</summary>
/// <param name="Profile">The profile name (compared ignoring case).</param>
/// <param name="Endpoint">The endpoint name, unique within the profile (compared ignoring case).</param>
/// <param name="Target">Where probes go: an IPv4/IPv6 address or a DNS name.</param>
/// <param name="Enabled">The effective enabled flag (configuration or admin override); disabled endpoints are not probed.</param>
/// <param name="Monitor">The profile's monitor settings; treat the instance as immutable once given.</param>
internal sealed record ProbeTarget(string Profile, string Endpoint, string Target, bool Enabled, MonitorOptions Monitor)
{
    private static readonly TimeSpan MaxSpan = TimeSpan.FromDays(1);

    /// <summary><c>IntervalSeconds</c> as a span, at most a day; the default when not a positive number.</summary>
    public TimeSpan Interval => Span(Monitor.IntervalSeconds, TrafficManagerDefaults.Interval);

    /// <summary><c>TimeoutSeconds</c> as a span, at most a day; the default when not a positive number.</summary>
    public TimeSpan Timeout => Span(Monitor.TimeoutSeconds, TrafficManagerDefaults.Timeout);

    private static TimeSpan Span(double seconds, TimeSpan fallback) =>
        double.IsFinite(seconds) && seconds > 0 ? TimeSpan.FromSeconds(Math.Min(seconds, MaxSpan.TotalSeconds)) : fallback;
}
