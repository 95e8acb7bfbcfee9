namespace Router.TrafficManager.Configuration;

/// <summary>
/// The defaults of the <c>TrafficManager</c> section, in one place: the options classes start from them, and code that
/// must cope with an unset or unusable value (the probe scheduler's interval and timeout) falls back to them.
/// Most follow Azure Traffic Manager.
/// </summary>
internal static class TrafficManagerDefaults
{
    /// <summary><see cref="TrafficManagerOptions.ZoneTtl"/>: seconds.</summary>
    public const int ZoneTtl = 300;

    /// <summary><see cref="ProfileOptions.Ttl"/>: seconds, as Traffic Manager's CLI.</summary>
    public const int ProfileTtl = 30;

    /// <summary><see cref="ProfileOptions.MaxReturn"/>: MultiValue's endpoints per answer.</summary>
    public const int MaxReturn = 8;

    /// <summary><see cref="MonitorOptions.Mode"/>.</summary>
    public const MonitorMode Mode = MonitorMode.Probe;

    /// <summary><see cref="MonitorOptions.MaxBatchBytes"/>: 128 MiB.</summary>
    public const long MaxBatchBytes = 128L * 1024 * 1024;

    /// <summary>The least <see cref="MonitorOptions.MaxBatchBytes"/> accepted.</summary>
    public const long MinBatchBytes = 1024;

    /// <summary>The batch document's path when <see cref="MonitorOptions.Path"/> is left at <see cref="Path"/>.</summary>
    public const string BatchPath = "/health/registries";

    /// <summary><see cref="MonitorOptions.Protocol"/>.</summary>
    public const MonitorProtocol Protocol = MonitorProtocol.Http;

    /// <summary><see cref="MonitorOptions.Port"/>.</summary>
    public const int Port = 80;

    /// <summary><see cref="MonitorOptions.Path"/>.</summary>
    public const string Path = "/";

    /// <summary><see cref="MonitorOptions.IntervalSeconds"/>.</summary>
    public const double IntervalSeconds = 30;

    /// <summary><see cref="MonitorOptions.TimeoutSeconds"/>.</summary>
    public const double TimeoutSeconds = 10;

    /// <summary><see cref="MonitorOptions.ToleratedFailures"/>: degraded after this + 1 failures.</summary>
    public const int ToleratedFailures = 3;

    /// <summary><see cref="MonitorOptions.SuccessesToOnline"/>: Traffic Manager's 1.</summary>
    public const int SuccessesToOnline = 1;

    /// <summary><see cref="FailbackOptions.Mode"/>: Traffic Manager's behaviour.</summary>
    public const FailbackMode FailbackMode = Configuration.FailbackMode.Automatic;

    /// <summary><see cref="FailbackOptions.HoldDownSeconds"/>: five minutes.</summary>
    public const double HoldDownSeconds = 300;

    /// <summary>The longest <see cref="FailbackOptions.HoldDownSeconds"/> accepted: a week.</summary>
    public const double MaxHoldDownSeconds = 7 * 24 * 3600;

    /// <summary><see cref="EndpointOptions.Weight"/>.</summary>
    public const int Weight = 1;

    /// <summary><c>Endpoints:N:MinChildEndpoints</c> (and its per-family forms) of a Nested endpoint.</summary>
    public const int MinChildEndpoints = 1;

    /// <summary>The most Nested links from a profile down to a profile without Nested endpoints.</summary>
    public const int MaxNestingDepth = 10;

    /// <summary><see cref="MonitorOptions.IntervalSeconds"/> as a span.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(IntervalSeconds);

    /// <summary><see cref="MonitorOptions.TimeoutSeconds"/> as a span.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(TimeoutSeconds);
}
