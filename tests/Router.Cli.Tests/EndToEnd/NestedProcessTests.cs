using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Router.Cli.Tests.TestSupport;
using Router.Testing;
using Router.Testing.Dns;
using Xunit.Sdk;
using DigResult = Router.Testing.Dns.DigResult;

namespace Router.Cli.Tests.EndToEnd;

/// <summary>
/// Nested profiles as an operator meets them: a real <c>router serve</c> with a Performance profile over two nested
/// children (Weighted <c>child-eu</c>, MinChildEndpoints 2; Priority <c>child-us</c>), every child endpoint probed over
/// HTTP against a health server the test flips, answers read with <c>kdig</c>; and a cycle refused by <c>router validate</c>.
/// </summary>
public sealed class NestedProcessTests : IAsyncLifetime
{
    private const string Zone = "tm.registry.test";
    private const string Parent = "parent." + Zone;
    private static readonly string[] Eu = ["127.0.0.21", "127.0.0.22", "127.0.0.23"];
    private static readonly string[] Us = ["127.0.0.31", "127.0.0.32"];

    /// <summary>Detection (one failed probe: interval 1 s + timeout 0.8 s) and a busy machine's slack.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory = new();
    private FlippableHealthServer _health = null!;
    private IPEndPoint _dns = null!;
    private IPEndPoint _admin = null!;

    public async Task InitializeAsync()
    {
        _health = await FlippableHealthServer.StartAsync([.. Eu.Concat(Us).Select(IPAddress.Parse)]);
        _dns = Loopback.FreeEndpoint();
        _admin = Loopback.FreeEndpoint();
    }

    public async Task DisposeAsync()
    {
        await _health.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Serve_ChildEndpointsFailOneByOne_ParentMovesExactlyWhenMinChildEndpointsIsCrossed()
    {
        // Arrange: loopback clients are nearest eu, answered by child-eu while two of its three endpoints are healthy.
        var router = RouterProcess.Start(["serve", "--config", _directory.Write("router.json", Config(cycle: false))]);
        await using (router)
        {
            await router.WaitForStdoutAsync(line => line.Contains("Admin API listening", StringComparison.Ordinal), Bound, "the admin API's start line");
            await WaitForEndpointAsync("child-eu", "eu0", "Online", router);
            Assert.Contains(Single(await KdigAsync()), Eu);

            // Act 1: one of three fails.
            _health.Set(Eu[0], 503);
            await WaitForEndpointAsync("child-eu", "eu0", "Degraded", router);

            // Assert 1: still child-eu (its two others), and the nested endpoint is Online.
            for (int i = 0; i < 5; i++)
            {
                Assert.Contains(Single(await KdigAsync()), Eu[1..]);
            }

            Assert.Equal("Online", Status(await EndpointAsync("parent", "eu")));

            // Act 2: a second fails: one left, below MinChildEndpoints 2.
            _health.Set(Eu[1], 503);

            // Assert 2: the parent moves to child-us's first endpoint; the nested endpoint is Degraded, and explain says why.
            await WaitForAnswerAsync(Us[0], router);
            Assert.Equal("Degraded", Status(await EndpointAsync("parent", "eu")));
            var explain = RouterProcess.Start(["explain", "parent", "--client", "127.0.0.1", "--admin", $"http://{_admin}"]);
            await using (explain)
            {
                Assert.True(await explain.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, explain.Describe());
                string text = explain.Describe();
                Assert.Contains("1 of 3 child endpoints eligible, MinChildEndpoints 2", text, StringComparison.Ordinal);
                Assert.Contains("the chosen endpoint is profile child-us", text, StringComparison.Ordinal);
            }

            // Act 3: one comes back: two healthy again.
            _health.Set(Eu[1], 200);

            // Assert 3
            await WaitForAnswerAsync(Eu[1], router, orAnyOf: Eu[1..]);
            Assert.Equal("Online", Status(await EndpointAsync("parent", "eu")));
        }
    }

    [Fact]
    public async Task Validate_Cycle_RejectedWithItsPath()
    {
        // Act
        var validate = RouterProcess.Start(["validate", "--config", _directory.Write("cycle.json", Config(cycle: true))]);
        await using (validate)
        {
            int exit = await validate.WaitForExitAsync(TimeSpan.FromSeconds(60));

            // Assert
            Assert.True(exit == 2, validate.Describe());
            Assert.Contains("TrafficManager:Profiles:2:Endpoints:2:Profile: child-us -> parent -> child-us is a cycle", validate.Describe(), StringComparison.Ordinal);
        }
    }

    private string Config(bool cycle) => $$"""
        {
          "Dns": { "Listen": [ "{{_dns}}" ] },
          "TrafficManager": {
            "Zone": "{{Zone}}",
            "LatencyTable": [ { "Network": "127.0.0.0/8", "Latencies": { "eu": 5, "us": 50 } } ],
            "Profiles": [
              { "Name": "parent", "RoutingMethod": "Performance", "Ttl": 30,
                "Endpoints": [
                  { "Name": "eu", "Type": "Nested", "Profile": "child-eu", "MinChildEndpoints": 2, "Location": "eu" },
                  { "Name": "us", "Type": "Nested", "Profile": "child-us", "Location": "us" }
                ] },
              { "Name": "child-eu", "RoutingMethod": "Weighted", "Ttl": 10, "Monitor": {{Monitor}},
                "Endpoints": [
                  { "Name": "eu0", "Target": "{{Eu[0]}}" }, { "Name": "eu1", "Target": "{{Eu[1]}}" }, { "Name": "eu2", "Target": "{{Eu[2]}}" }
                ] },
              { "Name": "child-us", "RoutingMethod": "Priority", "Ttl": 10, "Monitor": {{Monitor}},
                "Endpoints": [
                  { "Name": "us0", "Target": "{{Us[0]}}" }, { "Name": "us1", "Target": "{{Us[1]}}" }{{(cycle ? ", { \"Name\": \"back\", \"Type\": \"Nested\", \"Profile\": \"parent\" }" : "")}}
                ] }
            ]
          },
          "Admin": { "Listen": "http://{{_admin}}" }
        }
        """;

    private string Monitor => $$"""
        { "Protocol": "Http", "Port": {{_health.Port}}, "Path": "/health", "IntervalSeconds": 1, "TimeoutSeconds": 0.8, "ToleratedFailures": 0 }
        """;

    private HttpClient Admin() => new() { BaseAddress = new Uri($"http://{_admin}/"), Timeout = TimeSpan.FromSeconds(10) };

    private async Task<JsonElement> EndpointAsync(string profile, string endpoint)
    {
        using var client = Admin();
        using var document = JsonDocument.Parse(await client.GetStringAsync($"api/profiles/{profile}/endpoints/{endpoint}"));
        return document.RootElement.Clone();
    }

    /// <summary>Asks the admin API every 100 ms until the endpoint's status is <paramref name="status"/>; fails after <see cref="Bound"/>.</summary>
    private async Task WaitForEndpointAsync(string profile, string endpoint, string status, RouterProcess router)
    {
        var deadline = Stopwatch.StartNew();
        string last = "(not asked)";
        while (deadline.Elapsed < Bound && !router.HasExited)
        {
            try
            {
                var found = await EndpointAsync(profile, endpoint);
                if (Status(found) == status)
                {
                    return;
                }

                last = found.ToString();
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }

            await Task.Delay(100);
        }

        throw new XunitException($"{profile}/{endpoint} was not {status} within {Bound.TotalSeconds} s (last: {last}).{Environment.NewLine}{router.Describe()}");
    }

    /// <summary>Asks with kdig every 100 ms until the answer is <paramref name="expected"/> (or one of <paramref name="orAnyOf"/>).</summary>
    private async Task WaitForAnswerAsync(string expected, RouterProcess router, string[]? orAnyOf = null)
    {
        var deadline = Stopwatch.StartNew();
        string last = "(not asked)";
        while (deadline.Elapsed < Bound && !router.HasExited)
        {
            var result = await KdigAsync();
            var addresses = Addresses(result);
            if (addresses.Length == 1 && (addresses[0] == expected || (orAnyOf?.Contains(addresses[0]) ?? false)))
            {
                return;
            }

            last = string.Join(", ", addresses);
            await Task.Delay(100);
        }

        throw new XunitException($"{Parent} did not answer {expected} within {Bound.TotalSeconds} s (last: {last}).{Environment.NewLine}{router.Describe()}");
    }

    private static string? Status(JsonElement endpoint) => endpoint.GetProperty("status").GetString();

    private Task<DigResult> KdigAsync() => DnsTools.QueryAsync(DnsClientTool.Kdig, _dns, Parent, "A", tcp: false);

    private static string[] Addresses(DigResult result) => [.. result.Answer.Where(r => r.Type is "A").Select(r => r.Data)];

    private static string Single(DigResult result) => Assert.Single(Addresses(result));
}
