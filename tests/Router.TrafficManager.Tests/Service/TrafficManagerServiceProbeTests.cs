using Microsoft.Extensions.Logging.Testing;
using Router.Dns;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Tests.Monitoring;
using static Router.TrafficManager.Tests.Service.ServiceHarness;

namespace Router.TrafficManager.Tests.Service;

/// <summary>
/// Probe results reaching the DNS answer through <see cref="TrafficManagerService"/>: the facade's handler answers real
/// queries, and its <see cref="ITrafficManagerControl"/> surface reports what the probes found.
/// </summary>
public sealed class TrafficManagerServiceProbeTests
{
    [Fact]
    public async Task GetProfiles_BeforeAnyProbe_CheckingEndpointAnsweredInPriorityOrder()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Create();

        // Act
        var profiles = service.GetProfiles();

        // Assert
        Assert.Equal(["app", "web"], profiles.Select(p => p.Name));
        Assert.Equal("app.tm.example.test.", profiles[0].Fqdn);
        Assert.All(profiles.SelectMany(p => p.Endpoints), e =>
        {
            Assert.Equal(EndpointStatus.CheckingEndpoint, e.Status);
            Assert.True(e.Enabled);
            Assert.Null(e.EnabledOverride);
            Assert.Equal(0, e.ConsecutiveFailures);
            Assert.Null(e.LastProbe);
        });
        Assert.Equal([1, 2, 3], profiles[0].Endpoints.Select(e => e.Priority));
        Assert.Equal(Primary, Address(service, "app"));
        Assert.Empty(harness.Prober.Calls);
    }

    [Fact]
    public async Task Probes_FailuresBeyondTolerance_AnswerMovesToNextEndpointAndBackOnRecovery()
    {
        // Arrange: every endpoint online after the first round.
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        var start = harness.Clock.GetUtcNow();
        Assert.Equal(EndpointStatus.Online, Endpoint(service, "app", "primary").Status);
        Assert.Equal(start, Endpoint(service, "app", "primary").LastStatusChange);
        Assert.Equal(Primary, Address(service, "app"));

        // Act 1: one failure is tolerated (ToleratedFailures = 1).
        harness.Prober.Set(Primary, FakeBehaviour.Fail);
        harness.Advance(Interval);

        // Assert 1
        var tolerated = Endpoint(service, "app", "primary");
        Assert.Equal((EndpointStatus.Online, 1), (tolerated.Status, tolerated.ConsecutiveFailures));
        Assert.Equal(start, tolerated.LastStatusChange);
        Assert.Equal(Primary, Address(service, "app"));

        // Act 2: the second failure in a row degrades it; the next endpoint answers.
        harness.Advance(Interval);

        // Assert 2
        var degradedAt = start + 2 * Interval;
        var degraded = Endpoint(service, "app", "primary");
        Assert.Equal((EndpointStatus.Degraded, 2), (degraded.Status, degraded.ConsecutiveFailures));
        Assert.Equal(degradedAt, degraded.LastStatusChange);
        var lastProbe = Assert.NotNull(degraded.LastProbe);
        Assert.False(lastProbe.Succeeded);
        Assert.Equal(degradedAt, lastProbe.StartedAt);
        Assert.Equal(503, lastProbe.StatusCode);
        Assert.Equal(Secondary, Address(service, "app"));
        Assert.Equal(EndpointStatus.Online, Endpoint(service, "app", "secondary").Status);

        // Act 3: the first success brings it back.
        harness.Prober.Set(Primary, FakeBehaviour.Succeed);
        harness.Advance(Interval);

        // Assert 3
        var recovered = Endpoint(service, "app", "primary");
        Assert.Equal((EndpointStatus.Online, 0), (recovered.Status, recovered.ConsecutiveFailures));
        Assert.Equal(start + 3 * Interval, recovered.LastStatusChange);
        Assert.True(recovered.LastProbe!.Value.Succeeded);
        Assert.Equal(Primary, Address(service, "app"));
    }

    [Fact]
    public async Task Probes_AllDegraded_FailOpenAnswersFirstEnabledEndpoint()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        harness.Prober.Set(Primary, FakeBehaviour.Fail);
        harness.Prober.Set(Secondary, FakeBehaviour.Fail);
        harness.Prober.Set(Tertiary, FakeBehaviour.Fail);
        var service = harness.Started();

        // Act
        harness.Advance(Interval);

        // Assert
        Assert.All(service.GetProfile("app")!.Endpoints, e => Assert.Equal((EndpointStatus.Degraded, 2), (e.Status, e.ConsecutiveFailures)));
        Assert.Equal(Primary, Address(service, "app"));
        var explain = service.Explain("app", System.Net.IPAddress.Loopback);
        Assert.NotNull(explain);
        Assert.Contains("all-degraded", explain.Rule, StringComparison.Ordinal);
        Assert.Equal([$"A {Primary}"], explain.Answer);

        // Act 2: one of them recovers and takes over, though it is last in priority order.
        harness.Prober.Set(Tertiary, FakeBehaviour.Succeed);
        harness.Advance(Interval);

        // Assert 2
        Assert.Equal(Tertiary, Address(service, "app"));
    }

    [Fact]
    public async Task Probes_AllDegradedButOneDisabled_FailOpenNeverAnswersTheDisabledOne()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        harness.Prober.Set(Primary, FakeBehaviour.Fail);
        harness.Prober.Set(Secondary, FakeBehaviour.Fail);
        harness.Prober.Set(Tertiary, FakeBehaviour.Fail);
        var service = harness.Started();
        harness.Advance(Interval);

        // Act
        Assert.True(TrySet(service, "app", "primary", false, out _));

        // Assert
        Assert.Equal(Secondary, Address(service, "app"));
    }

    [Fact]
    public async Task Explain_AgreesWithDnsAnswer_ForClientsInDifferentNetworks()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        (string Client, string Expected)[] cases = [("10.1.2.3", WestTarget), ("172.16.5.5", EastTarget), ("192.0.2.77", WestTarget)];

        foreach (var (client, expected) in cases)
        {
            // Act
            string answered = Address(service, "web", client);
            var explain = service.Explain("web", System.Net.IPAddress.Parse(client));

            // Assert
            Assert.Equal(expected, answered);
            Assert.NotNull(explain);
            Assert.Equal([$"A {answered}"], explain.Answer);
            Assert.Equal(answered, Assert.Single(explain.Candidates, c => c.Chosen).Target);
        }

        // Act 2: east degrades; the 172.16/12 client now gets west, and Explain says so.
        harness.Prober.Set(EastTarget, FakeBehaviour.Fail);
        harness.Advance(Interval);
        harness.Advance(Interval);
        string after = Address(service, "web", "172.16.5.5");
        var explainAfter = service.Explain("web.tm.example.test.", System.Net.IPAddress.Parse("172.16.5.5"));

        // Assert 2
        Assert.Equal(WestTarget, after);
        Assert.NotNull(explainAfter);
        Assert.Equal([$"A {WestTarget}"], explainAfter.Answer);
        var east = Assert.Single(explainAfter.Candidates, c => c.Endpoint == "east");
        Assert.Equal((EndpointStatus.Degraded, false, false), (east.Status, east.Eligible, east.Chosen));
    }

    [Fact]
    public async Task Explain_UnknownName_Null_AndDnsNxDomain()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();

        // Act
        var explain = service.Explain("nope", System.Net.IPAddress.Loopback);
        var response = Ask(service, "nope");

        // Assert
        Assert.Null(explain);
        Assert.Equal(DnsResponseCode.NameError, response.ResponseCode);
    }

    [Fact]
    public async Task StopAsync_StopsProbing_StatusesStayReadable()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        int probes = harness.Prober.Calls.Count;

        // Act
        await service.StopAsync();
        harness.Advance(5 * Interval);

        // Assert
        Assert.Equal(probes, harness.Prober.Calls.Count);
        Assert.All(service.GetProfiles().SelectMany(p => p.Endpoints), e => Assert.Equal(EndpointStatus.Online, e.Status));
        Assert.Equal(Primary, Address(service, "app"));
    }
}

/// <summary>The failover timeline's routing events: how a profile's answer changed, for whom, and why (event 3607).</summary>
public sealed class TrafficManagerServiceAnswerChangeTests
{
    private const int AnswerChanged = 3607;

    [Fact]
    public async Task Degraded_LogsAnswerChangedWithCause_RecoveryLogsItBack()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        Assert.Empty(harness.Events(AnswerChanged));

        // Act: the primary degrades (tolerated 1 → second failure), then recovers.
        harness.Prober.Set(Primary, FakeBehaviour.Fail);
        harness.Advance(Interval);
        harness.Advance(Interval);
        var failover = harness.Events(AnswerChanged).ToList();
        harness.Prober.Set(Primary, FakeBehaviour.Succeed);
        harness.Advance(Interval);
        var all = harness.Events(AnswerChanged).ToList();

        // Assert: Priority has one client group; the A answer moved and came back, each with its cause.
        var moved = Assert.Single(failover, e => State(e, "Profile") == "app" && State(e, "Type") == "A");
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, moved.Level);
        Assert.Equal("other clients", State(moved, "Clients"));
        Assert.Equal($"primary (A {Primary})", State(moved, "Before"));
        Assert.Equal($"secondary (A {Secondary})", State(moved, "After"));
        Assert.StartsWith("primary Online -> Degraded (", State(moved, "Cause"), StringComparison.Ordinal);
        var back = Assert.Single(all.Skip(failover.Count), e => State(e, "Profile") == "app" && State(e, "Type") == "A");
        Assert.Equal($"primary (A {Primary})", State(back, "After"));
        Assert.StartsWith("primary Degraded -> Online (probe succeeded", State(back, "Cause"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManualDisable_OfAnEndpointNotAnswered_LogsNoAnswerChange()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();

        // Act: the tertiary endpoint is not the answer for anyone; the primary is.
        Assert.True(TrySet(service, "app", "tertiary", false, out string? error), error);
        int afterTertiary = harness.Events(AnswerChanged).Count;
        Assert.True(TrySet(service, "app", "primary", false, out error), error);

        // Assert
        Assert.Equal(0, afterTertiary);
        var moved = Assert.Single(harness.Events(AnswerChanged), e => State(e, "Type") == "A");
        Assert.Equal("primary manually disabled", State(moved, "Cause"));
    }

    private static string? State(FakeLogRecord entry, string key) => entry.GetStructuredStateValue(key);
}
