namespace Router.Cli.Configuration;

/// <summary>The OTLP transport: gRPC (port 4317 by convention) or HTTP with protobuf bodies (port 4318).</summary>
internal enum OtlpProtocol
{
    /// <summary>OTLP over gRPC.</summary>
    Grpc,

    /// <summary>OTLP over HTTP/1.1 with protobuf bodies, to <c>{Endpoint}/v1/traces</c>, <c>/v1/metrics</c>, <c>/v1/logs</c>.</summary>
    HttpProtobuf,
}

/// <summary>
/// The <c>Telemetry</c> section: OpenTelemetry export of Router's metrics, traces and logs. Every key is optional; an
/// absent key leaves the standard <c>OTEL_*</c> environment variable (or the SDK's default) in charge.
/// </summary>
/// <remarks>
/// <c>GET /metrics</c> on the admin API is not configured here: it serves the same instruments whenever the
/// <c>Admin</c> section is present. The section is read at start; an edit needs a restart.
/// </remarks>
internal sealed class TelemetryOptions
{
    /// <summary>
    /// The <c>service.name</c> resource attribute. <value>The default value is <c>OTEL_SERVICE_NAME</c> when set, else
    /// <c>router</c>.</value>
    /// </summary>
    public string? ServiceName { get; set; }

    /// <summary>Export over OTLP.</summary>
    public OtlpOptions Otlp { get; set; } = new();

    /// <summary>Which metrics, and how often OTLP exports them.</summary>
    public TelemetryMetricsOptions Metrics { get; set; } = new();

    /// <summary>Spans.</summary>
    public TelemetryTracingOptions Tracing { get; set; } = new();

    /// <summary>Logs over OTLP.</summary>
    public TelemetryLogsOptions Logs { get; set; } = new();
}

/// <summary>The <c>Telemetry:Otlp</c> keys.</summary>
internal sealed class OtlpOptions
{
    /// <summary>
    /// Whether metrics, spans and logs are exported over OTLP. <value>The default value is: on when
    /// <see cref="Endpoint"/> or the variable <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, off otherwise.</value>
    /// <c>false</c> turns export off even when the variable is set; <c>true</c> without an endpoint exports to the
    /// SDK's default (<c>http://localhost:4317</c>, or <c>:4318</c> for <see cref="OtlpProtocol.HttpProtobuf"/>).
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>
    /// The collector's base URL (<c>http://collector:4317</c>). For <see cref="OtlpProtocol.HttpProtobuf"/> the signal
    /// path (<c>/v1/traces</c> …) is appended, as for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.
    /// <value>The default value is <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, else the SDK's default.</value>
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>The transport. <value>The default value is <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, else <c>Grpc</c>.</value></summary>
    public OtlpProtocol? Protocol { get; set; }

    /// <summary>
    /// Headers sent with every export (an API key, a tenant). <value>The default value is
    /// <c>OTEL_EXPORTER_OTLP_HEADERS</c>.</value>
    /// </summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long one export may take, in seconds. <value>The default value is <c>OTEL_EXPORTER_OTLP_TIMEOUT</c>, else 10.</value></summary>
    public double? TimeoutSeconds { get; set; }
}

/// <summary>The <c>Telemetry:Metrics</c> keys.</summary>
internal sealed class TelemetryMetricsOptions
{
    /// <summary>The default of <see cref="CardinalityLimit"/>: OpenTelemetry's own.</summary>
    public const int DefaultCardinalityLimit = 2000;

    /// <summary>
    /// How often metrics are pushed over OTLP, in seconds. <value>The default value is
    /// <c>OTEL_METRIC_EXPORT_INTERVAL</c>, else 60.</value>
    /// </summary>
    public double? ExportIntervalSeconds { get; set; }

    /// <summary>
    /// Whether the .NET runtime's metrics (GC, thread pool, JIT, exceptions: meter <c>System.Runtime</c>) are exported
    /// next to Router's. <value>The default value is <see langword="true"/>.</value>
    /// </summary>
    public bool Runtime { get; set; } = true;

    /// <summary>
    /// The most tag combinations kept per instrument; further combinations are counted in one series tagged
    /// <c>otel.metric.overflow=true</c>. <value>The default value is 2000; the traffic manager's per-endpoint instruments
    /// get at least 8 per configured endpoint.</value>
    /// </summary>
    public int? CardinalityLimit { get; set; }
}

/// <summary>The <c>Telemetry:Tracing</c> keys.</summary>
internal sealed class TelemetryTracingOptions
{
    /// <summary>Whether spans are recorded and exported (only when OTLP export is on). <value>The default value is <see langword="true"/>.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The share of traces recorded, 0 to 1 (a span whose parent was sampled is always recorded).
    /// <value>The default value is 1.</value>
    /// </summary>
    public double SampleRatio { get; set; } = 1.0;
}

/// <summary>The <c>Telemetry:Logs</c> keys.</summary>
internal sealed class TelemetryLogsOptions
{
    /// <summary>Whether log events are exported too (only when OTLP export is on). <value>The default value is <see langword="true"/>.</value></summary>
    public bool Enabled { get; set; } = true;
}
