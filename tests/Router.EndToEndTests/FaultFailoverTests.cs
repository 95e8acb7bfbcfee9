using System.Globalization;
using Router.EndToEndTests.TestSupport;
using Router.EndToEndTests.ThreeRegions;
using Xunit.Abstractions;

namespace Router.EndToEndTests;

/// <summary>
/// Every fault kind of the sample, injected in the home region (eastus) by <c>three-regions.sh fault</c>: the names the
/// fault breaks move to another region within the failover bound (measured here by polling <c>dig</c> inside the
/// namespace), a pull by name then succeeds, the names it does not break never leave eastus, and <c>heal</c> brings the
/// moved names back after the recovery thresholds.
/// </summary>
public sealed class FaultFailoverTests(ThreeRegionsTopology topology, ITestOutputHelper output) : EndToEndTest(topology, output)
{
    /// <summary>Fault kind, its argument, the tenants it must move, the tenants that must stay.</summary>
    public static TheoryData<string, string, string[], string[]> Faults => new()
    {
        // contoso and tailwind share storage account sa-1; fabrikam is on sa-2 and must not move.
        { "storage-unreadable", "sa-1", ["contoso", "tailwind"], ["fabrikam"] },
        { "storage-wiped", "sa-1", ["contoso", "tailwind"], ["fabrikam"] },
        { "disk-full", "sa-1", ["contoso", "tailwind"], ["fabrikam"] },

        // The region's cache and auth serve every tenant.
        { "cache-down", "", ["contoso", "fabrikam", "tailwind"], [] },
        { "cache-hung", "", ["contoso", "fabrikam", "tailwind"], [] },
        { "auth-rejected", "", ["contoso", "fabrikam", "tailwind"], [] },

        // One tenant's registry process.
        { "registry-killed", "contoso", ["contoso"], ["fabrikam", "tailwind"] },
        { "registry-hung", "contoso", ["contoso"], ["fabrikam", "tailwind"] },

        // Only contoso uses metadata search (the region's PostgreSQL).
        { "metadata-down", "", ["contoso"], ["fabrikam", "tailwind"] },

        { "region-unreachable", "", ["contoso", "fabrikam", "tailwind"], [] },
    };

    /// <summary>
    /// The most a batch-mode router may take to act on the monitor's verdict (answer changed − registry transition, both
    /// from the processes' logs) before the test fails. The goal is under 1 s (the long poll delivers a change within
    /// milliseconds; it is printed beside the measurement), the bound is generous so a loaded 2-core machine cannot flake
    /// it — yet below probe mode's (interval + timeout) × (tolerated + 1) = 6 s of the sample, so a router that waited
    /// for its next round instead of the long poll would fail it.
    /// </summary>
    private static readonly TimeSpan BatchVerdictToAnswerLimit = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LogOrderSlack = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan BatchVerdictToAnswerGoal = TimeSpan.FromSeconds(1);

    [Theory]
    [MemberData(nameof(Faults))]
    public Task Fault_InHomeRegion_BrokenNamesMoveWithinBoundAndPull_OthersStay_HealMovesBack(string kind, string arg, string[] moves, string[] stays) =>
        FailOverAndHealAsync(kind, arg, moves, stays);

    /// <summary>
    /// The same storage wipe with the router in batch mode (<c>THREE_REGIONS_MONITOR_MODE=Batch three-regions.sh up</c>:
    /// one long poll of each region's <c>/health/registries</c> serves every profile): the same failover, isolation, pull and
    /// return as in probe mode, and the answer moves (and comes back) within a second of the monitor's verdict.
    /// The cleanup switches the router back to probe mode.
    /// </summary>
    [Fact]
    public async Task StorageWiped_InBatchMode_AnswerMovesWithinASecondOfTheMonitorsVerdict_OthersStay_HealMovesBack()
    {
        await Topology.SwitchMonitorModeAsync("Batch", Output);
        await FailOverAndHealAsync("storage-wiped", "sa-1", ["contoso", "tailwind"], ["fabrikam"]);
    }

    private async Task FailOverAndHealAsync(string kind, string arg, string[] moves, string[] stays)
    {
        // Arrange: every name answers eastus (checked by the base class), and the poller sees that too.
        string mode = Topology.MonitorMode;
        string label = kind + (arg.Length > 0 ? " " + arg : "") + (mode == "Probe" ? "" : $" ({mode} mode)");
        await using var poller = new AnswerPoller(Topology);
        var baseline = TestClock.Now;
        await poller.WaitUntilAsync(p => Config.Tenants.All(t => p.Of(t, baseline).Count > 0), baseline + TimeSpan.FromSeconds(10));
        foreach (string tenant in Config.Tenants)
        {
            var first = poller.Of(tenant, baseline).FirstOrDefault();
            Assert.True(first?.Address == HomeFront, $"before the fault {Config.Name(tenant)} answered {first?.Address} ({first?.Status}), not {Home}");
        }

        // Act: inject with the script (which watches too), while polling every name ourselves.
        var faultAt = TestClock.Now;
        var faultUtc = DateTime.UtcNow;
        string[] command = arg.Length > 0 ? ["fault", Home, kind, arg] : ["fault", Home, kind];
        var faultTask = Topology.ScriptAsync(Topology.FaultTimeout, watch: true, onLine: null, command);
        var deadline = faultAt + Bounds.Failover;
        bool moved = await poller.WaitUntilAsync(p => moves.All(t => p.First(t, faultAt, o => o.Answered && o.Address != HomeFront) is not null), deadline);

        // Assert: each broken name moved to another region within the bound.
        if (!moved)
        {
            var stuck = moves.Where(t => poller.First(t, faultAt, o => o.Answered && o.Address != HomeFront) is null);
            throw await FailureAsync($"{label} in {Home}: {string.Join(", ", stuck.Select(Config.Name))} did not move within the bound {Seconds(Bounds.Failover)} ({Bounds})",
                poller, faultAt, await faultTask);
        }

        var failovers = new Dictionary<string, TimeSpan>();
        foreach (string tenant in moves)
        {
            var first = poller.First(tenant, faultAt, o => o.Answered && o.Address != HomeFront)!;
            string region = Config.RegionOf(first.Address);
            Assert.True(Config.Fronts.ContainsKey(region), $"{Config.Name(tenant)} moved to {first.Address}, which is no region's address");
            failovers[tenant] = first.At - faultAt;
            Report($"{tenant}: {Home} -> {region} after {Seconds(first.At - faultAt)} (bound {Seconds(Bounds.Failover)})");
        }

        // A pull by name (skopeo resolving through Router) now succeeds, from the region the name moved to.
        foreach (string tenant in moves)
        {
            var pullAt = TestClock.Now;
            var (digest, pull) = await Topology.PullAsync(tenant);
            var pullEnd = TestClock.Now;

            // The answer the name had: the last observation before the pull, those during it, and the first after it.
            await poller.WaitUntilAsync(p => p.Of(tenant, pullEnd).Count > 0, pullEnd + TimeSpan.FromSeconds(10));
            var around = poller.Of(tenant, TimeSpan.Zero, pullAt).TakeLast(1)
                .Concat(poller.Of(tenant, pullAt, pullEnd))
                .Concat(poller.Of(tenant, pullEnd).Take(1)).ToList();
            if (digest != Topology.CanaryDigest)
            {
                throw await FailureAsync($"{label}: the pull of {Config.Name(tenant)} by name after the failover failed (got digest '{digest}', expected {Topology.CanaryDigest})",
                    poller, faultAt, pull);
            }

            Assert.True(around.Count > 0 && around.All(o => o.Address != HomeFront),
                $"{Config.Name(tenant)} answered {Home} around the pull: {string.Join(", ", around.Select(o => Config.RegionOf(o.Address)))}");
            Report($"{tenant}: pull by name succeeded in {Seconds(pull.Elapsed)} from {Config.RegionOf(around[^1].Address)} ({digest})");
        }

        // Isolation: what the fault does not break never leaves eastus, for the whole failover window.
        if (stays.Length > 0)
        {
            await poller.WaitThroughAsync(deadline);
            await AssertStayedHomeAsync(poller, stays, faultAt, deadline, $"{label} does not affect it");
        }

        var fault = await faultTask;
        Output.WriteLine(fault.ToString());
        Assert.True(fault.Succeeded, $"three-regions.sh fault failed:{Environment.NewLine}{fault}");

        // Heal: the moved names come back once the monitor has SuccessesToHealthy successes and the router its next probe.
        var healAt = TestClock.Now;
        var healed = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var healTask = Topology.ScriptAsync(Topology.HealTimeout, watch: true, onLine: l =>
        {
            if (l.Text.Contains(" healed: ", StringComparison.Ordinal))
            {
                healed.TrySetResult(l.At);
            }
        }, "heal");
        var repairedAt = await Task.WhenAny(healed.Task, healTask) == healed.Task ? await healed.Task : (TimeSpan?)null;
        if (repairedAt is null)
        {
            throw await FailureAsync($"{label}: heal did not report the repair", poller, healAt, await healTask);
        }

        var repairedUtc = DateTime.UtcNow - (TestClock.Now - repairedAt.Value);
        var backDeadline = repairedAt.Value + Bounds.RecoveryMax;
        bool back = await poller.WaitUntilAsync(p => moves.All(t => p.First(t, repairedAt.Value, o => o.Address == HomeFront) is not null), backDeadline);
        var heal = await healTask;
        Output.WriteLine(heal.ToString());
        if (!back)
        {
            throw await FailureAsync($"{label}: after heal the names did not come back to {Home} within {Seconds(Bounds.RecoveryMax)}", poller, repairedAt.Value, heal);
        }

        Assert.True(heal.Succeeded, $"three-regions.sh heal failed:{Environment.NewLine}{heal}");

        // heal has waited for every endpoint Online; one more round of answers, then judge the return: when the name
        // first answered eastus again, and when it did for good (the same unless it flapped).
        var settled = TestClock.Now;
        await poller.WaitUntilAsync(p => Config.Tenants.All(t => p.Of(t, settled).Count > 0), settled + TimeSpan.FromSeconds(10));
        var recoveries = new Dictionary<string, TimeSpan>();
        foreach (string tenant in moves)
        {
            var after = poller.Of(tenant, repairedAt.Value).ToList();
            var first = after.First(o => o.Address == HomeFront);
            int lastAway = after.FindLastIndex(o => o.Address != HomeFront);
            if (lastAway == after.Count - 1)
            {
                throw await FailureAsync($"{label}: {Config.Name(tenant)} left {Home} again after heal", poller, repairedAt.Value, heal);
            }

            var stable = after[lastAway + 1];
            recoveries[tenant] = stable.At - repairedAt.Value;
            var firstBack = first.At - repairedAt.Value;
            if (stable != first || firstBack < Bounds.RecoveryMin)
            {
                // Came back sooner than the monitor's recovery thresholds allow, or flapped: name the probes that did it.
                var online = Topology.LogLinesSince("router/router.log", repairedUtc, $"Endpoint {tenant}/{Home} is Online (was Degraded)");
                throw await FailureAsync($"{Config.Name(tenant)} came back {Seconds(firstBack)} after the repair{(stable != first ? " and flapped" : "")}, " +
                    $"sooner than the recovery thresholds allow ({Seconds(Bounds.RecoveryMin)}):{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", online)}",
                    poller, repairedAt.Value, heal);
            }

            Assert.True(recoveries[tenant] <= Bounds.RecoveryMax,
                $"{Config.Name(tenant)} came back {Seconds(recoveries[tenant])} after the repair, later than {Seconds(Bounds.RecoveryMax)}");
            Report($"{tenant}: back on {Home} {Seconds(recoveries[tenant])} after the repair (between {Seconds(Bounds.RecoveryMin)} and {Seconds(Bounds.RecoveryMax)})");
        }

        var (backDigest, backPull) = await Topology.PullAsync(moves[0]);
        Assert.True(backDigest == Topology.CanaryDigest, $"the pull of {Config.Name(moves[0])} after heal failed:{Environment.NewLine}{backPull}");

        Report($"answers seen (seconds after the fault {Home} {label}):{Environment.NewLine}{poller.Summary(faultAt, faultAt).TrimEnd()}");
        await WriteTimelineAsync($"{Home} {label}");

        // The monitor's verdict -> the router's answer, both ways, for the first moved name (from the logs).
        var failover = VerdictToAnswer.Failover(Topology, Home, moves[0], faultUtc);
        var recovery = VerdictToAnswer.Heal(Topology, Home, moves[0], repairedUtc);
        Report($"{moves[0]} failover ({mode} mode): {failover}");
        Report($"{moves[0]} heal ({mode} mode): {recovery}");
        if (mode == "Batch")
        {
            AssertBatchVerdictToAnswer(moves[0], "failover", failover);
            AssertBatchVerdictToAnswer(moves[0], "heal", recovery);
        }

        Topology.Record(string.Create(CultureInfo.InvariantCulture,
            $"{label,-22} moved {string.Join(", ", moves.Select(t => $"{t} {failovers[t].TotalSeconds:0.0} s"))} (bound {Bounds.Failover.TotalSeconds:0} s); " +
            $"stayed: {(stays.Length == 0 ? "-" : string.Join(", ", stays))}; back after heal: {string.Join(", ", moves.Select(t => $"{t} {recoveries[t].TotalSeconds:0.0} s"))}; " +
            $"{moves[0]} answer after the monitor's verdict: moved {VerdictToAnswer.Delay(failover.ToAnswer)}, back {VerdictToAnswer.Delay(recovery.ToAnswer)}"));
    }

    private void AssertBatchVerdictToAnswer(string tenant, string what, VerdictToAnswer measured)
    {
        Assert.True(measured.ToAnswer is not null, $"{tenant} {what} in batch mode: the monitor's verdict or the router's answer change was not logged: {measured}");
        var delay = measured.ToAnswer!.Value;
        Report($"{tenant} {what} in batch mode: answer changed {VerdictToAnswer.Delay(delay)} after the monitor's verdict " +
               $"(goal < {Seconds(BatchVerdictToAnswerGoal)}: {(delay < BatchVerdictToAnswerGoal ? "met" : "MISSED")}; asserted <= {Seconds(BatchVerdictToAnswerLimit)})");
        // The monitor logs its verdict just after publishing it, and a long poll may carry it to the router (which logs
        // the answer change) before that line is written: a few milliseconds "before" the verdict are the same moment.
        Assert.True(delay >= -LogOrderSlack && delay <= BatchVerdictToAnswerLimit,
            $"{tenant} {what} in batch mode: the answer changed {VerdictToAnswer.Delay(delay)} after the monitor's verdict, not within {Seconds(BatchVerdictToAnswerLimit)}: {measured}");
    }
}
