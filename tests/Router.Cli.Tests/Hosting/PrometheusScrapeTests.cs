using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry.Metrics;
using Router.Cli.Configuration;
using Router.Cli.Hosting;
using Router.TrafficManager.Admin;
using Router.TrafficManager.Configuration;

namespace Router.Cli.Tests.Hosting;

/// <summary>
/// <c>GET /metrics</c> as <c>router serve</c> serves it: OpenTelemetry's Prometheus exporter on the process's meter
/// provider (<see cref="Telemetry.AddRouterTelemetry"/>), mapped on a real admin listener on 127.0.0.1:0 behind its guard.
/// Every exposition read is checked with <see cref="PrometheusTextChecker"/>.
/// </summary>
public sealed class PrometheusScrapeTests : IAsyncDisposable
{
    private const string Token = "scrape-test-token-0123456789";

    // Each test has a meter of its own; the provider hears every Router.* meter, so names are unique per test.
    private readonly Meter _meter = new($"Router.Tests.Scrape.{Guid.NewGuid():N}");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ServiceProvider? _services;
    private AdminHttpServer? _server;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        _http.Dispose();
        _meter.Dispose();
    }

    [Fact]
    public async Task Scrape_RouterInstrumentShapes_OpenTelemetryNamesInValidExposition()
    {
        // Arrange: the shapes Router's meters use: tagged counters with annotation units, seconds histograms,
        // up-down counters, observable gauges (state sets) and counters.
        await StartAsync();
        var queries = _meter.CreateCounter<long>("router.test.queries", "{query}", "Queries answered, by transport and response code.");
        queries.Add(3, new("transport", "udp"), new("rcode", "NoError"));
        queries.Add(2, new("rcode", "NoError"), new("transport", "udp"));
        queries.Add(1, new("transport", "tcp"), new("rcode", "NXDomain"));
        var duration = _meter.CreateHistogram<double>("router.test.forward.duration", "s", "Time to get an answer.");
        duration.Record(0.001);
        duration.Record(0.003);
        duration.Record(0.2);
        duration.Record(20);
        var connections = _meter.CreateUpDownCounter<long>("router.test.tcp.connections", "{connection}", "Open TCP connections.");
        connections.Add(5);
        connections.Add(-2);
        _meter.CreateObservableGauge("router.test.endpoint.status", () => new[] { "Online", "Degraded" }.Select(status =>
            new Measurement<int>(status == "Online" ? 1 : 0, new("endpoint", "eastus"), new("status", status))), "{status}", "1 for the current status.");
        _meter.CreateObservableCounter("router.test.observed", () => 7L, "{probe}", "Probes so far.");

        // Act
        using var response = await _http.GetAsync(Url());
        string text = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Content.Headers.ContentType!.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        PrometheusTextChecker.AssertValid(OwnFamilies(text));
        PrometheusTextChecker.AssertPromtoolAcceptsWhenInstalled(OwnFamilies(text));
        Assert.Contains("# TYPE router_test_queries_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# HELP router_test_queries_total Queries answered, by transport and response code.\n", text, StringComparison.Ordinal);
        Assert.Contains("router_test_queries_total{rcode=\"NoError\",transport=\"udp\"} 5", text, StringComparison.Ordinal);
        Assert.Contains("router_test_queries_total{rcode=\"NXDomain\",transport=\"tcp\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE router_test_forward_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Equal(
            [
                "router_test_forward_duration_seconds_bucket{le=\"0.0005\"} 0",
                "router_test_forward_duration_seconds_bucket{le=\"0.001\"} 1",
                "router_test_forward_duration_seconds_bucket{le=\"0.0025\"} 1",
                "router_test_forward_duration_seconds_bucket{le=\"0.005\"} 2",
                "router_test_forward_duration_seconds_bucket{le=\"0.01\"} 2",
                "router_test_forward_duration_seconds_bucket{le=\"0.025\"} 2",
                "router_test_forward_duration_seconds_bucket{le=\"0.05\"} 2",
                "router_test_forward_duration_seconds_bucket{le=\"0.1\"} 2",
                "router_test_forward_duration_seconds_bucket{le=\"0.25\"} 3",
                "router_test_forward_duration_seconds_bucket{le=\"0.5\"} 3",
                "router_test_forward_duration_seconds_bucket{le=\"1\"} 3",
                "router_test_forward_duration_seconds_bucket{le=\"2.5\"} 3",
                "router_test_forward_duration_seconds_bucket{le=\"5\"} 3",
                "router_test_forward_duration_seconds_bucket{le=\"10\"} 3",
                "router_test_forward_duration_seconds_bucket{le=\"+Inf\"} 4",
                "router_test_forward_duration_seconds_sum{} 20.204",
                "router_test_forward_duration_seconds_count{} 4",
            ],
            Samples(text, "router_test_forward_duration_seconds").Select(WithoutTimestamp));
        Assert.Contains("# TYPE router_test_tcp_connections gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("router_test_tcp_connections{} 3", text, StringComparison.Ordinal);
        Assert.Contains("router_test_endpoint_status{endpoint=\"eastus\",status=\"Online\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("router_test_endpoint_status{endpoint=\"eastus\",status=\"Degraded\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("router_test_observed_total{} 7", text, StringComparison.Ordinal);
        Assert.Contains("target_info{", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_ObservableSeriesNoLongerReported_Dropped()
    {
        // Arrange: an endpoint removed by a reload is no longer reported by the status gauge's callback.
        await StartAsync();
        var endpoints = new List<string> { "eastus", "westeurope" };
        _meter.CreateObservableGauge("router.test.endpoint.state", () => endpoints.Select(e => new Measurement<int>(1, new KeyValuePair<string, object?>("endpoint", e))));
        string first = await _http.GetStringAsync(Url());

        // Act
        endpoints.Remove("westeurope");
        string second = await _http.GetStringAsync(Url());

        // Assert
        Assert.Contains("router_test_endpoint_state{endpoint=\"westeurope\"} 1", first, StringComparison.Ordinal);
        Assert.Contains("router_test_endpoint_state{endpoint=\"eastus\"} 1", second, StringComparison.Ordinal);
        Assert.True(!second.Contains("westeurope", StringComparison.Ordinal), second);
    }

    [Fact]
    public async Task Scrape_LabelValuesAndHelp_AreEscaped()
    {
        // Arrange
        await StartAsync();
        _meter.CreateCounter<int>("router.test.escapes", null, "Line one\nback\\slash")
            .Add(1, new KeyValuePair<string, object?>("path", "C:\\dir \"quoted\"\nnext"), new KeyValuePair<string, object?>("bad.label-name", true));

        // Act
        string text = await _http.GetStringAsync(Url());

        // Assert
        PrometheusTextChecker.AssertValid(OwnFamilies(text));
        Assert.Contains("# HELP router_test_escapes_total Line one\\nback\\\\slash\n", text, StringComparison.Ordinal);
        Assert.Contains("router_test_escapes_total{bad_label_name=\"true\",path=\"C:\\\\dir \\\"quoted\\\"\\nnext\"} 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_OpenMetricsAccepted_OpenMetricsEndingInEof()
    {
        // Arrange: what a Prometheus server asks for first.
        await StartAsync();
        _meter.CreateCounter<long>("router.test.om", "{probe}", "Probes.").Add(2);
        using var request = new HttpRequestMessage(HttpMethod.Get, Url());
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/openmetrics-text"));

        // Act
        using var response = await _http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();

        // Assert
        Assert.Equal("application/openmetrics-text", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE router_test_om counter\n", text, StringComparison.Ordinal);
        Assert.Contains("\nrouter_test_om_total{} 2\n", text, StringComparison.Ordinal);
        Assert.EndsWith("# EOF\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_TokenConfigured_TheAdminGuardApplies()
    {
        // Arrange
        await StartAsync(new AdminOptions { Listen = "http://127.0.0.1:0", BearerToken = Token });

        // Act
        using var without = await _http.GetAsync(Url());
        using var request = new HttpRequestMessage(HttpMethod.Get, Url()) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token) } };
        using var with = await _http.SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal("Bearer", Assert.Single(without.Headers.WwwAuthenticate).Scheme);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        PrometheusTextChecker.AssertValid(OwnFamilies(await with.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Scrape_ForeignHostWithoutToken_Misdirected()
    {
        // Arrange: a DNS-rebinding page's request carries its own name as Host.
        await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, Url()) { Headers = { Host = "attacker.example" } };

        // Act
        using var response = await _http.SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
    }

    [Fact]
    public async Task Scrape_HeadServedOtherMethods405()
    {
        // Arrange
        await StartAsync();

        // Act
        using var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, Url()));
        using var put = await _http.PutAsync(Url(), new StringContent("x"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, put.StatusCode);
    }

    [Fact]
    public async Task Scrape_MoreTagSetsThanTheLimit_RestCountedInOneOverflowSeries()
    {
        // Arrange
        await StartAsync(telemetry: new TelemetryOptions { Metrics = { CardinalityLimit = 100 } });
        var counter = _meter.CreateCounter<long>("router.test.cardinality");

        // Act
        for (int i = 0; i < 110; i++)
        {
            counter.Add(1, new KeyValuePair<string, object?>("id", i));
        }

        string text = await _http.GetStringAsync(Url());

        // Assert: 100 series of their own, and the other 10 tag sets in the overflow series.
        PrometheusTextChecker.AssertValid(OwnFamilies(text));
        var samples = Samples(text, "router_test_cardinality_total");
        Assert.Contains("router_test_cardinality_total{otel_metric_overflow=\"true\"} 10", samples.Select(WithoutTimestamp));
        Assert.Equal(101, samples.Count);
    }

    private async Task StartAsync(AdminOptions? admin = null, TelemetryOptions? telemetry = null)
    {
        var services = new ServiceCollection();
        Telemetry.AddRouterTelemetry(services, telemetry, null, prometheus: true, _ => null);
        _services = services.BuildServiceProvider();
        var meterProvider = _services.GetRequiredService<MeterProvider>();
        _server = new AdminHttpServer(admin ?? new AdminOptions { Listen = "http://127.0.0.1:0" }, null, NullLoggerFactory.Instance, _ => null,
            endpoints => Telemetry.MapPrometheusScrapingEndpoint(endpoints, meterProvider, AdminHttpServer.MetricsPath));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _server.StartAsync(timeout.Token);
    }

    private Uri Url() => new(_server!.Address, AdminHttpServer.MetricsPath);

    /// <summary>
    /// The exposition without the families of other tests: the provider hears every <c>Router.*</c> meter in this test
    /// process, and two hosts of tests running beside (each with its own meter factory) both export, say,
    /// <c>router_dns_queries_total</c> with the same labels, a duplicate one Router process never has. This test's own
    /// families (<c>router_test_*</c>), the runtime's and <c>target_info</c> are kept whole.
    /// </summary>
    private static string OwnFamilies(string text) => string.Join('\n', text.Split('\n').Where(line =>
    {
        string name = line.StartsWith("# ", StringComparison.Ordinal) ? line.Split(' ') is { Length: > 2 } words ? words[2] : string.Empty : line;
        return !name.StartsWith("router_", StringComparison.Ordinal) || name.StartsWith("router_test_", StringComparison.Ordinal);
    }));

    /// <summary>The sample lines of one family (its own name, or with <c>_bucket</c>, <c>_sum</c>, <c>_count</c>).</summary>
    private static List<string> Samples(string text, string family) =>
        [.. text.Split('\n').Where(line => line.StartsWith(family + "{", StringComparison.Ordinal) || line.StartsWith(family + " ", StringComparison.Ordinal)
            || line.StartsWith(family + "_bucket", StringComparison.Ordinal) || line.StartsWith(family + "_sum", StringComparison.Ordinal)
            || line.StartsWith(family + "_count", StringComparison.Ordinal))];

    /// <summary>A sample line without a trailing timestamp, when the exporter writes one.</summary>
    private static string WithoutTimestamp(string line)
    {
        string[] parts = line.Split(' ');
        return parts.Length == 3 ? $"{parts[0]} {parts[1]}" : line;
    }
}
