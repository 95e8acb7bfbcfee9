using System.Diagnostics.Metrics;
using Router.TrafficManager.Admin;

namespace Router.TrafficManager.Tests.Admin;

public sealed class PrometheusExporterTests : IDisposable
{
    // Each test has its own meter and an exporter that listens to it alone, so parallel tests never mix.
    private readonly Meter _meter = new("Router.Tests.Prometheus");
    private readonly PrometheusExporter _exporter;

    public PrometheusExporterTests()
    {
        _exporter = new PrometheusExporter(meter => ReferenceEquals(meter, _meter));
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _meter.Dispose();
    }

    [Fact]
    public void Scrape_CounterWithTags_WritesTotalPerTagSetSortedWithHelpAndType()
    {
        // Arrange
        var counter = _meter.CreateCounter<long>("router.dns.queries", "{query}", "Queries answered, by transport and response code.");

        // Act
        counter.Add(3, new("transport", "udp"), new("rcode", "NoError"));
        counter.Add(2, new("rcode", "NoError"), new("transport", "udp"));
        counter.Add(1, new("transport", "tcp"), new("rcode", "NxDomain"));
        string text = _exporter.Scrape();

        // Assert: the tag order does not matter; series are sorted by their labels.
        Assert.Equal(
            """
            # HELP router_dns_queries_total Queries answered, by transport and response code.
            # TYPE router_dns_queries_total counter
            router_dns_queries_total{rcode="NoError",transport="udp"} 5
            router_dns_queries_total{rcode="NxDomain",transport="tcp"} 1

            """.ReplaceLineEndings("\n"),
            text);
        PrometheusTextChecker.AssertValid(text);
    }

    [Fact]
    public void Scrape_CounterWithoutTagsOrDescription_WritesBareSampleAndNoHelp()
    {
        // Arrange
        var counter = _meter.CreateCounter<double>("router.test.events_total");

        // Act
        counter.Add(1.5);
        counter.Add(-4); // a counter never goes down: ignored
        counter.Add(2);
        string text = _exporter.Scrape();

        // Assert
        Assert.Equal("# TYPE router_test_events_total counter\nrouter_test_events_total 3.5\n", text);
    }

    [Fact]
    public void Scrape_UpDownCounterAndGauge_AreGauges()
    {
        // Arrange
        var connections = _meter.CreateUpDownCounter<long>("router.dns.tcp.connections", "{connection}", "Open TCP connections.");
        var temperature = _meter.CreateGauge<double>("router.test.ratio", "1", "A last value.");

        // Act
        connections.Add(5);
        connections.Add(-2);
        temperature.Record(0.25);
        temperature.Record(0.75);
        string text = _exporter.Scrape();

        // Assert
        Assert.Equal(
            """
            # HELP router_dns_tcp_connections Open TCP connections.
            # TYPE router_dns_tcp_connections gauge
            router_dns_tcp_connections 3
            # HELP router_test_ratio A last value.
            # TYPE router_test_ratio gauge
            router_test_ratio 0.75

            """.ReplaceLineEndings("\n"),
            text);
        PrometheusTextChecker.AssertValid(text);
    }

    [Fact]
    public void Scrape_SecondsHistogram_WritesCumulativeSecondsBucketsSumAndCount()
    {
        // Arrange
        var histogram = _meter.CreateHistogram<double>("router.dns.forward.duration", "s", "Time to get an answer from upstream resolvers.");

        // Act: 0.001 lands in le=0.001 (upper bounds are inclusive), 20 only in +Inf.
        histogram.Record(0.001, new KeyValuePair<string, object?>("outcome", "ok"));
        histogram.Record(0.003, new KeyValuePair<string, object?>("outcome", "ok"));
        histogram.Record(0.2, new KeyValuePair<string, object?>("outcome", "ok"));
        histogram.Record(20, new KeyValuePair<string, object?>("outcome", "ok"));
        string text = _exporter.Scrape();

        // Assert
        Assert.Equal(
            """
            # HELP router_dns_forward_duration_seconds Time to get an answer from upstream resolvers.
            # TYPE router_dns_forward_duration_seconds histogram
            router_dns_forward_duration_seconds_bucket{outcome="ok",le="0.0005"} 0
            router_dns_forward_duration_seconds_bucket{outcome="ok",le="0.001"} 1
            router_dns_forward_duration_seconds_bucket{outcome="ok",le="0.0025"} 1
            router_dns_forward_duration_seconds_bucket{outcome="ok",le="0.005"} 2
            router_dns_forward_duration_seconds_bucket{outcome="ok",le="0.01"} 2
            router_dns_forward_duration_seconds_bucket{outcome="ok",le="0.025"} 2
            router_dns_forward_duration_seconds_bucket{outcome="ok",le="0.05"} 2
            router_dns_forward_duration_seconds_bucket{outcome="ok",le="0.1"} 2
            router_dns_forward_duration_seconds_bucket{outcome="ok",le="0.25"} 3
            router_dns_forward_duration_seconds_bucket{outcome="ok",le="0.5"} 3
            router_dns_forward_duration_seconds_bucket{outcome="ok",le="1"} 3
            router_dns_forward_duration_seconds_bucket{outcome="ok",le="2.5"} 3
            router_dns_forward_duration_seconds_bucket{outcome="ok",le="5"} 3
            router_dns_forward_duration_seconds_bucket{outcome="ok",le="10"} 3
            router_dns_forward_duration_seconds_bucket{outcome="ok",le="+Inf"} 4
            router_dns_forward_duration_seconds_sum{outcome="ok"} 20.204
            router_dns_forward_duration_seconds_count{outcome="ok"} 4

            """.ReplaceLineEndings("\n"),
            text);
        PrometheusTextChecker.AssertValid(text);
    }

    [Fact]
    public void Scrape_HistogramWithAdvice_UsesAdvisedBoundaries()
    {
        // Arrange
        var histogram = _meter.CreateHistogram<int>("router.test.size", "By", "Sizes.",
            tags: null, advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [512, 1232, 4096] });

        // Act
        histogram.Record(100);
        histogram.Record(1232);
        histogram.Record(5000);
        string text = _exporter.Scrape();

        // Assert
        Assert.Equal(
            """
            # HELP router_test_size_bytes Sizes.
            # TYPE router_test_size_bytes histogram
            router_test_size_bytes_bucket{le="512"} 1
            router_test_size_bytes_bucket{le="1232"} 2
            router_test_size_bytes_bucket{le="4096"} 2
            router_test_size_bytes_bucket{le="+Inf"} 3
            router_test_size_bytes_sum 6332
            router_test_size_bytes_count 3

            """.ReplaceLineEndings("\n"),
            text);
        PrometheusTextChecker.AssertValid(text);
    }

    [Fact]
    public void Scrape_HistogramWithoutUnit_UsesOpenTelemetryDefaultBoundaries()
    {
        // Arrange
        var histogram = _meter.CreateHistogram<double>("router.test.latency", "ms");

        // Act
        histogram.Record(7);
        string text = _exporter.Scrape();

        // Assert
        string[] buckets = [.. text.Split('\n').Where(l => l.StartsWith("router_test_latency_milliseconds_bucket", StringComparison.Ordinal))];
        Assert.Equal(PrometheusExporter.DefaultBuckets.Count + 1, buckets.Length);
        Assert.Equal("router_test_latency_milliseconds_bucket{le=\"5\"} 0", buckets[1]);
        Assert.Equal("router_test_latency_milliseconds_bucket{le=\"10\"} 1", buckets[2]);
        PrometheusTextChecker.AssertValid(text);
    }

    [Fact]
    public void Scrape_LabelValuesAndHelp_AreEscaped()
    {
        // Arrange
        var counter = _meter.CreateCounter<int>("router.test.escapes", null, "Line one\nback\\slash");

        // Act
        counter.Add(1, new KeyValuePair<string, object?>("path", "C:\\dir \"quoted\"\nnext"), new KeyValuePair<string, object?>("bad.label-name", true));
        string text = _exporter.Scrape();

        // Assert
        Assert.Equal(
            """
            # HELP router_test_escapes_total Line one\nback\\slash
            # TYPE router_test_escapes_total counter
            router_test_escapes_total{bad_label_name="true",path="C:\\dir \"quoted\"\nnext"} 1

            """.ReplaceLineEndings("\n"),
            text);
        PrometheusTextChecker.AssertValid(text);
    }

    [Fact]
    public void Scrape_ObservableInstruments_AreReadAtScrapeTimeAndVanishedSeriesDropped()
    {
        // Arrange
        var endpoints = new List<string> { "eastus", "westeurope" };
        long probes = 0;
        _meter.CreateObservableGauge("router.tm.endpoint.status", () => endpoints.Select(e =>
            new Measurement<int>(e == "eastus" ? 1 : 0, new KeyValuePair<string, object?>("endpoint", e))), null, "Endpoint status.");
        _meter.CreateObservableCounter("router.test.observed", () => probes, "{probe}", "Probes so far.");
        _meter.CreateObservableUpDownCounter("router.test.queue", () => new Measurement<long>(-2), "{item}", "Queued.");

        // Act
        probes = 7;
        string first = _exporter.Scrape();
        endpoints.Remove("westeurope");
        probes = 9;
        string second = _exporter.Scrape();

        // Assert
        Assert.Equal(
            """
            # HELP router_test_observed_total Probes so far.
            # TYPE router_test_observed_total counter
            router_test_observed_total 7
            # HELP router_test_queue Queued.
            # TYPE router_test_queue gauge
            router_test_queue -2
            # HELP router_tm_endpoint_status Endpoint status.
            # TYPE router_tm_endpoint_status gauge
            router_tm_endpoint_status{endpoint="eastus"} 1
            router_tm_endpoint_status{endpoint="westeurope"} 0

            """.ReplaceLineEndings("\n"),
            first);
        Assert.Contains("router_test_observed_total 9\n", second, StringComparison.Ordinal);
        Assert.DoesNotContain("westeurope", second, StringComparison.Ordinal);
        PrometheusTextChecker.AssertValid(first);
        PrometheusTextChecker.AssertValid(second);
    }

    [Fact]
    public void Scrape_InstrumentOfAnotherMeter_IsNotExported()
    {
        // Arrange
        using var other = new Meter("Router.Tests.Other");
        var counter = other.CreateCounter<long>("router.other");

        // Act
        counter.Add(1);

        // Assert
        Assert.Equal(string.Empty, _exporter.Scrape());
    }

    [Fact]
    public void Constructor_DefaultFilter_ExportsRouterMetersOnly()
    {
        // Arrange
        using var exporter = new PrometheusExporter();
        using var router = new Meter("Router.Tests.DefaultFilter");
        using var foreign = new Meter("RouterX.Tests.DefaultFilter");
        router.CreateCounter<long>("router.tests.default_filter.ours").Add(1);
        foreign.CreateCounter<long>("router.tests.default_filter.foreign").Add(1);

        // Act
        string text = exporter.Scrape();

        // Assert
        Assert.Contains("router_tests_default_filter_ours_total 1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("default_filter_foreign", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_DisposedMeter_DropsItsInstruments()
    {
        // Arrange
        using var meter = new Meter("Router.Tests.Disposed");
        using var exporter = new PrometheusExporter(m => ReferenceEquals(m, meter));
        meter.CreateCounter<long>("router.disposed").Add(1);
        Assert.NotEmpty(exporter.Scrape());

        // Act
        meter.Dispose();

        // Assert
        Assert.Equal(string.Empty, exporter.Scrape());
    }

    [Fact]
    public void Record_MoreTagSetsThanTheLimit_CountsTheRestInOneOverflowSeries()
    {
        // Arrange
        var counter = _meter.CreateCounter<long>("router.test.cardinality");

        // Act
        for (int i = 0; i < PrometheusExporter.MaxSeriesPerInstrument + 10; i++)
        {
            counter.Add(1, new KeyValuePair<string, object?>("id", i));
        }

        string text = _exporter.Scrape();

        // Assert
        var samples = text.Split('\n').Where(l => l.StartsWith("router_test_cardinality_total", StringComparison.Ordinal)).ToList();
        Assert.Equal(PrometheusExporter.MaxSeriesPerInstrument + 1, samples.Count);
        Assert.Contains("router_test_cardinality_total{otel_metric_overflow=\"true\"} 10", samples);
        PrometheusTextChecker.AssertValid(text);
    }

    [Fact]
    public void Record_KnownTagSet_DoesNotAllocate()
    {
        // Arrange: the DNS receive loop records on every query; once its tag set is known that must cost no garbage.
        var counter = _meter.CreateCounter<long>("router.test.hot");
        var histogram = _meter.CreateHistogram<double>("router.test.hot.duration", "s");
        var transport = new KeyValuePair<string, object?>("transport", "udp");
        var rcode = new KeyValuePair<string, object?>("rcode", "NoError");
        counter.Add(1, transport, rcode);
        histogram.Record(0.001, transport);

        // Act
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            counter.Add(1, transport, rcode);
            histogram.Record(0.001, transport);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Assert
        Assert.Equal(0, allocated);
        Assert.Contains("router_test_hot_total{rcode=\"NoError\",transport=\"udp\"} 10001\n", _exporter.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Record_FromManyThreads_LosesNoMeasurement()
    {
        // Arrange
        var counter = _meter.CreateCounter<double>("router.test.parallel");
        var histogram = _meter.CreateHistogram<double>("router.test.parallel.duration", "s");
        const int Threads = 8;
        const int PerThread = 20_000;

        // Act
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            var tag = new KeyValuePair<string, object?>("shard", t % 2 == 0 ? "even" : "odd");
            for (int i = 0; i < PerThread; i++)
            {
                counter.Add(0.5, tag);
                histogram.Record(0.003, tag);
            }
        })));
        string text = _exporter.Scrape();

        // Assert
        double half = Threads / 2 * PerThread * 0.5;
        Assert.Contains($"router_test_parallel_total{{shard=\"even\"}} {half}\n", text, StringComparison.Ordinal);
        Assert.Contains($"router_test_parallel_total{{shard=\"odd\"}} {half}\n", text, StringComparison.Ordinal);
        Assert.Contains($"router_test_parallel_duration_seconds_count{{shard=\"odd\"}} {Threads / 2 * PerThread}\n", text, StringComparison.Ordinal);
        PrometheusTextChecker.AssertValid(text);
    }

    [Fact]
    public void Scrape_RealRouterInstruments_IsValidExposition()
    {
        // Arrange: the shapes Router's own meters use (dotted names, annotations, seconds, state sets).
        _meter.CreateCounter<long>("router.health.check.outcomes", "{check}", "Resource check outcomes.")
            .Add(4, new("kind", "Storage"), new("outcome", "Success"));
        _meter.CreateHistogram<double>("router.health.check.duration", "s", "Duration of resource checks.")
            .Record(0.0123, new("kind", "Storage"), new("check", "Filesystem"));
        _meter.CreateObservableGauge("router.tm.endpoint.consecutive_failures",
            () => new Measurement<int>(2, new("profile", "contoso"), new("endpoint", "eastus")), "{probe}", "Failed probes in a row.");

        // Act
        string text = _exporter.Scrape();

        // Assert
        Assert.Contains("router_health_check_outcomes_total{kind=\"Storage\",outcome=\"Success\"} 4\n", text, StringComparison.Ordinal);
        Assert.Contains("router_health_check_duration_seconds_bucket{check=\"Filesystem\",kind=\"Storage\",le=\"0.025\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("router_tm_endpoint_consecutive_failures{endpoint=\"eastus\",profile=\"contoso\"} 2\n", text, StringComparison.Ordinal);
        PrometheusTextChecker.AssertValid(text);
        PrometheusTextChecker.AssertPromtoolAcceptsWhenInstalled(text);
    }

    [Theory]
    [InlineData("router.dns.queries", "{query}", "counter", "router_dns_queries_total")]
    [InlineData("router.health.check.duration", "s", "histogram", "router_health_check_duration_seconds")]
    [InlineData("router.io", "By", "counter", "router_io_bytes_total")]
    [InlineData("router.rate", "By/s", "gauge", "router_rate_bytes_per_second")]
    [InlineData("router.load", "1", "gauge", "router_load_ratio")]
    [InlineData("router.requests_total", null, "counter", "router_requests_total")]
    [InlineData("router.wait_seconds", "s", "histogram", "router_wait_seconds")]
    [InlineData("9lives..odd-name", null, "gauge", "_9lives_odd_name")]
    public void PrometheusName_FollowsOpenTelemetryConventions(string name, string? unit, string type, string expected)
    {
        // Arrange
        var (instrument, kind) = type switch
        {
            "counter" => ((Instrument)_meter.CreateCounter<long>(name, unit), PrometheusExporter.MetricKind.Counter),
            "histogram" => (_meter.CreateHistogram<double>(name, unit), PrometheusExporter.MetricKind.Histogram),
            _ => (_meter.CreateUpDownCounter<long>(name, unit), PrometheusExporter.MetricKind.Gauge),
        };

        // Act
        string actual = PrometheusExporter.PrometheusName(instrument, kind);

        // Assert
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.1, "0.1")]
    [InlineData(42.0, "42")]
    [InlineData(1e-7, "1E-07")]
    public void FormatValue_WritesPrometheusNumbers(double value, string expected) =>
        Assert.Equal(expected, PrometheusExporter.FormatValue(value));
}
