using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Router.Health.Configuration;
using Router.Health.Diagnostics;
using Router.Health.Tests.Topology;
using Router.Testing;

namespace Router.Health.Tests.Monitoring;

/// <summary>The spans of the monitor, as an OpenTelemetry tracer provider exports them: one per check run.</summary>
[Collection(TracingCollection.Name)]
public sealed class HealthMonitorTracingTests
{
    [Fact]
    public async Task CheckRun_EachRunIsASpanWithResourceKindCheckTypeAndOutcome()
    {
        // Arrange: a healthy store, a cache that refuses, an auth service the monitor cannot check.
        var spans = new List<Activity>();
        using var tracer = Sdk.CreateTracerProviderBuilder().AddSource(HealthTelemetryNames.ActivitySourceName).AddInMemoryExporter(spans).Build();
        var options = TestOptions.With(
            [TestOptions.Resource("sa-1", ResourceKind.Storage), TestOptions.Resource("cache", ResourceKind.Cache), TestOptions.Resource("auth", ResourceKind.Auth)],
            [new RegistryOptions { Name = "contoso", Storage = "sa-1", Cache = "cache", Auth = "auth" }]);
        await using var harness = new MonitorHarness(options);
        harness.Check("cache").Fail("connection refused");
        harness.Check("auth").BeInconclusive("no local resources");

        // Act: one run of each, then one more interval.
        await harness.StartAsync();
        await harness.RunIntervalsAsync(1);

        // Assert
        Assert.Equal(6, spans.Count);
        Assert.All(spans, span =>
        {
            Assert.Equal(HealthTelemetryNames.CheckActivity, span.OperationName);
            Assert.Equal(ActivityKind.Internal, span.Kind);
            Assert.Equal("Fake", span.GetTagItem(HealthTelemetryNames.CheckTypeAttribute));
        });
        var byResource = spans.GroupBy(s => (string)s.GetTagItem(HealthTelemetryNames.ResourceIdAttribute)!).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(["auth", "cache", "sa-1"], byResource.Keys.Order(StringComparer.Ordinal));

        var store = byResource["sa-1"][0];
        Assert.Equal("Storage", store.GetTagItem(HealthTelemetryNames.ResourceKindAttribute));
        Assert.Equal("Success", store.GetTagItem(HealthTelemetryNames.CheckOutcomeAttribute));
        Assert.Equal(ActivityStatusCode.Unset, store.Status);

        var cache = byResource["cache"][0];
        Assert.Equal("Cache", cache.GetTagItem(HealthTelemetryNames.ResourceKindAttribute));
        Assert.Equal("Failure", cache.GetTagItem(HealthTelemetryNames.CheckOutcomeAttribute));
        Assert.Equal(ActivityStatusCode.Error, cache.Status);
        Assert.Equal("connection refused", cache.StatusDescription);

        var auth = byResource["auth"][0];
        Assert.Equal("Inconclusive", auth.GetTagItem(HealthTelemetryNames.CheckOutcomeAttribute));
        Assert.Equal(ActivityStatusCode.Error, auth.Status);
        Assert.Equal("inconclusive: no local resources", auth.StatusDescription);

        // Each run is a trace of its own, not a child of the previous one.
        Assert.All(spans, span => Assert.Null(span.ParentId));
        Assert.Equal(6, spans.Select(s => s.TraceId).Distinct().Count());
    }

    [Fact]
    public void StartCheck_NobodyListening_StartsNoActivity()
    {
        // Act
        using var activity = HealthActivitySource.StartCheck("sa-1", ResourceKind.Storage, "Filesystem");

        // Assert: an untraced monitor creates nothing.
        Assert.Null(activity);
    }
}
