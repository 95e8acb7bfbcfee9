using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Tests.Monitoring;
using static Router.TrafficManager.Tests.Service.ServiceHarness;

namespace Router.TrafficManager.Tests.Service;

/// <summary>
/// <c>Monitor:Failback</c> in virtual time: an endpoint that failed over and recovers is held back from answers
/// (HoldDown: until it has been Online without a failure for HoldDownSeconds; Manual: until released), is still probed,
/// counts as degraded for the all-degraded rule, and stays held across a restart.
/// </summary>
public sealed class TrafficManagerServiceFailbackTests
{
    private static TrafficManagerOptions Options(FailbackMode mode, double holdDownSeconds = 30)
    {
        var options = ServiceHarness.Options();
        options.Profiles[0].Monitor.Failback = new FailbackOptions { Mode = mode, HoldDownSeconds = holdDownSeconds };
        return options;
    }

    /// <summary>Primary fails twice (Degraded, ToleratedFailures 1), then succeeds once: Online again.</summary>
    private static void FailOverAndRecover(ServiceHarness harness, TrafficManagerService service)
    {
        harness.Prober.Set(Primary, FakeBehaviour.Fail);
        harness.Advance(Interval);
        harness.Advance(Interval);
        Assert.Equal(EndpointStatus.Degraded, Endpoint(service, "app", "primary").Status);
        Assert.Equal(Secondary, Address(service, "app"));
        harness.Prober.Set(Primary, FakeBehaviour.Succeed);
        harness.Advance(Interval);
    }

    [Fact]
    public async Task Automatic_Recovery_ReturnsAtOnce()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started(Options(FailbackMode.Automatic));

        // Act
        FailOverAndRecover(harness, service);

        // Assert: today's behaviour.
        var report = Endpoint(service, "app", "primary");
        Assert.Equal((EndpointStatus.Online, false, (string?)null), (report.Status, report.Held, report.Reason));
        Assert.Equal(Primary, Address(service, "app"));
        Assert.Empty(harness.Events(3621));
    }

    [Fact]
    public async Task HoldDown_Recovered_StaysOutUntilOnlineWithoutFailureForHoldDownSeconds()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started(Options(FailbackMode.HoldDown, holdDownSeconds: 30));

        // Act: recovered at R.
        FailOverAndRecover(harness, service);
        var recoveredAt = harness.Clock.GetUtcNow();

        // Assert: Online, held, still probed, out of answers.
        var report = Endpoint(service, "app", "primary");
        Assert.Equal((EndpointStatus.Online, true), (report.Status, report.Held));
        Assert.Contains("failback HoldDown", report.Reason, StringComparison.Ordinal);
        Assert.Equal(Secondary, Address(service, "app"));
        var held = Assert.Single(harness.Events(3621));
        Assert.Contains("app/primary", held.Message, StringComparison.Ordinal);

        int probes = harness.ProbesOf(Primary);
        harness.Advance(Interval); // R+10
        harness.Advance(Interval); // R+20
        Assert.Equal(probes + 2, harness.ProbesOf(Primary));
        Assert.Equal(Secondary, Address(service, "app"));
        Assert.True(Endpoint(service, "app", "primary").Held);

        harness.Advance(Interval); // R+30: 30 s Online without a failure
        Assert.Equal(TimeSpan.FromSeconds(30), harness.Clock.GetUtcNow() - recoveredAt);
        report = Endpoint(service, "app", "primary");
        Assert.Equal((EndpointStatus.Online, false, (string?)null), (report.Status, report.Held, report.Reason));
        Assert.Equal(Primary, Address(service, "app"));
        Assert.Single(harness.Events(3622));
    }

    [Fact]
    public async Task HoldDown_FailureDuringHold_RestartsTheCount()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started(Options(FailbackMode.HoldDown, holdDownSeconds: 30));
        FailOverAndRecover(harness, service); // R
        harness.Advance(Interval);            // R+10 ok

        // Act: one failure at R+20 (tolerated: still Online), then successes.
        harness.Prober.Set(Primary, FakeBehaviour.Fail);
        harness.Advance(Interval);            // R+20 failure
        Assert.Equal((EndpointStatus.Online, true), (Endpoint(service, "app", "primary").Status, Endpoint(service, "app", "primary").Held));
        harness.Prober.Set(Primary, FakeBehaviour.Succeed);
        harness.Advance(Interval);            // R+30: would have been released without the failure
        harness.Advance(Interval);            // R+40

        // Assert: still held, the count runs from the failure…
        Assert.True(Endpoint(service, "app", "primary").Held);
        Assert.Equal(Secondary, Address(service, "app"));
        Assert.Single(harness.Events(3623));

        // …and ends 30 s after it.
        harness.Advance(Interval);            // R+50
        Assert.False(Endpoint(service, "app", "primary").Held);
        Assert.Equal(Primary, Address(service, "app"));
    }

    [Fact]
    public async Task HoldDown_FailsOverAgainDuringHold_HeldAgainAfterTheNextRecovery()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started(Options(FailbackMode.HoldDown, holdDownSeconds: 30));
        FailOverAndRecover(harness, service);

        // Act: degraded again, then recovered again.
        FailOverAndRecover(harness, service);
        harness.Advance(Interval);
        harness.Advance(Interval);

        // Assert: 20 s after the second recovery, still held; released 30 s after it.
        Assert.True(Endpoint(service, "app", "primary").Held);
        Assert.Equal(Secondary, Address(service, "app"));
        harness.Advance(Interval);
        Assert.Equal(Primary, Address(service, "app"));
    }

    [Fact]
    public async Task Manual_Recovered_StaysOutUntilReleased_ThenReturnsAtOnce()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started(Options(FailbackMode.Manual));
        FailOverAndRecover(harness, service);

        // Act: an hour of successful probes.
        int probes = harness.ProbesOf(Primary);
        for (int i = 0; i < 360; i++)
        {
            harness.Advance(Interval);
        }

        // Assert: probed, Online, held.
        Assert.Equal(probes + 360, harness.ProbesOf(Primary));
        var report = Endpoint(service, "app", "primary");
        Assert.Equal((EndpointStatus.Online, true), (report.Status, report.Held));
        Assert.Contains("failback Manual", report.Reason, StringComparison.Ordinal);
        Assert.Equal(Secondary, Address(service, "app"));

        // Act: released, with no clock movement.
        var released = await service.ReleaseEndpointAsync("APP", "Primary", CancellationToken.None);

        // Assert
        Assert.Equal(EndpointSwitchOutcome.Switched, released.Outcome);
        Assert.Equal(Primary, Address(service, "app"));
        Assert.False(Endpoint(service, "app", "primary").Held);
        Assert.Contains(harness.Events(3607), e => e.Message.Contains("released by an operator", StringComparison.Ordinal));
        var again = await service.ReleaseEndpointAsync("app", "primary", CancellationToken.None);
        Assert.Equal(EndpointSwitchOutcome.NotHeld, again.Outcome);
        Assert.Contains("not held back", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Manual_AtStartUp_NothingIsHeld()
    {
        // Arrange, Act: CheckingEndpoint -> Online is not a recovery.
        await using var harness = new ServiceHarness();
        var service = harness.Started(Options(FailbackMode.Manual));

        // Assert
        Assert.False(Endpoint(service, "app", "primary").Held);
        Assert.Equal(Primary, Address(service, "app"));
        Assert.Equal(EndpointSwitchOutcome.NotHeld, (await service.ReleaseEndpointAsync("app", "primary", CancellationToken.None)).Outcome);
        Assert.Equal(EndpointSwitchOutcome.NotFound, (await service.ReleaseEndpointAsync("app", "nowhere", CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task Manual_EveryOtherEndpointDegraded_HeldEndpointAnsweredByTheAllDegradedRule()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started(Options(FailbackMode.Manual));
        FailOverAndRecover(harness, service);

        // Act: secondary and tertiary fail over.
        harness.Prober.Set(Secondary, FakeBehaviour.Fail);
        harness.Prober.Set(Tertiary, FakeBehaviour.Fail);
        harness.Advance(Interval);
        harness.Advance(Interval);

        // Assert: no healthy endpoint; all enabled are eligible, held primary first by priority.
        Assert.True(Endpoint(service, "app", "primary").Held);
        Assert.Equal(Primary, Address(service, "app"));
        var explain = service.Explain("app", IPAddress.Loopback)!;
        var primary = Assert.Single(explain.Candidates, c => c.Endpoint == "primary");
        Assert.True(primary.Held);
        Assert.Equal("chosen (all enabled endpoints are degraded or held back)", primary.Note);
        Assert.Contains("all-degraded rule", explain.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_HeldEndpoint_SaysWhyItWasNotChosen()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started(Options(FailbackMode.Manual));

        // Act
        FailOverAndRecover(harness, service);
        var explain = service.Explain("app", IPAddress.Loopback)!;

        // Assert
        var primary = Assert.Single(explain.Candidates, c => c.Endpoint == "primary");
        Assert.Equal((EndpointStatus.Online, true, true, false, false), (primary.Status, primary.Held, primary.Enabled, primary.Eligible, primary.Chosen));
        Assert.StartsWith("held back: failback Manual", primary.Note, StringComparison.Ordinal);
        Assert.Contains("router release app primary", primary.Reason, StringComparison.Ordinal);
        Assert.True(Assert.Single(explain.Candidates, c => c.Endpoint == "secondary").Chosen);
    }

    [Fact]
    public async Task Manual_HeldEndpoint_SurvivesARestart_UntilReleased()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started(Options(FailbackMode.Manual));
        FailOverAndRecover(harness, service);
        await service.StopAsync();

        // Act
        var restarted = harness.Started(Options(FailbackMode.Manual));
        harness.Advance(Interval);

        // Assert: the file has the hold; the new process holds it back, though it never saw it fail.
        using (var document = JsonDocument.Parse(File.ReadAllBytes(harness.StateFile)))
        {
            var hold = Assert.Single(document.RootElement.GetProperty("holds").EnumerateArray());
            Assert.Equal(("app", "primary"), (hold.GetProperty("profile").GetString(), hold.GetProperty("endpoint").GetString()));
        }

        var report = Endpoint(restarted, "app", "primary");
        Assert.Equal((EndpointStatus.Online, true), (report.Status, report.Held));
        Assert.Equal(Secondary, Address(restarted, "app"));

        Assert.Equal(EndpointSwitchOutcome.Switched, (await restarted.ReleaseEndpointAsync("app", "primary", CancellationToken.None)).Outcome);
        Assert.Equal(Primary, Address(restarted, "app"));
        using (var document = JsonDocument.Parse(File.ReadAllBytes(harness.StateFile)))
        {
            Assert.False(document.RootElement.TryGetProperty("holds", out var holds) && holds.ValueKind == JsonValueKind.Array && holds.GetArrayLength() > 0);
        }
    }

    [Fact]
    public async Task HoldDown_AfterARestart_TheCountStartsAgain()
    {
        // Arrange: held, 20 s into a 30 s hold-down.
        await using var harness = new ServiceHarness();
        var service = harness.Started(Options(FailbackMode.HoldDown, holdDownSeconds: 30));
        FailOverAndRecover(harness, service);
        harness.Advance(Interval);
        harness.Advance(Interval);
        await service.StopAsync();

        // Act
        var restarted = harness.Started(Options(FailbackMode.HoldDown, holdDownSeconds: 30));
        harness.Advance(Interval);
        harness.Advance(Interval);

        // Assert: 20 s after the restart, still held (nothing was probed while it was down); released at 30 s.
        Assert.True(Endpoint(restarted, "app", "primary").Held);
        Assert.Equal(Secondary, Address(restarted, "app"));
        harness.Advance(Interval);
        Assert.Equal(Primary, Address(restarted, "app"));
    }

    [Fact]
    public async Task Apply_ModeBackToAutomatic_ReleasesHeldEndpoints()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started(Options(FailbackMode.Manual));
        FailOverAndRecover(harness, service);
        Assert.Equal(Secondary, Address(service, "app"));

        // Act
        Apply(service, Options(FailbackMode.Automatic));

        // Assert
        Assert.False(Endpoint(service, "app", "primary").Held);
        Assert.Equal(Primary, Address(service, "app"));
        Assert.Contains(harness.Events(3622), e => e.Message.Contains("Automatic", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_HeldAndMaintenance_Reported()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        using var held = new MetricCollector<int>(harness.MeterFactory, "Router.TrafficManager", "router.tm.endpoint.held");
        using var status = new MetricCollector<int>(harness.MeterFactory, "Router.TrafficManager", "router.tm.endpoint.status");
        var service = harness.Started(Options(FailbackMode.Manual));

        // Act: primary held, secondary in maintenance.
        FailOverAndRecover(harness, service);
        WithoutSynchronizationContext(() => service.SetEndpointAsync("app", "secondary", new EndpointChange(null, true), CancellationToken.None).GetAwaiter().GetResult());
        held.RecordObservableInstruments();
        status.RecordObservableInstruments();

        // Assert: the held gauge covers the Manual profile's endpoints only; the state set says Maintenance.
        Assert.Equal(["primary=1", "secondary=0", "tertiary=0"],
            held.GetMeasurementSnapshot().Select(m => $"{m.Tags["endpoint"]}={m.Value}").Order());
        Assert.Equal(["app/primary=Online", "app/secondary=Maintenance", "app/tertiary=Online", "web/east=Online", "web/west=Online"],
            status.GetMeasurementSnapshot().Where(m => m.Value == 1).Select(m => $"{m.Tags["profile"]}/{m.Tags["endpoint"]}={m.Tags["status"]}").Order());
    }
}
