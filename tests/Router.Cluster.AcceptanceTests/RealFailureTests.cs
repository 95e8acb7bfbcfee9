using System.Diagnostics;
using Router.Cluster.AcceptanceTests.TestSupport;
using Router.Testing;
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
            // The answer moves once a majority (two) sees eastus Degraded; the third view follows within its own bound.
            Assert.Equal("Degraded", (await router.EndpointAsync("eastus")).GetProperty("status").GetString());
            Assert.True(await Poll.TryUntilAsync(async () => (await router.EndpointAsync("eastus")).GetProperty("views").EnumerateArray()
                    .Count(v => v.GetProperty("status").GetString() == "Degraded") == 3, Bound + Overrun),
                $"{router.Id} does not show all three views of eastus Degraded: {await router.EndpointAsync("eastus")}");
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
