using System.Diagnostics;
using Router.Cluster.AcceptanceTests.TestSupport;
using Router.Testing;
using Xunit.Abstractions;

namespace Router.Cluster.AcceptanceTests;

/// <summary>
/// Acceptance 2 and 6: one instance's dissenting view moves nothing under Majority and everything under Any; a killed
/// instance drops out within LeaseSeconds and the quorum is then taken over the instances that remain.
/// </summary>
public sealed class QuorumTests(ClusterTopology topology, ITestOutputHelper output) : ClusterTest(topology, output)
{
    [Fact]
    public async Task Instance3AloneCutOffFromEastus_MajorityMovesNothingAndShowsTheDissent_AnyMovesAll()
    {
        // Act: eastus's health port is unreachable for router-3 alone; clients and the other instances still reach it.
        var clock = Stopwatch.StartNew();
        await Topology.Health.CutThirdOffAsync("eastus");

        // router-3's own view turns Degraded after its probes fail (its single-instance bound), and is published.
        var dissent = await TimeUntilAsync(clock, async () => await ViewAsync(Instance(1), "eastus", "router-3") == "Degraded",
            ClusterConfig.SingleInstanceBound + Overrun);
        await AssertWithinAsync("eastus cut off for router-3 -> router-1 shows router-3's view Degraded", dissent, ClusterConfig.SingleInstanceBound + TimeSpan.FromSeconds(1));

        // Assert (Majority): one Degraded view of three moves no answer, for 3 s more (three more probes by each instance).
        await AssertAnswersStayAsync(Routers, "eastus", TimeSpan.FromSeconds(3), "Majority: 1 of 3 instances sees eastus Degraded");
        foreach (var router in Routers)
        {
            Assert.Equal("Online", (await router.EndpointAsync("eastus")).GetProperty("status").GetString());
            Assert.Equal("Degraded", await ViewAsync(router, "eastus", "router-3"));
            string status = await router.StatusAsync();
            Report($"router status on {router.Id}:{Environment.NewLine}{status}");
            // The contract's line: "cluster: connected, 3 instances (...), quorum Majority; this is router-N".
            Assert.True(status.Split('\n').Any(line => line.StartsWith(
                    $"cluster: connected, 3 instances (router-1, router-2, router-3), quorum Majority; this is {router.Id}", StringComparison.Ordinal)),
                $"router status on {router.Id} does not say it is connected to the three with quorum Majority:{Environment.NewLine}{status}");
            Assert.True(status.Split('\n').Any(line => line.Contains("eastus", StringComparison.Ordinal) && line.Contains("router-3 Degraded", StringComparison.Ordinal)),
                $"router status on {router.Id} does not show router-3's Degraded view of eastus:{Environment.NewLine}{status}");
        }

        string explain = await Instance(2).ExplainAsync();
        Report($"router explain on router-2:{Environment.NewLine}{explain}");
        Assert.True(explain.Split('\n').Any(line => line.Contains("eastus", StringComparison.Ordinal) && line.Contains("router-3 Degraded", StringComparison.Ordinal)),
            $"router explain on router-2 does not name router-3 as the instance that sees eastus Degraded:{Environment.NewLine}{explain}");

        // Arrange (Any): the same three instances started again with Quorum Any, eastus reachable for all of them.
        await Topology.Health.RestoreAsync();
        foreach (var router in Routers)
        {
            await router.KillAsync();
        }

        await Task.WhenAll(Routers.Select(r => r.StartAsync("Any")));
        if (!await Poll.TryUntilAsync(Topology.IsSettledAsync, TimeSpan.FromSeconds(60)))
        {
            throw await Topology.FailureAsync("the instances started with Quorum Any did not settle within 60 s");
        }

        // Act (Any): router-3 alone is cut off from eastus again.
        clock.Restart();
        await Topology.Health.CutThirdOffAsync("eastus");
        var moved = await TimesUntilAnswerAsync(clock, Routers, "westeurope", ClusterConfig.SingleInstanceBound + Overrun);

        // Assert (Any): one Degraded view is enough: all three move, to the same answer.
        foreach (var (router, time) in Routers.Zip(moved))
        {
            await AssertWithinAsync($"Any: eastus cut off for router-3 -> {router.Id} answers westeurope", time, ClusterConfig.SingleInstanceBound + TimeSpan.FromSeconds(1));
            var eastus = await router.EndpointAsync("eastus");
            Assert.Equal("Degraded", eastus.GetProperty("status").GetString());
            Assert.Equal(router.Id == "router-3" ? "Degraded" : "Online", eastus.GetProperty("ownStatus").GetString());
        }

        string any = await Instance(1).StatusAsync();
        Report($"router status on router-1 (Any):{Environment.NewLine}{any}");
        Assert.Contains("quorum Any", any, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InstanceKilled_DropsOutWithinLease_QuorumOverTheTwoThatRemain()
    {
        // Arrange: router-1 and router-2 see eastus failing, router-3 sees it healthy: 2 of 3 is a majority, so every
        // instance answers westeurope.
        Topology.Health.SetShared("eastus", 503);
        var clock = Stopwatch.StartNew();
        var moved = await TimesUntilAnswerAsync(clock, Routers, "westeurope", ClusterConfig.SingleInstanceBound + Overrun);
        Assert.All(moved, m => Assert.NotNull(m));
        Assert.Equal("Online", await ViewAsync(Instance(1), "eastus", "router-3"));

        // Act: router-2 is killed (SIGKILL: it revokes nothing).
        clock.Restart();
        await Instance(2).KillAsync();
        var remaining = new[] { Instance(1), Instance(3) };
        var droppedOut = await Task.WhenAll(remaining.Select(r => TimeUntilAsync(clock,
            async () => await r.TryGetAsync("api/cluster") is { } c && !ClusterTopology.Instances(c).Contains("router-2"),
            TimeSpan.FromSeconds(ClusterConfig.LeaseSeconds) + Overrun)));

        // Assert: gone from the others' /api/cluster within LeaseSeconds (the store asks etcd for a second less, which
        // covers the last keep-alive's age and etcd's 500 ms revoke tick); the quorum is now over router-1 (Degraded)
        // and router-3 (Online): 1 of 2 is no majority, so eastus is answered again.
        var lease = TimeSpan.FromSeconds(ClusterConfig.LeaseSeconds);
        for (int i = 0; i < remaining.Length; i++)
        {
            await AssertWithinAsync($"router-2 killed -> gone from {remaining[i].Id}'s /api/cluster (LeaseSeconds {ClusterConfig.LeaseSeconds})", droppedOut[i], lease);
        }

        var back = await TimesUntilAnswerAsync(clock, remaining, "eastus", lease + Overrun);
        for (int i = 0; i < remaining.Length; i++)
        {
            await AssertWithinAsync($"router-2 killed -> {remaining[i].Id} answers eastus (1 Degraded view of 2)", back[i], lease);
        }

        foreach (var router in remaining)
        {
            var cluster = await router.GetAsync("api/cluster");
            Assert.Equal(["router-1", "router-3"], ClusterTopology.Instances(cluster));
            var eastus = await router.EndpointAsync("eastus");
            Assert.Equal(2, eastus.GetProperty("views").GetArrayLength());
        }
    }
}
