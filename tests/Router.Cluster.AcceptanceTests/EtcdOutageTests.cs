using System.Diagnostics;
using System.Net;
using Router.Cluster.AcceptanceTests.TestSupport;
using Router.Testing;
using Router.Testing.Etcd;
using Xunit.Abstractions;

namespace Router.Cluster.AcceptanceTests;

/// <summary>
/// Acceptance 4 and 5: the store is never on the answer path. Losing the etcd leader changes no answer; losing all of
/// etcd leaves every instance answering on its own view with the last manual settings (kept on disk), refusing manual
/// switches, and converging again within 2 s of etcd's return.
/// </summary>
public sealed class EtcdOutageTests(ClusterTopology topology, ITestOutputHelper output) : ClusterTest(topology, output)
{
    /// <summary>How long an instance may take to notice that etcd is gone (not fixed by the acceptance: generous).</summary>
    private static readonly TimeSpan NoticeOutage = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task EtcdLeaderKilled_NoAnswerChanges_ManualSwitchAfterwardsReachesEveryInstance()
    {
        // Act: the etcd leader is killed (SIGKILL).
        int? leader = null;
        Assert.True(await Poll.TryUntilAsync(async () => (leader = await Topology.Etcd.LeaderIndexAsync()) is not null, TimeSpan.FromSeconds(10)),
            $"the etcd members do not agree on a leader.{Environment.NewLine}{Topology.Etcd.Log}");
        Report($"etcd leader: member {leader}; killing it");
        await Topology.Etcd.KillAsync(leader!.Value);

        // Assert: no answer changes while the others elect a new leader.
        await AssertAnswersStayAsync(Routers, "eastus", TimeSpan.FromSeconds(3), "etcd leader killed");

        // A manual switch made afterwards reaches every instance (retried while the PUT says the store is unavailable:
        // a PUT refused during the election changes nothing, which is the contract).
        var since = Stopwatch.StartNew();
        var clock = new Stopwatch();
        (HttpStatusCode Status, string Body) put = default;
        bool written = await Poll.TryUntilAsync(async () =>
        {
            clock.Restart();
            put = await Instance(1).PutEnabledAsync("eastus", enabled: false);
            return put.Status == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(20));
        Assert.True(written, $"the PUT after the leader was killed kept failing: {(int)put.Status} {put.Body}");
        Report($"PUT after the leader was killed: 200 {since.Elapsed.TotalSeconds:0.000} s after the first attempt, that attempt took {clock.Elapsed.TotalSeconds:0.000} s");

        // Timed from the start of the PUT that was taken.
        var moved = await TimesUntilAnswerAsync(clock, Routers, "westeurope", TimeSpan.FromSeconds(1) + Overrun);
        foreach (var (router, time) in Routers.Zip(moved))
        {
            await AssertWithinAsync($"manual switch after the leader's loss -> {router.Id} answers westeurope", time, TimeSpan.FromSeconds(1));
        }
    }

    [Fact]
    public async Task AllEtcdMembersStopped_InstancesKeepAnsweringWithSettings_PutRefused_RestartKeepsSettings_RealFailureFailsOver_ConvergeWithin2s()
    {
        // Arrange: a manual setting every instance has: westeurope disabled (eastus answers; eastasia is next).
        var (status, body) = await Instance(1).PutEnabledAsync("westeurope", enabled: false);
        Assert.True(status == HttpStatusCode.OK, $"PUT answered {(int)status}: {body}");
        foreach (var router in Routers)
        {
            Assert.True(await Poll.TryUntilAsync(() => IsDisabledAsync(router, "westeurope"), TimeSpan.FromSeconds(5)), $"{router.Id} does not see westeurope disabled");
        }

        // Act 1: every etcd member stopped.
        var clock = Stopwatch.StartNew();
        await Topology.Etcd.StopAllAsync();
        Report($"etcd: every member stopped (SIGTERM, waited for) after {clock.Elapsed.TotalSeconds:0.000} s");
        clock.Restart();
        var local = await Task.WhenAll(Routers.Select(r => TimeUntilAsync(clock,
            async () => await r.TryGetAsync("api/cluster") is { } c && ClusterTopology.State(c) == "LocalView", NoticeOutage)));

        // Assert 1: each notices (status line "cluster: local view since ..."), and keeps answering eastus.
        foreach (var (router, time) in Routers.Zip(local))
        {
            await AssertWithinAsync($"etcd members all stopped -> {router.Id} /api/cluster LocalView", time, NoticeOutage);
            string text = await router.StatusAsync();
            Assert.Contains("cluster: local view since ", text, StringComparison.Ordinal);
            Report($"router status on {router.Id} during the outage:{Environment.NewLine}{text}");
        }

        await AssertAnswersStayAsync(Routers, "eastus", TimeSpan.FromSeconds(2), "etcd down, last manual settings kept");

        // A PUT is refused with 503 and the reason, and changes nothing.
        (status, body) = await Instance(2).PutEnabledAsync("westeurope", enabled: true);
        Report($"PUT during the outage: {(int)status} {body}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("\"error\"", body, StringComparison.Ordinal);
        foreach (var router in Routers)
        {
            Assert.True(await IsDisabledAsync(router, "westeurope"), $"{router.Id} enabled westeurope after a refused PUT");
        }

        // An instance restarted during the outage comes back with the settings (from its local disk).
        await Instance(2).KillAsync();
        await Instance(2).StartAsync();
        Assert.True(await IsDisabledAsync(Instance(2), "westeurope"), $"router-2 restarted during the outage forgot that westeurope is disabled: {await Instance(2).EndpointAsync("westeurope")}");
        Assert.Equal("LocalView", ClusterTopology.State(await Instance(2).GetAsync("api/cluster")));

        // Act 2: eastus really fails during the outage.
        clock.Restart();
        Topology.Health.Set("eastus", 503);
        var bound = ClusterConfig.SingleInstanceBound + TimeSpan.FromSeconds(1);
        var failedOver = await TimesUntilAnswerAsync(clock, Routers, "eastasia", bound + Overrun);

        // Assert 2: each instance, on its own view, moves to eastasia (westeurope is still disabled by hand).
        foreach (var (router, time) in Routers.Zip(failedOver))
        {
            await AssertWithinAsync($"etcd down, eastus 503 -> {router.Id} answers eastasia (own view)", time, bound);
        }

        // Act 3: etcd started again.
        clock.Restart();
        Topology.Etcd.StartAll();
        Assert.True(await Topology.Etcd.WaitHealthyAsync(EtcdCluster.StartupTimeout), $"etcd did not start again.{Environment.NewLine}{Topology.Etcd.Log}");
        var etcdBack = clock.Elapsed;
        var converged = await Task.WhenAll(Routers.Select(r => TimeUntilAsync(clock, () => IsConvergedAsync(r), etcdBack + TimeSpan.FromSeconds(2) + Overrun)));

        // Assert 3: within 2 s of etcd answering, every instance is Connected, sees all three, holds three views of
        // eastus (all Degraded: the agreed status) and answers eastasia like the others.
        Report($"etcd started again: answering after {etcdBack.TotalSeconds:0.000} s");
        foreach (var (router, time) in Routers.Zip(converged))
        {
            await AssertWithinAsync($"etcd answering again -> {router.Id} converged", time - etcdBack, TimeSpan.FromSeconds(2));
        }
    }

    private static async Task<bool> IsDisabledAsync(ClusterRouter router, string endpoint) =>
        !(await router.EndpointAsync(endpoint)).GetProperty("enabled").GetBoolean();

    private async Task<bool> IsConvergedAsync(ClusterRouter router)
    {
        if (!await Topology.IsConnectedToAllAsync(router) || await router.AnsweredRegionAsync() != "eastasia")
        {
            return false;
        }

        var eastus = await router.EndpointAsync("eastus");
        return eastus.GetProperty("status").GetString() == "Degraded" && eastus.GetProperty("views").GetArrayLength() == 3;
    }
}
