using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using DnsClient;
using Router.Cli.Tests.TestSupport;
using Router.Testing;
using Router.Testing.Dns;
using Xunit.Abstractions;
using Xunit.Sdk;
using DigResult = Router.Testing.Dns.DigResult;

namespace Router.Cli.Tests.EndToEnd;

/// <summary>
/// The traffic manager as a user runs it: a real <c>router serve</c> with Dns, TrafficManager and Admin sections,
/// three regions' health endpoints on 127.0.0.11-13 (a server whose answers the test flips, or a real
/// <c>router serve</c> health monitor), checked with the real <c>kdig</c> (answers, flags, Client Subnet); waits bounded
/// by the detection time ask with DnsClient in-process, so that the bound does not include starting kdig processes.
/// </summary>
public sealed class TrafficManagerProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const double Interval = 1;
    private const double Timeout = 0.5;
    private const int Tolerated = 1;
    private const string Zone = "tm.registry.test";
    private const string Contoso = "contoso." + Zone;
    private const string EastUs = "127.0.0.11";
    private const string WestEurope = "127.0.0.12";
    private const string EastAsia = "127.0.0.13";

    /// <summary>Traffic Manager's bound on detection: (interval + timeout) × (tolerated + 1).</summary>
    private static readonly TimeSpan DetectionBound = TimeSpan.FromSeconds((Interval + Timeout) * (Tolerated + 1));

    /// <summary>What a busy two-core CI machine may add: process scheduling (the waits ask in-process, no kdig starts).</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _directory = new();
    private FlippableHealthServer _health = null!;
    private IPEndPoint _dns = null!;
    private IPEndPoint _admin = null!;

    public async Task InitializeAsync()
    {
        _health = await FlippableHealthServer.StartAsync([IPAddress.Parse(EastUs), IPAddress.Parse(WestEurope), IPAddress.Parse(EastAsia)]);
        _dns = Loopback.FreeEndpoint();
        _admin = Loopback.FreeEndpoint();
    }

    public async Task DisposeAsync()
    {
        await _health.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Performance_AnswerFollowsLatencyRowAndEcsNetworkWithScope()
    {
        // Arrange: settled first. The router's first probes run while it is still JIT-compiling, and with a 0.5 s probe
        // timeout slow ones in a row (a loaded machine) degrade eastus for a moment: that is probing, which other tests
        // cover. Here the most failures tolerated (9), so the answers below are routing's alone.
        await using var router = await StartRouterAsync(Config(tolerated: 9));
        await WaitForAnswerAsync(Contoso, EastUs, StartTimeout, router);

        // Act
        var local = await KdigAsync(Contoso);
        var fromEurope = await KdigAsync(Contoso, "+subnet=10.20.1.0/24");
        var fromAsia = await KdigAsync(Contoso, "+subnet=10.30.7.0/24");
        var unknownNetwork = await KdigAsync(Contoso, "+subnet=192.0.2.0/24");

        // Assert
        Assert.Equal([EastUs], Addresses(local));
        Assert.Contains("aa", local.Flags);
        Assert.Equal(5u, local.Answer[0].Ttl);
        Assert.Equal([WestEurope], Addresses(fromEurope));
        Assert.Equal("10.20.1.0/24/16", fromEurope.ClientSubnet);
        Assert.Equal([EastAsia], Addresses(fromAsia));
        Assert.Equal("10.30.7.0/24/16", fromAsia.ClientSubnet);

        // No latency row matches: the first eligible endpoint in configuration order.
        Assert.Equal([EastUs], Addresses(unknownNetwork));
    }

    [Fact]
    public async Task Performance_BestEndpointTurns503_AnswerMovesWithinBoundAndComesBack()
    {
        // Arrange
        await using var router = await StartRouterAsync(Config());
        await WaitForAnswerAsync(Contoso, EastUs, StartTimeout, router);

        // A slow probe on a loaded machine (0.5 s timeout) counts as a failure too: flip only from a clean count, so the
        // failures that move the answer are the 503s.
        await WaitForCleanProbeAsync("contoso", "eastus", StartTimeout);

        // Act: the best region's health endpoint starts failing.
        var clock = Stopwatch.StartNew();
        _health.Set(EastUs, 503);
        await WaitForAnswerAsync(Contoso, WestEurope, DetectionBound + Slack, router);
        var failover = clock.Elapsed;
        var degraded = await EndpointAsync("contoso", "eastus");

        // It recovers: back after the first successful probe.
        clock.Restart();
        _health.Set(EastUs, 200);
        await WaitForAnswerAsync(Contoso, EastUs, TimeSpan.FromSeconds(Interval + Timeout) + Slack, router);
        var recovery = clock.Elapsed;

        // Assert: not before tolerated + 1 probes could have failed, not after the bound.
        output.WriteLine($"flip -> answer change: {failover.TotalSeconds:0.00} s (bound (interval + timeout) x (tolerated + 1) = {DetectionBound.TotalSeconds:0.0} s); recovery: {recovery.TotalSeconds:0.00} s");
        Assert.Equal("Degraded", degraded.GetProperty("status").GetString());
        Assert.True(degraded.GetProperty("consecutiveFailures").GetInt32() >= Tolerated + 1,
            $"the answer moved after {degraded.GetProperty("consecutiveFailures").GetInt32()} failure(s), before {Tolerated + 1}: {degraded}");
        Assert.Equal(503, degraded.GetProperty("lastProbe").GetProperty("statusCode").GetInt32());
        Assert.True(failover <= DetectionBound + Slack, $"failover took {failover.TotalSeconds:0.00} s");
    }

    [Fact]
    public async Task AllEndpointsDegraded_AnswersAsIfAllWereOnline()
    {
        // Arrange
        await using var router = await StartRouterAsync(Config());
        await WaitForAnswerAsync(Contoso, EastUs, StartTimeout, router);

        // Act
        _health.Set(EastUs, 503);
        _health.Set(WestEurope, 503);
        _health.Set(EastAsia, 503);
        await WaitForStatusAsync("contoso", "eastasia", "Degraded", DetectionBound + Slack, router);
        await WaitForStatusAsync("contoso", "eastus", "Degraded", DetectionBound + Slack, router);
        await WaitForStatusAsync("contoso", "westeurope", "Degraded", DetectionBound + Slack, router);
        var local = await KdigAsync(Contoso);
        var fromEurope = await KdigAsync(Contoso, "+subnet=10.20.1.0/24");

        // Assert: fail-open, still by latency.
        Assert.Equal("NOERROR", local.Status);
        Assert.Equal([EastUs], Addresses(local));
        Assert.Equal([WestEurope], Addresses(fromEurope));
    }

    [Fact]
    public async Task DisabledEndpoint_NeverAnswered_AndManualDisableSurvivesRestart()
    {
        // Arrange: westeurope is disabled in the file.
        string config = Config(westEuropeEnabled: false);
        await using (var router = await StartRouterAsync(config))
        {
            await WaitForAnswerAsync(Contoso, EastUs, StartTimeout, router);

            // Act: Europe's clients cannot get westeurope (next by latency: eastus); eastus is then switched off through the admin API.
            var fromEurope = await KdigAsync(Contoso, "+subnet=10.20.1.0/24");
            using var client = new HttpClient { BaseAddress = new Uri($"http://{_admin}/") };
            using var put = await client.PutAsJsonAsync("api/profiles/contoso/endpoints/eastus", new { enabled = false });
            var afterDisable = await KdigAsync(Contoso);

            // Assert
            Assert.Equal([EastUs], Addresses(fromEurope));
            Assert.True(put.IsSuccessStatusCode, $"PUT answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync()}");
            Assert.Equal([EastAsia], Addresses(afterDisable));
            await router.SendSigtermAsync();
            Assert.Equal(0, await router.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        }

        // Act: a restart keeps the manual setting.
        await using (var restarted = await StartRouterAsync(config))
        {
            var afterRestart = await KdigAsync(Contoso);
            Assert.True(Addresses(afterRestart).SequenceEqual([EastAsia]),
                $"after a restart: {string.Join(", ", Addresses(afterRestart))}; state file: {ReadState()}{Environment.NewLine}{restarted.Describe()}");
        }
    }

    [Fact]
    public async Task StaticZoneCname_CarriesTheTrafficManagerAnswer_AndExplainFollowsIt()
    {
        // Arrange
        await using var router = await StartRouterAsync(Config());
        await WaitForAnswerAsync(Contoso, EastUs, StartTimeout, router);

        // Act
        var result = await KdigAsync("contoso.registry.test", "+subnet=10.20.1.0/24");
        using var client = new HttpClient { BaseAddress = new Uri($"http://{_admin}/"), Timeout = TimeSpan.FromSeconds(5) };
        using var explain = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("api/explain?name=contoso.registry.test&client=10.20.1.1"));

        // Assert: the DNS answer, and explain composed by serve from the static zones' CNAME and the profile.
        Assert.Equal("NOERROR", result.Status);
        Assert.Contains(result.Answer, r => r.Type == "CNAME" && r.Data == Contoso + ".");
        Assert.Contains(result.Answer, r => r.Type == "A" && r.Data == WestEurope && r.Name == Contoso + ".");
        string explained = explain.RootElement.ToString();
        Assert.Contains($"contoso.registry.test. is a CNAME to {Contoso}. (static zone)", explained, StringComparison.Ordinal);
        Assert.Contains($"CNAME {Contoso}.", explained, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ZoneApex_HasSoaAndNs_AndUnknownNameIsNxdomain()
    {
        // Arrange
        await using var router = await StartRouterAsync(Config());

        // Act
        var soa = await KdigTypeAsync(Zone, "SOA");
        var ns = await KdigTypeAsync(Zone, "NS");
        var missing = await KdigAsync("nothing." + Zone);

        // Assert
        Assert.Equal("NOERROR", soa.Status);
        Assert.Single(soa.Answer, r => r.Type == "SOA");
        Assert.Contains(ns.Answer, r => r.Type == "NS");
        Assert.Equal("NXDOMAIN", missing.Status);
        Assert.Contains(missing.Authority, r => r.Type == "SOA");
        Assert.Contains("aa", missing.Flags);
    }

    [Fact]
    public async Task HealthMonitorKilled_WithFallback_AnswerDoesNotMove()
    {
        // Arrange: eastus is probed at a real router health monitor on 127.0.0.11; the registry front ("/v2/") it guards
        // answers on the fallback port. The other regions answer from the flippable server on the same monitor port.
        string storage = Path.Combine(_directory.Path, "sa-1");
        Directory.CreateDirectory(storage);
        await using var registryFront = await FlippableHealthServer.StartAsync([IPAddress.Parse(EastUs)]);
        await using var otherRegions = await FlippableHealthServer.StartAsync([IPAddress.Parse(WestEurope), IPAddress.Parse(EastAsia)]);
        string monitorConfig = _directory.Write("monitor.json", $$"""
            {
              "Health": {
                "Region": "eastus",
                "Listen": "http://{{EastUs}}:{{otherRegions.Port}}",
                "Evaluation": { "IntervalSeconds": 0.5, "TimeoutSeconds": 0.3, "FailuresToUnhealthy": 1, "SuccessesToHealthy": 1 },
                "Resources": [ { "Id": "sa-1", "Kind": "Storage", "Check": { "Type": "Filesystem", "Path": "{{storage}}" } } ],
                "Registries": [ { "Name": "contoso", "Storage": "sa-1" } ]
              }
            }
            """);
        var monitor = RouterProcess.Start(["serve", "--config", monitorConfig]);
        await using var monitorGuard = monitor;
        string fallback = $$""", "Fallback": { "Port": {{registryFront.Port}}, "Path": "/v2/", "ExpectedStatusCodes": [ "200-299", "401" ] }""";
        await using var router = await StartRouterAsync(Config(monitorPort: otherRegions.Port, fallback: fallback));
        await WaitForStatusAsync("contoso", "eastus", "Online", StartTimeout, router);

        // The monitor is really what decides: broken storage moves the answer, repaired storage brings it back.
        Directory.Move(storage, storage + ".off");
        await WaitForAnswerAsync(Contoso, WestEurope, DetectionBound + Slack + TimeSpan.FromSeconds(1), router);
        Directory.Move(storage + ".off", storage);
        await WaitForAnswerAsync(Contoso, EastUs, TimeSpan.FromSeconds(5) + Slack, router);

        // Act: the monitor process dies.
        await monitor.DisposeAsync();
        var deadline = Stopwatch.StartNew();
        var answers = new List<string>();
        while (deadline.Elapsed < DetectionBound * 2)
        {
            answers.AddRange(LoopbackDnsClient.Addresses(await LoopbackDnsClient.QueryAsync(_dns, Contoso, QueryType.A)));
            await Task.Delay(200);
        }

        // Assert: the fallback probe (registry front answers) keeps eastus online. The last probe is read until it is
        // the fallback's (bounded): one read can land while a probe's result is still being counted on a loaded machine.
        Assert.All(answers, a => Assert.Equal(EastUs, a));
        var profile = await GetProfileAsync("contoso");
        for (var read = Stopwatch.StartNew(); !profile.Contains("\"fallback\":true", StringComparison.Ordinal) && read.Elapsed < DetectionBound; )
        {
            await Task.Delay(200);
            profile = await GetProfileAsync("contoso");
        }

        Assert.Contains("\"fallback\":true", profile, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherNames_AreForwardedUpstream_WhileProfilesAreAnswered()
    {
        // Arrange: the sidecar role. Its upstream is another router, authoritative for elsewhere.test.
        var upstreamEndpoint = Loopback.FreeEndpoint();
        string upstreamConfig = _directory.Write("upstream.json", $$"""
            { "Dns": { "Listen": [ "{{upstreamEndpoint}}" ],
                       "Zones": [ { "Name": "elsewhere.test", "Records": [ { "Name": "www", "Type": "A", "Value": "127.0.0.99" } ] } ] } }
            """);
        await using var upstream = RouterProcess.Start(["serve", "--config", upstreamConfig]);
        await upstream.WaitForStdoutAsync(line => line.Contains("DNS listening", StringComparison.Ordinal), StartTimeout, "the upstream's listening line");
        string forwarding = $$"""
             "Forwarding": { "Enabled": true, "Upstreams": [ "{{upstreamEndpoint}}" ], "AllowedClients": [ "127.0.0.0/8" ] },
            """;
        await using var router = await StartRouterAsync(Config(forwarding: forwarding));

        // Act
        var forwarded = await KdigAsync("www.elsewhere.test");
        var profile = await KdigAsync(Contoso);

        // Assert
        Assert.Equal("NOERROR", forwarded.Status);
        Assert.Equal(["127.0.0.99"], Addresses(forwarded));
        Assert.DoesNotContain("aa", forwarded.Flags);
        Assert.Contains("ra", forwarded.Flags);
        Assert.Equal([EastUs], Addresses(profile));
        Assert.Contains("aa", profile.Flags);
    }

    private string ReadState()
    {
        string path = Path.Combine(_directory.Path, "router-state.json");
        return File.Exists(path) ? File.ReadAllText(path) : "(none)";
    }

    private string Config(bool westEuropeEnabled = true, int? monitorPort = null, string fallback = "", string forwarding = "", int tolerated = Tolerated) => $$"""
        {
          "Dns": {
            "Listen": [ "{{_dns}}" ],{{forwarding}}
            "Zones": [ { "Name": "registry.test", "Records": [ { "Name": "contoso", "Type": "CNAME", "Value": "{{Contoso}}." } ] } ]
          },
          "TrafficManager": {
            "Zone": "{{Zone}}",
            "LatencyTable": [
              { "Network": "127.0.0.0/8", "Latencies": { "eastus": 10, "westeurope": 80, "eastasia": 190 } },
              { "Network": "10.20.0.0/16", "Latencies": { "eastus": 90, "westeurope": 15, "eastasia": 160 } },
              { "Network": "10.30.0.0/16", "Latencies": { "eastus": 200, "westeurope": 180, "eastasia": 30 } }
            ],
            "Profiles": [
              { "Name": "contoso", "RoutingMethod": "Performance", "Ttl": 5,
                "Monitor": { "Protocol": "Http", "Port": {{monitorPort ?? _health.Port}}, "Path": "/health/registries/contoso",
                             "IntervalSeconds": {{Interval.ToString(CultureInfo.InvariantCulture)}}, "TimeoutSeconds": {{Timeout.ToString(CultureInfo.InvariantCulture)}},
                             "ToleratedFailures": {{tolerated}}, "ExpectedStatusCodes": [ "200-299" ],
                             "Headers": { "Host": "contoso.registry.test" }{{fallback}} },
                "Endpoints": [
                  { "Name": "eastus", "Location": "eastus", "Target": "{{EastUs}}" },
                  { "Name": "westeurope", "Location": "westeurope", "Target": "{{WestEurope}}", "Enabled": {{(westEuropeEnabled ? "true" : "false")}} },
                  { "Name": "eastasia", "Location": "eastasia", "Target": "{{EastAsia}}" }
                ] }
            ]
          },
          "Admin": { "Listen": "http://{{_admin}}" }
        }
        """;

    private async Task<RouterProcess> StartRouterAsync(string config)
    {
        string path = _directory.Write("router.json", config);
        var router = RouterProcess.Start(["serve", "--config", path]);
        try
        {
            await router.WaitForStdoutAsync(line => line.Contains("Traffic manager answering zone", StringComparison.Ordinal), StartTimeout, "the traffic manager start line");
            await WaitForAdminAsync(router);
            return router;
        }
        catch
        {
            await router.DisposeAsync();
            throw;
        }
    }

    private async Task WaitForAdminAsync(RouterProcess router)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://{_admin}/"), Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await client.GetAsync("api/profiles");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && deadline.Elapsed < StartTimeout && !router.HasExited)
            {
                // Not up yet, or too slow to answer within the request's timeout on a loaded machine: ask again.
            }

            if (deadline.Elapsed >= StartTimeout || router.HasExited)
            {
                throw new XunitException($"the admin API on {_admin} did not answer.{Environment.NewLine}{router.Describe()}");
            }

            await Task.Delay(100);
        }
    }

    private async Task<string> GetProfileAsync(string name)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://{_admin}/"), Timeout = TimeSpan.FromSeconds(5) };
        return (await client.GetStringAsync($"api/profiles/{name}")).Replace(" ", string.Empty, StringComparison.Ordinal);
    }

    /// <summary>The admin API's JSON of one endpoint.</summary>
    private async Task<System.Text.Json.JsonElement> EndpointAsync(string profile, string endpoint)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://{_admin}/"), Timeout = TimeSpan.FromSeconds(10) };
        using var document = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync($"api/profiles/{profile}"));
        return document.RootElement.GetProperty("endpoints").EnumerateArray()
            .Single(item => item.GetProperty("name").GetString() == endpoint).Clone();
    }

    /// <summary>Waits until the endpoint's last probe succeeded and it counts no consecutive failure.</summary>
    private async Task WaitForCleanProbeAsync(string profile, string endpoint, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        var last = default(System.Text.Json.JsonElement);
        while (deadline.Elapsed < timeout)
        {
            last = await EndpointAsync(profile, endpoint);
            if (last.GetProperty("consecutiveFailures").GetInt32() == 0 &&
                last.TryGetProperty("lastProbe", out var probe) && probe.ValueKind == System.Text.Json.JsonValueKind.Object &&
                probe.GetProperty("succeeded").GetBoolean())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{profile}/{endpoint} did not reach a clean probe within {timeout.TotalSeconds} s: {last}");
    }

    private async Task WaitForStatusAsync(string profile, string endpoint, string status, TimeSpan timeout, RouterProcess router)
    {
        var deadline = Stopwatch.StartNew();
        string last = string.Empty;
        while (deadline.Elapsed < timeout && !router.HasExited)
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://{_admin}/"), Timeout = TimeSpan.FromSeconds(2) };
            using var document = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync($"api/profiles/{profile}"));
            foreach (var item in document.RootElement.GetProperty("endpoints").EnumerateArray())
            {
                if (item.GetProperty("name").GetString() == endpoint)
                {
                    last = item.GetProperty("status").GetString() ?? string.Empty;
                }
            }

            if (last == status)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new XunitException($"{profile}/{endpoint} did not become {status} within {timeout.TotalSeconds:0.#} s (last: {last}).{Environment.NewLine}{router.Describe()}");
    }

    /// <summary>Waits for <paramref name="expected"/> alone, asking in-process (the bound measures the router, not kdig starts).</summary>
    private Task WaitForAnswerAsync(string name, string expected, TimeSpan timeout, RouterProcess router) =>
        DnsProbe.WaitForAnswerAsync(_dns, name, expected, router, timeout);

    private Task<DigResult> KdigAsync(string name, params string[] options) => KdigTypeAsync(name, "A", options);

    private Task<DigResult> KdigTypeAsync(string name, string type, params string[] options) =>
        DnsTools.QueryAsync(DnsClientTool.Kdig, _dns, name, type, tcp: false, options);

    private static string[] Addresses(DigResult result) => [.. result.Answer.Where(r => r.Type is "A" or "AAAA").Select(r => r.Data)];
}
