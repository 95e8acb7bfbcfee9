using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Router.Cli.Configuration;
using Router.TrafficManager.Configuration;

namespace Router.Cli.Hosting;

/// <summary>
/// OpenTelemetry, in Router.Cli only (the libraries use <see cref="Meter"/> and <c>ActivitySource</c> alone), through
/// <c>AddOpenTelemetry()</c>: the <c>Router.*</c> meters and the runtime's metrics, for OTLP and for the admin API's
/// <c>/metrics</c> (the Prometheus exporter); the <c>Router.*</c> activity sources and the logs, for OTLP.
/// </summary>
/// <remarks>
/// Nothing listens unless something exports: without OTLP no tracer provider exists (starting an activity returns
/// null), and without OTLP or an admin API no meter provider exists (instruments stay disabled).
/// </remarks>
internal static class Telemetry
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ServiceNameVariable = "OTEL_SERVICE_NAME";
    public const string DefaultServiceName = "router";

    /// <summary>Histogram boundaries for durations in seconds, from half a millisecond to ten seconds.</summary>
    public static readonly double[] SecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>The instruments with one series per endpoint (and per status or outcome): their limit grows with the configuration.</summary>
    private static readonly string[] PerEndpointMeters = ["Router.TrafficManager"];

    /// <summary>Tag combinations an endpoint can have on one instrument: 4 statuses, or 3 outcomes × fallback yes/no, with room to spare.</summary>
    private const int SeriesPerEndpoint = 8;

    /// <summary>Whether OTLP export is on: <c>Telemetry:Otlp:Enabled</c>, else whether an endpoint is configured or in <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public static bool IsOtlpEnabled(TelemetryOptions? options, Func<string, string?> environment) =>
        options?.Otlp.Enabled ?? (!string.IsNullOrWhiteSpace(options?.Otlp.Endpoint) || !string.IsNullOrWhiteSpace(environment(EndpointVariable)));

    /// <summary>
    /// The cardinality limit of an instrument of <paramref name="meter"/>: <c>Telemetry:Metrics:CardinalityLimit</c> (2000),
    /// and for the traffic manager's per-endpoint instruments at least <see cref="SeriesPerEndpoint"/> per configured endpoint.
    /// </summary>
    public static int CardinalityLimit(string meter, TelemetryOptions? options, TrafficManagerOptions? trafficManager)
    {
        int limit = options?.Metrics.CardinalityLimit ?? TelemetryMetricsOptions.DefaultCardinalityLimit;
        if (trafficManager is not null && PerEndpointMeters.Contains(meter, StringComparer.Ordinal))
        {
            long endpoints = trafficManager.Profiles.Sum(p => (long)p.Endpoints.Count);
            limit = (int)Math.Clamp(endpoints * SeriesPerEndpoint, limit, TelemetryOptionsValidator.MaxCardinalityLimit);
        }

        return limit;
    }

    /// <summary>
    /// Adds OpenTelemetry to <paramref name="services"/>: metrics when <paramref name="prometheus"/> (an admin API serves
    /// <c>/metrics</c>) or OTLP is on; spans and logs when OTLP is on.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="options">The <c>Telemetry</c> section, or null when the file has none.</param>
    /// <param name="trafficManager">The traffic manager's configuration (sizes the per-endpoint instruments); null when none runs.</param>
    /// <param name="prometheus">Whether to add the Prometheus exporter for <see cref="MapPrometheusScrapingEndpoint"/>.</param>
    /// <param name="environment">Reads environment variables; the OTLP exporter reads the other <c>OTEL_*</c> variables itself.</param>
    /// <param name="configure">For tests: further exporters (in-memory) on the same builder, after Router's.</param>
    /// <returns>Whether OTLP export is on.</returns>
    public static bool AddRouterTelemetry(IServiceCollection services, TelemetryOptions? options, TrafficManagerOptions? trafficManager, bool prometheus,
        Func<string, string?> environment, Action<IOpenTelemetryBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(environment);
        options ??= new TelemetryOptions();
        bool otlp = IsOtlpEnabled(options, environment);
        var builder = services.AddOpenTelemetry();
        string? serviceName = options.ServiceName ?? (string.IsNullOrWhiteSpace(environment(ServiceNameVariable)) ? DefaultServiceName : null);
        builder.ConfigureResource(resource =>
        {
            // Without a configured name, OTEL_SERVICE_NAME (read by the default resource) stands.
            if (serviceName is not null)
            {
                resource.AddService(serviceName.Trim(), serviceVersion: typeof(Telemetry).Assembly.GetName().Version?.ToString());
            }
        });

        if (prometheus || otlp)
        {
            builder.WithMetrics(metrics =>
            {
                metrics.AddMeter(CliTelemetryNames.RouterMeters);
                if (options.Metrics.Runtime)
                {
                    metrics.AddRuntimeInstrumentation();
                }

                metrics.AddView(instrument => View(instrument, options, trafficManager));
                if (prometheus)
                {
                    metrics.AddPrometheusExporter(o =>
                    {
                        // Every scrape reads the instruments afresh (no 300 ms response cache), and series carry only their
                        // own tags: the meter is not repeated on each of them as otel_scope_* labels.
                        o.ScrapeResponseCacheDurationMilliseconds = 0;
                        o.ScopeInfoEnabled = false;
                    });
                }

                if (otlp)
                {
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        ConfigureOtlp(exporter, options.Otlp, "v1/metrics");
                        if (options.Metrics.ExportIntervalSeconds is double interval)
                        {
                            reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = Milliseconds(interval);
                        }
                    });
                }
            });
        }

        if (otlp && options.Tracing.Enabled)
        {
            builder.WithTracing(tracing => tracing
                .AddSource(CliTelemetryNames.RouterSources)
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.Tracing.SampleRatio)))
                .AddOtlpExporter(exporter => ConfigureOtlp(exporter, options.Otlp, "v1/traces")));
        }

        if (otlp && options.Logs.Enabled)
        {
            builder.WithLogging(logging => logging.AddOtlpExporter(exporter => ConfigureOtlp(exporter, options.Otlp, "v1/logs")));
        }

        configure?.Invoke(builder);
        return otlp;
    }

    /// <summary>
    /// Maps the Prometheus scraping endpoint of <paramref name="meterProvider"/> (built with <c>prometheus: true</c>) at
    /// <paramref name="path"/> for <c>GET</c> and <c>HEAD</c>; the admin API's own guard (token, Host, Origin) runs first.
    /// </summary>
    public static IEndpointConventionBuilder MapPrometheusScrapingEndpoint(IEndpointRouteBuilder endpoints, MeterProvider meterProvider, string path) =>
        endpoints.MapPrometheusScrapingEndpoint(path, meterProvider, configureBranchedPipeline: null!, optionsName: null!)
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));

    /// <summary>
    /// The stream of one instrument: seconds histograms of Router's meters get buckets from 0.5 ms to 10 s (the SDK's
    /// default, 0 to 10,000, is for milliseconds), and every instrument its cardinality limit. One function, since every
    /// matching view would make a stream of its own.
    /// </summary>
    private static MetricStreamConfiguration? View(Instrument instrument, TelemetryOptions options, TrafficManagerOptions? trafficManager)
    {
        if (!instrument.Meter.Name.StartsWith("Router.", StringComparison.Ordinal))
        {
            return null;
        }

        int limit = CardinalityLimit(instrument.Meter.Name, options, trafficManager);
        return instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(Histogram<>) && instrument.Unit == "s"
            ? new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets, CardinalityLimit = limit }
            : new MetricStreamConfiguration { CardinalityLimit = limit };
    }

    /// <summary>
    /// Applies the configured OTLP keys over what the exporter read from the <c>OTEL_EXPORTER_OTLP_*</c> variables. A
    /// configured endpoint for HTTP/protobuf gets the signal's path, as the variable does.
    /// </summary>
    internal static void ConfigureOtlp(OtlpExporterOptions exporter, OtlpOptions otlp, string signalPath)
    {
        if (otlp.Protocol is { } protocol)
        {
            exporter.Protocol = protocol == OtlpProtocol.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        }

        if (!string.IsNullOrWhiteSpace(otlp.Endpoint))
        {
            var endpoint = new Uri(otlp.Endpoint.Trim());
            exporter.Endpoint = exporter.Protocol == OtlpExportProtocol.HttpProtobuf ? SignalEndpoint(endpoint, signalPath) : endpoint;
        }

        if (otlp.Headers.Count > 0)
        {
            exporter.Headers = string.Join(',', otlp.Headers.Select(header => $"{header.Key}={header.Value}"));
        }

        if (otlp.TimeoutSeconds is double timeout)
        {
            exporter.TimeoutMilliseconds = Milliseconds(timeout);
        }
    }

    /// <summary><c>http://collector:4318</c> → <c>http://collector:4318/v1/traces</c>; a base path is kept (<c>/otlp/v1/traces</c>).</summary>
    internal static Uri SignalEndpoint(Uri endpoint, string signalPath)
    {
        string path = endpoint.AbsolutePath.TrimEnd('/');
        return new UriBuilder(endpoint) { Path = $"{path}/{signalPath}" }.Uri;
    }

    private static int Milliseconds(double seconds) => (int)Math.Clamp(Math.Round(seconds * 1000), 1, int.MaxValue);
}
