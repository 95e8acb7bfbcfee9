using System.Diagnostics;
using Router.Cluster.AcceptanceTests.TestSupport;
using Router.Testing;
using Xunit.Abstractions;

namespace Router.Cluster.AcceptanceTests;

/// <summary>Acceptance 7: garbage written by hand under the prefix is logged and ignored; nothing crashes, no answer changes.</summary>
public sealed class BadDataTests(ClusterTopology topology, ITestOutputHelper output) : ClusterTest(topology, output)
{
    [Fact]
    public async Task GarbageUnderThePrefix_LoggedAndIgnored_NothingCrashes_NoAnswerChanges()
    {
        // Arrange: values that do not parse where settings, views and members live, a well-formed setting for an
        // endpoint and a view of an instance nobody configured, and keys of no known shape.
        string prefix = Topology.Prefix;
        var garbage = new (string Key, string Value)[]
        {
            (prefix + "settings/contoso/eastus", "{ \"enabled\": fals"),
            (prefix + "settings/contoso/nowhere", """{"profile":"contoso","endpoint":"nowhere","enabled":false,"changedAt":"2026-12-07T12:00:00Z","changedBy":"router-9","configEnabled":true}"""),
            (prefix + "settings/unknown-profile/eastus", """{"profile":"unknown-profile","endpoint":"eastus","enabled":false,"changedAt":"2026-12-07T12:00:00Z","changedBy":"router-9","configEnabled":true}"""),
            (prefix + "views/router-7", """{"instanceId":"router-7","publishedAt":"2026-12-07T12:00:00Z","endpoints":[]}"""),
            (prefix + "views/router-2x", "\u0001\u0002 not a view \uFFFD"),
            (prefix + "members/router-9", "[1, 2, 3"),
            (prefix + "no/such/shape", "42"),
            (prefix + "settings", ""),
        };
        // Under a lease, as live instances write them: a well-formed view of an instance that is not a member (it says
        // eastus is Degraded), and a member key whose value does not parse.
        var leased = new (string Key, string Value)[]
        {
            (prefix + "views/router-9", """{"instanceId":"router-9","publishedAt":"2026-12-07T12:00:00Z","endpoints":[{"profile":"contoso","endpoint":"eastus","status":"Degraded","consecutiveFailures":9,"lastProbeSucceeded":false,"lastProbeError":"made up","lastProbeAt":"2026-12-07T12:00:00Z"}]}"""),
            (prefix + "members/router-8", "{ not a member"),
        };
        var linesBefore = Routers.Select(r => r.Process!.Stdout.Count).ToList();

        // Act
        var clock = Stopwatch.StartNew();
        try
        {
            foreach (var (key, value) in garbage)
            {
                await Topology.Etcd.PutAsync(key, value);
            }

            long lease = await Topology.Etcd.GrantLeaseAsync(60);
            foreach (var (key, value) in leased)
            {
                await Topology.Etcd.PutAsync(key, value, lease);
            }

            Report($"garbage written under {prefix} in {clock.Elapsed.TotalSeconds:0.000} s: {string.Join(", ", garbage.Concat(leased).Select(g => g.Key[prefix.Length..]))}");

            // Assert: no answer changes, every instance still runs, connected, with the three real instances only,
            // every endpoint still enabled (the unparsable setting of eastus is not applied).
            await AssertAnswersStayAsync(Routers, "eastus", TimeSpan.FromSeconds(3), "garbage in the store");
            foreach (var (router, before) in Routers.Zip(linesBefore))
            {
                Assert.True(router.IsRunning, $"{router.Id} exited.{Environment.NewLine}{router.Describe()}");
                Assert.True(await Topology.IsConnectedToAllAsync(router), $"{router.Id} is not connected to all three: {await router.TryGetAsync("api/cluster")}");
                foreach (string region in ClusterConfig.Regions)
                {
                    var endpoint = await router.EndpointAsync(region);
                    Assert.True(endpoint.GetProperty("enabled").GetBoolean(), $"{router.Id}: {region} was disabled by garbage: {endpoint}");
                    Assert.Equal("Online", endpoint.GetProperty("status").GetString());
                    Assert.Equal(3, endpoint.GetProperty("views").GetArrayLength());
                }

                // Logged: at least one line naming a garbage key, and no unhandled exception.
                // Logged: the store names the keys it ignores; the traffic manager names the settings for endpoints it
                // does not have (contoso/nowhere, unknown-profile/eastus).
                bool Names(string line) => line.Contains(prefix, StringComparison.Ordinal) ||
                    line.Contains("contoso/nowhere", StringComparison.Ordinal) || line.Contains("unknown-profile/eastus", StringComparison.Ordinal);
                var logged = await Poll.TryUntilAsync(() => router.Process!.Stdout.Skip(before).Count(Names) >= 2, TimeSpan.FromSeconds(5));
                var lines = router.Process!.Stdout.Skip(before).Where(Names).ToList();
                Report($"{router.Id} logged {lines.Count} line(s) naming the garbage:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", lines)}");
                Assert.True(logged, $"{router.Id} logged too little about the garbage under {prefix}.{Environment.NewLine}{router.Describe()}");
                Assert.Contains(lines, l => l.Contains("contoso/nowhere", StringComparison.Ordinal));
                Assert.Contains(lines, l => l.Contains(prefix + "settings/contoso/eastus", StringComparison.Ordinal));
                Assert.DoesNotContain(router.Process.Output.Split('\n'), l => l.Contains("Unhandled exception", StringComparison.Ordinal));
            }
        }
        finally
        {
            foreach (var (key, _) in garbage.Concat(leased))
            {
                await Topology.Etcd.DeleteAsync(key);
            }
        }
    }
}
