using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Router.Testing;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Monitoring;

/// <summary>The spans of endpoint monitoring, as an OpenTelemetry tracer provider exports them: one per probe.</summary>
[Collection(TracingCollection.Name)]
public sealed class ProbeSchedulerTracingTests
{
    [Fact]
    public async Task Probe_EachProbeIsASpanWithProfileEndpointTargetOutcomeStatusAndFallback()
    {
        // Arrange: eastus answers 200, westeurope 503, eastasia through the fallback probe.
        var spans = new List<Activity>();
        using var tracer = Tracer(spans);
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-westeurope", FakeBehaviour.Fail);
        harness.Prober.Set("target-eastasia", FakeBehaviour.SucceedWithFallback);
        var monitor = SchedulerHarness.Monitor();
        monitor.Port = 8081;

        // Act
        ProbeOnce(harness, SchedulerHarness.Target("eastus", monitor), SchedulerHarness.Target("westeurope", monitor), SchedulerHarness.Target("eastasia", monitor));

        // Assert
        Assert.Equal(3, spans.Count);
        Assert.All(spans, span =>
        {
            Assert.Equal(TrafficManagerTelemetryNames.ProbeActivity, span.OperationName);
            Assert.Equal(ActivityKind.Client, span.Kind);
            Assert.Equal("contoso", span.GetTagItem(TrafficManagerTelemetryNames.ProfileAttribute));
            Assert.Equal(8081, span.GetTagItem(TrafficManagerTelemetryNames.ServerPortAttribute));
            Assert.Equal("Http", span.GetTagItem(TrafficManagerTelemetryNames.ProtocolAttribute));
        });
        var byEndpoint = spans.ToDictionary(s => (string)s.GetTagItem(TrafficManagerTelemetryNames.EndpointAttribute)!);

        var eastus = byEndpoint["eastus"];
        Assert.Equal("target-eastus", eastus.GetTagItem(TrafficManagerTelemetryNames.ServerAddressAttribute));
        Assert.Equal("success", eastus.GetTagItem(TrafficManagerTelemetryNames.OutcomeAttribute));
        Assert.Equal(200, eastus.GetTagItem(TrafficManagerTelemetryNames.StatusCodeAttribute));
        Assert.Equal(false, eastus.GetTagItem(TrafficManagerTelemetryNames.FallbackAttribute));
        Assert.Equal(ActivityStatusCode.Unset, eastus.Status);

        var westeurope = byEndpoint["westeurope"];
        Assert.Equal("failure", westeurope.GetTagItem(TrafficManagerTelemetryNames.OutcomeAttribute));
        Assert.Equal(503, westeurope.GetTagItem(TrafficManagerTelemetryNames.StatusCodeAttribute));
        Assert.Equal(ActivityStatusCode.Error, westeurope.Status);
        Assert.Equal("status 503 not in 200", westeurope.StatusDescription);

        var eastasia = byEndpoint["eastasia"];
        Assert.Equal("success", eastasia.GetTagItem(TrafficManagerTelemetryNames.OutcomeAttribute));
        Assert.Equal(true, eastasia.GetTagItem(TrafficManagerTelemetryNames.FallbackAttribute));
    }

    [Fact]
    public async Task Probe_ProberCrashes_ErrorSpanWithOutcomeError()
    {
        // Arrange
        var spans = new List<Activity>();
        using var tracer = Tracer(spans);
        await using var harness = new SchedulerHarness();
        harness.Prober.Set("target-eastus", FakeBehaviour.Throw);

        // Act
        ProbeOnce(harness, SchedulerHarness.Target("eastus", SchedulerHarness.Monitor()));

        // Assert
        var span = Assert.Single(spans);
        Assert.Equal("error", span.GetTagItem(TrafficManagerTelemetryNames.OutcomeAttribute));
        Assert.Null(span.GetTagItem(TrafficManagerTelemetryNames.StatusCodeAttribute));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.StartsWith("probe crashed: InvalidOperationException", span.StatusDescription, StringComparison.Ordinal);
    }

    [Fact]
    public void StartProbe_NobodyListening_StartsNoActivity()
    {
        // Act
        using var activity = TrafficManagerActivitySource.StartProbe(SchedulerHarness.Target("eastus", SchedulerHarness.Monitor()));

        // Assert
        Assert.Null(activity);
    }

    private static TracerProvider Tracer(List<Activity> spans) =>
        Sdk.CreateTracerProviderBuilder().AddSource(TrafficManagerTelemetryNames.ActivitySourceName).AddInMemoryExporter(spans).Build();

    /// <summary>Applies <paramref name="targets"/>, starts the scheduler and runs the first probe of each.</summary>
    private static void ProbeOnce(SchedulerHarness harness, params ProbeTarget[] targets)
    {
        harness.Apply(targets);
        harness.Start();
        harness.Advance(TimeSpan.Zero);
    }
}
