using System.Net;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Tests.Monitoring;
using Router.TrafficManager.Tests.Routing;
using static Router.TrafficManager.Tests.Service.ServiceHarness;

namespace Router.TrafficManager.Tests.Service;

/// <summary>
/// Nested endpoints in the service, in virtual time: never probed, their status their child's as probes change it,
/// shown in the endpoint report, explain and metrics like other endpoints.
/// </summary>
public sealed class TrafficManagerServiceNestedTests
{
    /// <summary>
    /// <c>top</c> (Priority) over <c>app</c> (nested, MinChildEndpoints 2) then <c>spare</c> (an address); app's endpoints
    /// are the harness's (ToleratedFailures 1: the second failure in a row degrades).
    /// </summary>
    private static TrafficManagerOptions Options()
    {
        var options = ServiceHarness.Options();
        options.Profiles.Add(new ProfileOptions
        {
            Name = "top",
            RoutingMethod = RoutingMethod.Priority,
            Monitor = Monitor(),
            Endpoints = [NestedFixtures.Nested("nested-app", "app", min: 2), new EndpointOptions { Name = "spare", Target = "203.0.113.9" }],
        });
        return options;
    }

    [Fact]
    public async Task Probes_ChildEndpointsDegradeBelowMinimum_ParentAnswersItsNextEndpoint_AndComesBack()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started(Options());
        Assert.Equal(Primary, Address(service, "top"));
        Assert.Equal(EndpointStatus.Online, Endpoint(service, "top", "nested-app").Status);

        // Act 1: primary degrades; two of three are left.
        harness.Prober.Set(Primary, FakeBehaviour.Fail);
        harness.Advance(Interval);
        harness.Advance(Interval);

        // Assert 1: app answers its secondary, through top.
        Assert.Equal(EndpointStatus.Degraded, Endpoint(service, "app", "primary").Status);
        Assert.Equal(EndpointStatus.Online, Endpoint(service, "top", "nested-app").Status);
        Assert.Equal(Secondary, Address(service, "top"));

        // Act 2: secondary degrades too: one left, below MinChildEndpoints 2.
        harness.Prober.Set(Secondary, FakeBehaviour.Fail);
        harness.Advance(Interval);
        harness.Advance(Interval);

        // Assert 2
        Assert.Equal(EndpointStatus.Degraded, Endpoint(service, "top", "nested-app").Status);
        Assert.Equal("203.0.113.9", Address(service, "top"));
        var candidate = service.Explain("top", IPAddress.Loopback)!.Candidates[0];
        Assert.Equal("nested profile app: 1 of 3 child endpoints eligible, MinChildEndpoints 2; 1 of 3 answer A, MinChildEndpointsIPv4 1: degraded", candidate.Note);

        // Act 3: secondary recovers.
        harness.Prober.Set(Secondary, FakeBehaviour.Succeed);
        harness.Advance(Interval);

        // Assert 3
        Assert.Equal(EndpointStatus.Online, Endpoint(service, "top", "nested-app").Status);
        Assert.Equal(Secondary, Address(service, "top"));
    }

    [Fact]
    public async Task Probes_NestedEndpoint_NeverProbed_AndInMetricsWithItsStatus()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        using var status = new MetricCollector<int>(harness.MeterFactory, "Router.TrafficManager", "router.tm.endpoint.status");
        var service = harness.Started(Options());

        // Act
        harness.Advance(Interval);
        status.RecordObservableInstruments();

        // Assert: the prober saw the address endpoints only; the nested one has its child's status.
        Assert.DoesNotContain(harness.Prober.Calls, c => string.IsNullOrEmpty(c.Target) || c.Target == "app");
        Assert.Contains(harness.Prober.Calls, c => c.Target == "203.0.113.9");
        Assert.Contains("top/nested-app=Online",
            status.GetMeasurementSnapshot().Where(m => m.Value == 1).Select(m => $"{m.Tags["profile"]}/{m.Tags["endpoint"]}={m.Tags["status"]}"));
        Assert.Equal("app", Endpoint(service, "top", "nested-app").Target);
    }

    [Fact]
    public async Task SetEndpoint_NestedDisabled_OutOfAnswersAndShownDisabled()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started(Options());

        // Act
        Assert.True(TrySet(service, "top", "nested-app", enabled: false, out string? error), error);

        // Assert
        Assert.Equal(EndpointStatus.Disabled, Endpoint(service, "top", "nested-app").Status);
        Assert.Equal("203.0.113.9", Address(service, "top"));
    }
}
