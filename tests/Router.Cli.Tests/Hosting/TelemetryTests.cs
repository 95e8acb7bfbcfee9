using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Router.Cli.Configuration;
using Router.Cli.Hosting;
using Router.Cli.Tests.TestSupport;
using Router.Testing;
using Router.TrafficManager.Configuration;

namespace Router.Cli.Tests.Hosting;

/// <summary>
/// Router.Cli's OpenTelemetry wiring (<see cref="Telemetry.AddRouterTelemetry"/>): when OTLP is on, which providers exist,
/// and the configuration reload's span as the in-memory exporter receives it through that wiring.
/// </summary>
[Collection(TracingCollection.Name)]
public sealed class TelemetryTests : IDisposable
{
    // A collector address nothing listens on: exports fail at once and are dropped.
    private static readonly Func<string, string?> OtlpFromEnvironment =
        name => name == Telemetry.EndpointVariable ? "http://127.0.0.1:9" : null;

    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(null, null, false, false)]
    [InlineData(null, null, true, true)]
    [InlineData(null, "http://collector:4317", false, true)]
    [InlineData(false, null, true, false)]
    [InlineData(true, null, false, true)]
    public void IsOtlpEnabled_ConfigurationThenEndpointThenVariable(bool? enabled, string? endpoint, bool variable, bool expected)
    {
        // Arrange
        var options = new TelemetryOptions { Otlp = { Enabled = enabled, Endpoint = endpoint } };

        // Act
        bool actual = Telemetry.IsOtlpEnabled(options, variable ? OtlpFromEnvironment : NoEnvironment);

        // Assert
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void AddRouterTelemetry_NoOtlpNoAdmin_NoProviderListens()
    {
        // Arrange
        var services = new ServiceCollection();

        // Act
        bool otlp = Telemetry.AddRouterTelemetry(services, null, null, prometheus: false, NoEnvironment);
        using var provider = services.BuildServiceProvider();

        // Assert: nothing to export to, so no listener: instruments stay disabled and no activity is created.
        Assert.False(otlp);
        Assert.Null(provider.GetService<MeterProvider>());
        Assert.Null(provider.GetService<TracerProvider>());
    }

    [Fact]
    public void AddRouterTelemetry_AdminOnly_MeterProviderForPrometheusButNoTracer()
    {
        // Arrange
        var services = new ServiceCollection();

        // Act
        Telemetry.AddRouterTelemetry(services, null, null, prometheus: true, NoEnvironment);
        using var provider = services.BuildServiceProvider();

        // Assert
        Assert.NotNull(provider.GetService<MeterProvider>());
        Assert.Null(provider.GetService<TracerProvider>());
    }

    [Fact]
    public void Reload_OtlpOnThroughTheVariable_SpansOfRouterSourcesWithOutcomeAndErrorStatus()
    {
        // Arrange: OTLP switched on by OTEL_EXPORTER_OTLP_ENDPOINT; an in-memory exporter beside it.
        var spans = new List<Activity>();
        using var provider = Build(new TelemetryOptions { Otlp = { Protocol = OtlpProtocol.HttpProtobuf, TimeoutSeconds = 1 } }, spans);
        using var watcher = Watch(out string path);

        // Act: a valid edit, then an edit with one error.
        Assert.True(Edit(watcher, path, "127.0.0.81"));
        Assert.False(Edit(watcher, path, "not-an-address"));

        // Assert
        Assert.Equal(2, spans.Count);
        Assert.All(spans, span =>
        {
            Assert.Equal(CliTelemetryNames.ReloadActivity, span.OperationName);
            Assert.Equal(CliTelemetryNames.ActivitySourceName, span.Source.Name);
            Assert.Equal(Path.GetFullPath(path), span.GetTagItem(CliTelemetryNames.ConfigPathTag));
        });
        Assert.Equal(CliTelemetryNames.Applied, spans[0].GetTagItem(CliTelemetryNames.ReloadOutcomeTag));
        Assert.Equal(0, spans[0].GetTagItem(CliTelemetryNames.ReloadErrorsTag));
        Assert.Equal(ActivityStatusCode.Unset, spans[0].Status);
        Assert.Equal(CliTelemetryNames.Rejected, spans[1].GetTagItem(CliTelemetryNames.ReloadOutcomeTag));
        Assert.Equal(1, spans[1].GetTagItem(CliTelemetryNames.ReloadErrorsTag));
        Assert.Equal(ActivityStatusCode.Error, spans[1].Status);
        Assert.Equal("1 error(s); the running configuration stays in force", spans[1].StatusDescription);
        Assert.Equal("router", provider.GetRequiredService<TracerProvider>().GetResource().Attributes.Single(a => a.Key == "service.name").Value);
    }

    [Fact]
    public void Reload_SampleRatioZero_NoSpan()
    {
        // Arrange
        var spans = new List<Activity>();
        using var provider = Build(new TelemetryOptions { ServiceName = "router-test", Tracing = { SampleRatio = 0 } }, spans);
        using var watcher = Watch(out string path);

        // Act
        Assert.True(Edit(watcher, path, "127.0.0.81"));

        // Assert
        Assert.Empty(spans);
    }

    [Fact]
    public void Reload_TracingDisabled_NoTracerProvider()
    {
        // Arrange
        var services = new ServiceCollection();

        // Act
        Telemetry.AddRouterTelemetry(services, new TelemetryOptions { Tracing = { Enabled = false } }, null, prometheus: false, OtlpFromEnvironment);
        using var provider = services.BuildServiceProvider();

        // Assert
        Assert.NotNull(provider.GetService<MeterProvider>());
        Assert.Null(provider.GetService<TracerProvider>());
    }

    [Theory]
    [InlineData(false, "http://collector:4318", "http://collector:4318/v1/traces")]
    [InlineData(false, "http://collector:4318/otlp/", "http://collector:4318/otlp/v1/traces")]
    [InlineData(true, "http://collector:4317", "http://collector:4317/")]
    public void ConfigureOtlp_HttpProtobufEndpoint_GetsTheSignalPath(bool grpc, string endpoint, string expected)
    {
        // Arrange: the variables chose HTTP/protobuf; the section keeps it or sets gRPC.
        var exporter = new OtlpExporterOptions { Protocol = OtlpExportProtocol.HttpProtobuf };
        var otlp = new OtlpOptions { Protocol = grpc ? OtlpProtocol.Grpc : null, Endpoint = endpoint, TimeoutSeconds = 2.5 };
        otlp.Headers["api-key"] = "k1";
        otlp.Headers["x-tenant"] = "eastus";

        // Act
        Telemetry.ConfigureOtlp(exporter, otlp, "v1/traces");

        // Assert
        Assert.Equal(new Uri(expected), exporter.Endpoint);
        Assert.Equal("api-key=k1,x-tenant=eastus", exporter.Headers);
        Assert.Equal(2500, exporter.TimeoutMilliseconds);
    }

    [Fact]
    public void CardinalityLimit_TrafficManagerInstruments_GrowWithTheEndpoints()
    {
        // Arrange: 1,000 profiles of 3 endpoints.
        var trafficManager = new TrafficManagerOptions
        {
            Profiles = [.. Enumerable.Range(0, 1000).Select(i => new ProfileOptions
            {
                Name = $"p{i}",
                Endpoints = [new EndpointOptions { Name = "a" }, new EndpointOptions { Name = "b" }, new EndpointOptions { Name = "c" }],
            })],
        };

        // Act + Assert
        Assert.Equal(24_000, Telemetry.CardinalityLimit("Router.TrafficManager", null, trafficManager));
        Assert.Equal(2000, Telemetry.CardinalityLimit("Router.Dns.Server", null, trafficManager));
        Assert.Equal(2000, Telemetry.CardinalityLimit("Router.TrafficManager", null, null));
        Assert.Equal(50_000, Telemetry.CardinalityLimit("Router.TrafficManager", new TelemetryOptions { Metrics = { CardinalityLimit = 50_000 } }, trafficManager));
    }

    /// <summary>A watcher (no roles to apply to) of a valid file that answers www with 127.0.0.80.</summary>
    private ConfigurationWatcher Watch(out string path)
    {
        path = _directory.Write("router.json", TestConfigs.Valid(www: "127.0.0.80"));
        return new ConfigurationWatcher(path, null, TimeProvider.System, NullLogger<ConfigurationWatcher>.Instance);
    }

    /// <summary>Edits the file to answer www with <paramref name="www"/> and reloads it; whether it was applied.</summary>
    private static bool Edit(ConfigurationWatcher watcher, string path, string www)
    {
        File.WriteAllText(path, TestConfigs.Valid(www: www));
        return watcher.Reload();
    }

    /// <summary>The providers <see cref="Telemetry.AddRouterTelemetry"/> makes with OTLP on, and an in-memory span exporter.</summary>
    private static ServiceProvider Build(TelemetryOptions options, List<Activity> spans)
    {
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        Assert.True(Telemetry.AddRouterTelemetry(services, options, null, prometheus: false, OtlpFromEnvironment,
            builder => builder.WithTracing(tracing => tracing.AddInMemoryExporter(spans))));
        var provider = services.BuildServiceProvider();
        Assert.NotNull(provider.GetRequiredService<TracerProvider>());
        return provider;
    }
}
