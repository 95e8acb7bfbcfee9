using System.Diagnostics;
using Router.Cluster.AcceptanceTests.TestSupport;
using Xunit.Abstractions;

namespace Router.Cluster.AcceptanceTests;

/// <summary>Acceptance 3: a region that really fails moves every instance's answer within the single-instance bound + 1 s.</summary>
public sealed class RealFailureTests(ClusterTopology topology, ITestOutputHelper output) : ClusterTest(topology, output)
{
    /// <summary>(ToleratedFailures + 1) × IntervalSeconds + TimeoutSeconds, plus the 1 s the acceptance allows the cluster.</summary>
    private static readonly TimeSpan Bound = ClusterConfig.SingleInstanceBound + TimeSpan.FromSeconds(1);

    [Fact]
    public async Task EastusHealthUrlReturns503_AllThreeMoveWithinSingleInstanceBoundPlus1s_ToTheSameAnswer()
    {
        // Act: eastus's health URL answers 503 to every instance.
        var clock = Stopwatch.StartNew();
        Topology.Health.Set("eastus", 503);
        var moved = await TimesUntilAnswerAsync(clock, Routers, "westeurope", Bound + Overrun);

        // Assert: each within the bound, and all three give the same answer (the agreed status).
        foreach (var (router, time) in Routers.Zip(moved))
        {
            await AssertWithinAsync($"eastus 503 -> {router.Id} answers westeurope", time, Bound);
        }

        var answers = await Task.WhenAll(Routers.Select(r => r.AnswerAsync()));
        Assert.All(answers, a => Assert.Equal([ClusterConfig.Targets["westeurope"]], a));
        foreach (var router in Routers)
        {
            var eastus = await router.EndpointAsync("eastus");
            Assert.Equal("Degraded", eastus.GetProperty("status").GetString());
            Assert.Equal(3, eastus.GetProperty("views").EnumerateArray().Count(v => v.GetProperty("status").GetString() == "Degraded"));
        }

        // And back: eastus healthy again brings every instance back to it.
        clock.Restart();
        Topology.Health.Set("eastus", 200);
        var back = await TimesUntilAnswerAsync(clock, Routers, "eastus", Bound + Overrun);
        foreach (var (router, time) in Routers.Zip(back))
        {
            await AssertWithinAsync($"eastus 200 again -> {router.Id} answers eastus", time, Bound);
        }
    }
}
