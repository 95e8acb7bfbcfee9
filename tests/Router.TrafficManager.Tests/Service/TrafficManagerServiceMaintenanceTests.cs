using System.Net;
using System.Text.Json;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Tests.Monitoring;
using static Router.TrafficManager.Tests.Service.ServiceHarness;

namespace Router.TrafficManager.Tests.Service;

/// <summary>
/// Maintenance through <see cref="ITrafficManagerControl.SetEndpointAsync"/>: out of answers like Disabled (even under
/// the all-degraded rule), still probed, shown as Maintenance with its reason, kept across a restart.
/// </summary>
public sealed class TrafficManagerServiceMaintenanceTests
{
    private static EndpointSwitchResult Set(TrafficManagerService service, string profile, string endpoint, EndpointChange change)
    {
        EndpointSwitchResult? result = null;
        WithoutSynchronizationContext(() => result = service.SetEndpointAsync(profile, endpoint, change, CancellationToken.None).GetAwaiter().GetResult());
        return result!;
    }

    [Fact]
    public async Task Maintenance_OutOfAnswers_StillProbed_ShownWithItsReason()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        Assert.Equal(Primary, Address(service, "app"));

        // Act
        var result = Set(service, "app", "primary", new EndpointChange(null, true, "kernel upgrade"));
        int probes = harness.ProbesOf(Primary);
        harness.Advance(Interval);
        harness.Advance(Interval);

        // Assert
        Assert.Equal(EndpointSwitchOutcome.Switched, result.Outcome);
        Assert.Equal(Secondary, Address(service, "app"));
        Assert.Equal(probes + 2, harness.ProbesOf(Primary));
        var report = Endpoint(service, "app", "primary");
        Assert.Equal((true, EndpointStatus.Maintenance, "kernel upgrade", false), (report.Enabled, report.Status, report.Reason, report.Held));
        Assert.True(report.LastProbe!.Value.Succeeded);
        var candidate = Assert.Single(service.Explain("app", IPAddress.Loopback)!.Candidates, c => c.Endpoint == "primary");
        Assert.Equal((EndpointStatus.Maintenance, false, false, "kernel upgrade"), (candidate.Status, candidate.Enabled, candidate.Eligible, candidate.Reason));
        Assert.Equal("in maintenance (probed, not answered): kernel upgrade", candidate.Note);
        Assert.Contains(harness.Events(3602), e => e.Message.Contains("app/primary manually put in maintenance (kernel upgrade)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Maintenance_EveryOtherEndpointDegraded_StillNotAnswered()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        Set(service, "app", "primary", new EndpointChange(null, true));

        // Act
        harness.Prober.Set(Secondary, FakeBehaviour.Fail);
        harness.Prober.Set(Tertiary, FakeBehaviour.Fail);
        harness.Advance(Interval);
        harness.Advance(Interval);

        // Assert: the all-degraded rule answers among the others, as with a disabled endpoint.
        Assert.Equal(Secondary, Address(service, "app"));
        Assert.DoesNotContain(Primary, Addresses(service, "app"));
    }

    [Fact]
    public async Task MaintenanceEnded_BackInAnswersWithItsProbedStatus_NoOverrideLeft()
    {
        // Arrange: the endpoint failed while in maintenance.
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        Set(service, "app", "primary", new EndpointChange(null, true, "rebooting"));
        harness.Prober.Set(Primary, FakeBehaviour.Fail);
        harness.Advance(Interval);
        harness.Advance(Interval);

        // Act
        var ended = Set(service, "app", "primary", new EndpointChange(null, false));

        // Assert: it comes back with a known status (Degraded), so it is still not answered.
        Assert.Equal(EndpointSwitchOutcome.Switched, ended.Outcome);
        var report = Endpoint(service, "app", "primary");
        Assert.Equal((EndpointStatus.Degraded, (bool?)null, (string?)null), (report.Status, report.EnabledOverride, report.Reason));
        Assert.Equal(Secondary, Address(service, "app"));
        harness.Prober.Set(Primary, FakeBehaviour.Succeed);
        harness.Advance(Interval);
        Assert.Equal(Primary, Address(service, "app"));
    }

    [Fact]
    public async Task EnableAndMaintenance_AreIndependent()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        Set(service, "app", "primary", new EndpointChange(null, true, "upgrade"));

        // Act: disabled and enabled again; maintenance stays.
        Assert.True(TrySet(service, "app", "primary", false, out _));
        Assert.Equal(EndpointStatus.Disabled, Endpoint(service, "app", "primary").Status);
        Assert.True(TrySet(service, "app", "primary", true, out _));
        harness.Advance(Interval);

        // Assert
        var report = Endpoint(service, "app", "primary");
        Assert.Equal((EndpointStatus.Maintenance, "upgrade", (bool?)true), (report.Status, report.Reason, report.EnabledOverride));
        Assert.Equal(Secondary, Address(service, "app"));
    }

    [Fact]
    public async Task Maintenance_SurvivesARestart()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        Set(service, "app", "primary", new EndpointChange(null, true, "upgrade"));
        await service.StopAsync();

        // Act
        var restarted = harness.Started();
        int probes = harness.ProbesOf(Primary);
        harness.Advance(Interval);

        // Assert
        using (var document = JsonDocument.Parse(File.ReadAllBytes(harness.StateFile)))
        {
            var entry = Assert.Single(document.RootElement.GetProperty("endpoints").EnumerateArray());
            Assert.True(entry.GetProperty("maintenance").GetBoolean());
            Assert.Equal("upgrade", entry.GetProperty("reason").GetString());
        }

        Assert.Equal((EndpointStatus.Maintenance, "upgrade"), (Endpoint(restarted, "app", "primary").Status, Endpoint(restarted, "app", "primary").Reason));
        Assert.Equal(Secondary, Address(restarted, "app"));
        Assert.Equal(probes + 1, harness.ProbesOf(Primary));
    }

    [Fact]
    public async Task Maintenance_UnknownEndpoint_NotFound()
    {
        await using var harness = new ServiceHarness();
        var service = harness.Started();

        var result = Set(service, "app", "nowhere", new EndpointChange(null, true));

        Assert.Equal(EndpointSwitchOutcome.NotFound, result.Outcome);
        Assert.Contains("nowhere", result.Error, StringComparison.Ordinal);
    }
}
