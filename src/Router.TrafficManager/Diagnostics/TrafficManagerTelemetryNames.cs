namespace Router.TrafficManager.Diagnostics;

/// <summary>
/// The span and attribute names of Router.TrafficManager. Its instrument names stay next to their instruments
/// (<see cref="TrafficManagerMetrics"/>, <see cref="RoutingMetrics"/>).
/// </summary>
internal static class TrafficManagerTelemetryNames
{
    /// <summary>The activity source name: the assembly name.</summary>
    public const string ActivitySourceName = "Router.TrafficManager";

    /// <summary>One probe of one endpoint, fallback included (never a span per DNS answer).</summary>
    public const string ProbeActivity = "router.tm.probe";

    public const string ProfileAttribute = "router.profile";
    public const string EndpointAttribute = "router.endpoint";
    public const string ProtocolAttribute = "router.probe.protocol";
    public const string OutcomeAttribute = "router.probe.outcome";
    public const string FallbackAttribute = "router.probe.fallback";

    /// <summary>The probe's target (OpenTelemetry semantic convention).</summary>
    public const string ServerAddressAttribute = "server.address";

    /// <summary>The monitor's port (OpenTelemetry semantic convention).</summary>
    public const string ServerPortAttribute = "server.port";

    /// <summary>The HTTP status code, when a response arrived (OpenTelemetry semantic convention).</summary>
    public const string StatusCodeAttribute = "http.response.status_code";
}
