using System.Globalization;
using System.Text.Json;
using Router.EndToEndTests.TestSupport;
using Router.EndToEndTests.ThreeRegions;
using Router.Testing;
using Xunit.Abstractions;

namespace Router.EndToEndTests;

/// <summary>
/// What must never cause a failover: a blip shorter than the thresholds, the region's health monitor dying (the router
/// falls back to the registry's own <c>/v2/</c>: fail-open), and a real fault while the monitor's kill switch
/// (<c>DeepEvaluation: Disabled</c>) is on. In each case every name answers eastus for the whole failover bound.
/// </summary>
public sealed class NothingMovesTests(ThreeRegionsTopology topology, ITestOutputHelper output) : EndToEndTest(topology, output)
{
    private const int MaxBlipAttempts = 4;

    [Fact]
    public async Task CacheHungShorterThanThresholds_FailsAProbe_MovesNothing()
    {
        // Arrange: watch the cache resource on eastus's monitor (failures seen, state) beside the answers.
        await using var poller = new AnswerPoller(Topology);
        var resource = new CacheWatch(Topology, Home, Config.CacheResource);
        var firstFaultAt = TestClock.Now;
        var firstFaultUtc = DateTime.UtcNow;
        var lastFaultAt = firstFaultAt;

        // Act: SIGSTOP the cache just before its next probe, SIGCONT it (FailuresToUnhealthy − 1) × interval × 0.75 later,
        // so the probe fails but the next one succeeds. Repeated (bounded) until a probe is seen failing.
        int attempt = 0;
        while (attempt < MaxBlipAttempts && resource.MaxFailures == 0)
        {
            attempt++;
            var next = await resource.NextProbeStartAsync(Bounds.MonitorInterval);
            var lead = TimeSpan.FromMilliseconds(300);
            var wait = next - lead - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            // The signals go straight to redis (kill(2)), not through the script's fault/heal: the blip's length must
            // not include starting two scripts, which takes seconds on a loaded machine.
            int pid = RedisPid(Home);
            lastFaultAt = TestClock.Now;
            ProcessSignals.Send(pid, ProcessSignals.Stop);
            var stopped = TestClock.Now;
            try
            {
                await Task.Delay(Bounds.Blip);
            }
            finally
            {
                ProcessSignals.Send(pid, ProcessSignals.Continue);
            }

            var healed = TestClock.Now;

            // At most this long was redis stopped: from before SIGSTOP to after SIGCONT.
            var hungAtMost = healed - lastFaultAt;
            Report($"blip {attempt}: cache (redis pid {pid}) hung for at most {Seconds(hungAtMost)} (at least {Seconds(healed - stopped)}); " +
                             $"the threshold needs {Bounds.FailuresToUnhealthy} failures, {Seconds(Bounds.BlipLimit)} of probes");
            Assert.True(hungAtMost < Bounds.BlipLimit,
                $"the blip lasted up to {Seconds(hungAtMost)}, not shorter than (FailuresToUnhealthy − 1) × interval = {Seconds(Bounds.BlipLimit)}");

            // The failed probe's result is recorded at its timeout.
            await Task.Delay(TimeSpan.FromSeconds(Bounds.MonitorTimeout + 0.7));
        }

        await poller.WaitThroughAsync(lastFaultAt + Bounds.Failover);
        await resource.DisposeAsync();

        // Assert: the blip bit (a probe failed), never reached the threshold, and no name moved.
        Report($"cache probes: at most {resource.MaxFailures} consecutive failure(s) seen, states seen: {string.Join(", ", resource.States)}");
        if (resource.MaxFailures == 0)
        {
            throw await FailureAsync($"in {attempt} blips no cache probe failed: the test would prove nothing", poller, firstFaultAt);
        }

        Assert.True(resource.MaxFailures < Bounds.FailuresToUnhealthy, $"the cache reached {resource.MaxFailures} consecutive failures");
        Assert.DoesNotContain("Unhealthy", resource.States);
        var unhealthy = Topology.LogLinesSince($"regions/{Home}/logs/monitor.log", firstFaultUtc, $"[2001] Resource {Config.CacheResource} ");
        Assert.True(unhealthy.Count == 0, "the monitor logged the cache Unhealthy: " + string.Join(Environment.NewLine, unhealthy));
        await AssertStayedHomeAsync(poller, Config.Tenants, firstFaultAt, lastFaultAt + Bounds.Failover, "a blip below the thresholds");
        Topology.Record(string.Create(CultureInfo.InvariantCulture,
            $"{"blip (cache-hung)",-22} nothing moved; {attempt} blip(s) < {Bounds.BlipLimit.TotalSeconds:0.#} s, at most {resource.MaxFailures} failed cache probe(s)"));
    }

    [Fact]
    public async Task HealthMonitorKilled_RouterFallsBackToRegistry_MovesNothing()
    {
        // Arrange
        await using var poller = new AnswerPoller(Topology);
        var faultAt = TestClock.Now;
        var faultUtc = DateTime.UtcNow;

        // Act
        var fault = await Topology.ScriptAsync(TimeSpan.FromSeconds(60), watch: false, onLine: null, "fault", Home, "monitor-killed");
        Assert.True(fault.Succeeded, $"fault failed:{Environment.NewLine}{fault}");
        await poller.WaitThroughAsync(faultAt + Bounds.Failover);

        // Assert: nothing moved, and the router kept eastus Online through the fallback probe.
        await AssertStayedHomeAsync(poller, Config.Tenants, faultAt, faultAt + Bounds.Failover, "the monitor is gone: fail-open", fault);
        var endpoints = (await Topology.EndpointsAsync()).Where(e => e.Endpoint == Home).ToList();
        Assert.True(endpoints.Count == Config.Tenants.Count && endpoints.All(e => e.Status == "Online" && e.Fallback),
            "eastus endpoints must stay Online through the fallback probe: " + string.Join(", ", endpoints.Select(e => $"{e.Profile}/{e.Endpoint}={e.Status} fallback={e.Fallback}")));
        var fallback = Topology.LogLinesSince("router/router.log", faultUtc, "[3001]");
        Assert.True(fallback.Count > 0, "the router did not log the fallback probe (event 3001)");
        Output.WriteLine(string.Join(Environment.NewLine, fallback));

        var heal = await Topology.ScriptAsync(Topology.HealTimeout, "heal");
        Output.WriteLine(heal.ToString());
        Assert.True(heal.Succeeded, $"heal failed:{Environment.NewLine}{heal}");
        await WriteTimelineAsync($"{Home} monitor-killed");
        Topology.Record($"{"monitor-killed",-22} nothing moved in {Bounds.Failover.TotalSeconds:0} s; eastus endpoints Online via the fallback probe");
    }

    [Fact]
    public async Task DeepEvaluationDisabled_StorageWiped_MovesNothing()
    {
        // Arrange: the kill switch, switched live (the monitor reloads its configuration).
        var off = await Topology.ScriptAsync(TimeSpan.FromSeconds(30), "deep-evaluation", Home, "disabled");
        Output.WriteLine(off.ToString());
        Assert.True(off.Succeeded, $"deep-evaluation {Home} disabled failed:{Environment.NewLine}{off}");
        await using var poller = new AnswerPoller(Topology);
        var faultAt = TestClock.Now;
        var faultUtc = DateTime.UtcNow;

        // Act: a fault that moves contoso and tailwind when deep evaluation is on.
        var fault = await Topology.ScriptAsync(TimeSpan.FromSeconds(60), watch: false, onLine: null, "fault", Home, "storage-wiped", "sa-1");
        Assert.True(fault.Succeeded, $"fault failed:{Environment.NewLine}{fault}");
        await poller.WaitThroughAsync(faultAt + Bounds.Failover);

        // Assert: the monitor saw the storage fail, yet answered 200 (fail-open), and nothing moved.
        await AssertStayedHomeAsync(poller, Config.Tenants, faultAt, faultAt + Bounds.Failover, "deep evaluation is disabled", fault);
        var unhealthy = Topology.LogLinesSince($"regions/{Home}/logs/monitor.log", faultUtc, "[2001] Resource sa-1 ");
        Assert.True(unhealthy.Count > 0, "the monitor never saw sa-1 Unhealthy: the fault did not bite");
        var (status, body) = await Topology.RegistryVerdictAsync(Home, "contoso");
        Output.WriteLine($"GET /health/registries/contoso on {Home}: {status} {body}");
        Assert.Equal(200, status);
        using (var verdict = JsonDocument.Parse(body))
        {
            Assert.True(verdict.RootElement.GetProperty("failOpen").GetBoolean(), "the verdict must say failOpen");
        }

        var heal = await Topology.ScriptAsync(Topology.HealTimeout, "heal");
        Output.WriteLine(heal.ToString());
        Assert.True(heal.Succeeded, $"heal failed:{Environment.NewLine}{heal}");

        // Switching deep evaluation back on while sa-1 is still Unhealthy (it needs SuccessesToHealthy probes) would move
        // contoso and tailwind at once: that is the switch working. Wait for the monitor to see sa-1 healthy first.
        var healthyDeadline = TestClock.Now + Bounds.RecoveryMax;
        while ((await Topology.MonitorResourcesAsync(Home)).Any(r => r.State != "Healthy"))
        {
            if (TestClock.Now >= healthyDeadline)
            {
                throw await FailureAsync($"{Home}'s monitor did not see every resource Healthy within {Seconds(Bounds.RecoveryMax)} after heal", poller, faultAt, heal);
            }

            await Task.Delay(250);
        }

        var on = await Topology.ScriptAsync(TimeSpan.FromSeconds(30), "deep-evaluation", Home, "enabled");
        Assert.True(on.Succeeded, $"deep-evaluation {Home} enabled failed:{Environment.NewLine}{on}");
        await WriteTimelineAsync($"{Home} storage-wiped sa-1 with DeepEvaluation Disabled");
        Topology.Record($"{"DeepEvaluation Disabled",-22} storage-wiped sa-1: nothing moved in {Bounds.Failover.TotalSeconds:0} s; the verdict was 200 failOpen");
    }

    /// <summary>Polls a monitor's <c>/health/resources</c> for one resource: the most consecutive failures and every state seen.</summary>
    private sealed class CacheWatch : IAsyncDisposable
    {
        private readonly ThreeRegionsTopology _topology;
        private readonly string _url;
        private readonly string _id;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly HashSet<string> _states = [];
        private readonly Lock _lock = new();
        private int _maxFailures;

        public CacheWatch(ThreeRegionsTopology topology, string region, string id)
        {
            _topology = topology;
            _id = id;
            _url = $"http://{topology.Config.Fronts[region]}:8081/health/resources";
            _loop = Task.Run(LoopAsync);
        }

        public int MaxFailures => Volatile.Read(ref _maxFailures);

        public IReadOnlyList<string> States
        {
            get
            {
                lock (_lock)
                {
                    return [.. _states];
                }
            }
        }

        /// <summary>When the resource's next probe starts: its last probe's start plus the interval (in the future).</summary>
        public async Task<DateTimeOffset> NextProbeStartAsync(double intervalSeconds)
        {
            var interval = TimeSpan.FromSeconds(intervalSeconds);
            var reading = await ReadAsync();
            var start = reading?.LastStart ?? DateTimeOffset.UtcNow;
            var next = start + interval;
            while (next < DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(600))
            {
                next += interval;
            }

            return next;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }

        private async Task LoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var reading = await ReadAsync();
                if (reading is { } r)
                {
                    lock (_lock)
                    {
                        _states.Add(r.State);
                    }

                    if (r.Failures > _maxFailures)
                    {
                        Volatile.Write(ref _maxFailures, r.Failures);
                    }
                }

                try
                {
                    await Task.Delay(150, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        private async Task<(string State, int Failures, DateTimeOffset? LastStart)?> ReadAsync()
        {
            var result = await _topology.ExecAsync(TimeSpan.FromSeconds(5), "curl", "-sf", "-m", "2", _url);
            if (!result.Succeeded)
            {
                return null;
            }

            using var json = JsonDocument.Parse(result.Stdout);
            foreach (var resource in json.RootElement.GetProperty("resources").EnumerateArray())
            {
                if (resource.GetProperty("id").GetString() != _id)
                {
                    continue;
                }

                DateTimeOffset? lastStart = null;
                if (resource.TryGetProperty("lastResult", out var last) && last.ValueKind == JsonValueKind.Object)
                {
                    lastStart = last.GetProperty("at").GetDateTimeOffset() - TimeSpan.FromMilliseconds(last.GetProperty("durationMs").GetDouble());
                }

                return (resource.GetProperty("state").GetString() ?? "?", resource.GetProperty("consecutiveFailures").GetInt32(), lastStart);
            }

            return null;
        }
    }

    /// <summary>The PID of <paramref name="region"/>'s redis, from the script's pid file (<c>$STATE/pids/redis-R.pid</c>: "PID STARTTIME").</summary>
    private int RedisPid(string region)
    {
        string file = Path.Combine(Topology.StateDirectory, "pids", $"redis-{region}.pid");
        string text = File.ReadAllText(file).Trim();
        return int.Parse(text.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
    }
}
