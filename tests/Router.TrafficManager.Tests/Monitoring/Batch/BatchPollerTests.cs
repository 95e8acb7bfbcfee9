using System.Text;
using Router.Testing;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;
using static Router.TrafficManager.Tests.Monitoring.Batch.BatchHarness;

namespace Router.TrafficManager.Tests.Monitoring.Batch;

/// <summary>The counting rules of batch monitoring, in virtual time, against an in-memory batch monitor.</summary>
public sealed class BatchPollerTests
{
    [Fact]
    public async Task Round_CountsOneResultPerEndpointPerInterval()
    {
        await using var h = new BatchHarness();
        h.Server.Set("contoso", true);
        h.Server.Set("fabrikam", false);
        h.Start(Target("contoso", BatchMonitor()), Target("fabrikam", BatchMonitor()));

        await h.RoundsAsync(1);
        Assert.Equal(EndpointStatus.Online, h.State("contoso").Status);
        Assert.Equal(1, h.State("fabrikam").ConsecutiveFailures);

        await h.HeldAsync();
        await h.NextRoundAsync();
        await h.NextRoundAsync();
        Assert.Equal(3, h.State("contoso").ConsecutiveSuccesses);
        Assert.Equal(3, h.State("fabrikam").ConsecutiveFailures);
        Assert.Equal(EndpointStatus.CheckingEndpoint, h.State("fabrikam").Status); // 3 tolerated

        await h.NextRoundAsync();
        var fabrikam = h.State("fabrikam");
        Assert.Equal(EndpointStatus.Degraded, fabrikam.Status);
        Assert.Equal(503, fabrikam.LastProbe!.Value.StatusCode);
        Assert.Equal("verdict Unhealthy in eastus: storage is Unhealthy", fabrikam.LastProbe.Value.Error);
        Assert.StartsWith("batch http://10.0.0.1/health/registries version ", fabrikam.LastProbe.Value.Source, StringComparison.Ordinal);
        Assert.Equal(200, h.State("contoso").LastProbe!.Value.StatusCode);
    }

    [Fact]
    public async Task FailedPoll_CountsOneFailureForEveryProfileOnTheOrigin_AndAsksOncePerInterval()
    {
        await using var h = new BatchHarness();
        h.Server.Mode = FakeBatchMode.Error500;
        h.Start(Target("contoso", BatchMonitor()), Target("fabrikam", BatchMonitor()));

        await h.RoundsAsync(1);
        await h.PollsAsync(1);
        await h.NextRoundAsync();
        await h.PollsAsync(2); // the retry after the round: the loop is parked again before the clock moves
        await h.NextRoundAsync();
        await h.PollsAsync(3);

        foreach (string profile in new[] { "contoso", "fabrikam" })
        {
            Assert.Equal(3, h.State(profile).ConsecutiveFailures);
            Assert.Equal("batch document answered status 500", h.State(profile).LastProbe!.Value.Error);
        }

        Assert.Equal(3, h.Server.Requests.Count); // one per round: a failing monitor is not asked in a loop
        Assert.Single(h.Scheduler.Logs.GetSnapshot(), r => r.Id.Id == 3030); // the streak's one warning
    }

    [Fact]
    public async Task MissingRegistry_CountsAFailure_RegistryNameMapsAProfile()
    {
        await using var h = new BatchHarness();
        h.Server.Set("tailwind", true);
        h.Start(Target("contoso", BatchMonitor()), Target("fabrikam", BatchMonitor(registry: "tailwind")));

        await h.RoundsAsync(1);
        Assert.Equal("registry 'contoso' not in the batch document", h.State("contoso").LastProbe!.Value.Error);
        Assert.Equal(1, h.State("contoso").ConsecutiveFailures);
        Assert.Equal(EndpointStatus.Online, h.State("fabrikam").Status);
    }

    [Fact]
    public async Task MalformedDocument_IsNeverHalfApplied_AndCountsAFailedPoll()
    {
        await using var h = new BatchHarness();
        h.Server.Mode = FakeBatchMode.Raw;
        h.Server.RawBody = Encoding.UTF8.GetBytes("""{"region":"eastus","version":5,"complete":true,"registries":[{"name":"contoso","status":"Healthy"},{"name":"fabrikam","status":"Healthy"}]}""");
        h.Start(Target("contoso", BatchMonitor()), Target("fabrikam", BatchMonitor()));
        await h.RoundsAsync(1);

        // The first entry would turn contoso Unhealthy; the second is not a verdict: nothing of it may count.
        h.Server.RawBody = Encoding.UTF8.GetBytes("""{"region":"eastus","version":6,"complete":true,"registries":[{"name":"contoso","status":"Unhealthy"},{"name":"fabrikam","status":"Sick"}]}""");
        await h.NextRoundAsync();
        await Poll.UntilAsync(() => h.Scheduler.Logs.GetSnapshot().Any(r => r.Id.Id == 3030), "the malformed document's failed poll");
        await h.NextRoundAsync();

        Assert.Equal(5, h.Poller.Table!.Version);
        Assert.True(h.Poller.Table.TryGet("contoso", out var verdict) && verdict.Healthy);
        foreach (string profile in new[] { "contoso", "fabrikam" })
        {
            Assert.Equal(1, h.State(profile).ConsecutiveFailures);
            Assert.Contains("malformed batch document: registry 'fabrikam' has status 'Sick'", h.State(profile).LastProbe!.Value.Error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BodyOverMaxBatchBytes_IsAFailedPoll(bool withContentLength)
    {
        await using var h = new BatchHarness();
        h.Server.Mode = FakeBatchMode.Raw;
        h.Server.RawWithLength = withContentLength;
        h.Server.RawBody = Encoding.UTF8.GetBytes($$"""{"region":"eastus","version":5,"complete":true,"registries":[{"name":"contoso","status":"Unhealthy","reason":"{{new string('x', 2000)}}"}]}""");
        h.Start(Target("contoso", BatchMonitor(maxBytes: 1024)));

        await h.RoundsAsync(1);
        var probe = h.State("contoso").LastProbe!.Value;
        Assert.False(probe.Succeeded);
        Assert.Contains("is over MaxBatchBytes (1024)", probe.Error, StringComparison.Ordinal);
        Assert.Null(h.Poller.Table);
    }

    [Fact]
    public async Task ConnectFailure_WithFallback_RunsTheFallbackOncePerOrigin()
    {
        await using var h = new BatchHarness();
        h.Server.Mode = FakeBatchMode.Refuse;
        var fallback = new FallbackMonitorOptions { Protocol = MonitorProtocol.Tcp, Port = 443 };
        h.Start(Target("contoso", BatchMonitor(fallback: fallback)), Target("fabrikam", BatchMonitor(fallback: fallback)));

        await h.RoundsAsync(1);
        await Poll.UntilAsync(() => h.Scheduler.Scheduler.States.All(s => s.State.LastProbe?.UsedFallback == true), "the fallback's result counted");
        var call = Assert.Single(h.Scheduler.Prober.Calls);
        Assert.Equal(("10.0.0.1", MonitorProtocol.Tcp, 443), (call.Target, call.Monitor.Protocol, call.Monitor.Port));
        Assert.Equal(EndpointStatus.Online, h.State("contoso").Status);
        Assert.Equal(EndpointStatus.Online, h.State("fabrikam").Status);

        await h.NextRoundAsync();
        await Poll.UntilAsync(() => h.Scheduler.Prober.Calls.Count >= 2, "the second round's fallback");
        Assert.Equal(2, h.Scheduler.Prober.Calls.Count);
    }

    [Fact]
    public async Task LongPollChange_CountsAtOnce_ForThatRegistryOnly()
    {
        await using var h = new BatchHarness();
        h.Server.Set("contoso", true);
        h.Server.Set("fabrikam", true);
        h.Start(Target("contoso", BatchMonitor(tolerated: 0)), Target("fabrikam", BatchMonitor(tolerated: 0)));
        await h.RoundsAsync(1);
        await h.HeldAsync();

        h.Server.Set("contoso", false); // no clock movement: the long poll delivers it

        await Poll.UntilAsync(() => h.State("contoso").Status == EndpointStatus.Degraded, "contoso degraded by the long poll");
        Assert.Equal(1, h.State("fabrikam").ConsecutiveSuccesses);
        Assert.Equal(1, h.Poller.Rounds);
    }

    [Fact]
    public async Task NotModified_KeepsTheTableLive_AndAServerIgnoringWaitIsAskedOncePerRound()
    {
        await using var h = new BatchHarness();
        h.Server.Set("contoso", true);
        h.Server.Mode = FakeBatchMode.IgnoreWait;
        h.Start(Target("contoso", BatchMonitor()));
        await h.RoundsAsync(1);
        await h.PollsAsync(2);

        await h.NextRoundAsync();
        await h.PollsAsync(3); // the loop is parked again before the clock moves
        await h.NextRoundAsync();
        await h.PollsAsync(4);

        Assert.Equal(4, h.Server.Requests.Count); // the full GET, then one 304 per round
        Assert.Equal(3, h.State("contoso").ConsecutiveSuccesses);
    }

    [Fact]
    public async Task RequestsPerInterval_AreTheNumberOfOrigins()
    {
        await using var h = new BatchHarness();
        var targets = new List<ProbeTarget>();
        foreach (int i in Enumerable.Range(0, 6))
        {
            h.Server.Set("r" + i, true);
            targets.Add(Target("r" + i, BatchMonitor(), "eastus", "10.0.0.1"));
            targets.Add(Target("r" + i, BatchMonitor(), "westus", "10.0.0.2"));
        }

        h.Start([.. targets]);
        await h.RoundsAsync(1);
        foreach (int _ in Enumerable.Range(0, 5))
        {
            await Poll.UntilAsync(() => h.Server.Held == 2, "both origins' long polls held");
            await h.NextRoundAsync();
        }

        Assert.Equal(2, h.Monitor.Pollers.Count);
        // A full GET and at most about one long poll per interval per origin, not one per profile (6 per interval): how
        // many long polls a held one took depends on when the loop re-asked, so only the upper bound is the rule.
        Assert.InRange(h.Server.RequestsTo("10.0.0.1"), 1, 7);
        Assert.InRange(h.Server.RequestsTo("10.0.0.2"), 1, 7);
        Assert.All(h.Scheduler.Scheduler.States, s => Assert.Equal(6, s.State.ConsecutiveSuccesses));
    }
}
