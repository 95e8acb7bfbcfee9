using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Router.Cli.Tests.TestSupport;
using Router.Testing;
using Router.Testing.Dns;
using Xunit.Sdk;
using DigResult = Router.Testing.Dns.DigResult;

namespace Router.Cli.Tests.EndToEnd;

/// <summary>
/// <c>Monitor:Failback: Manual</c> and maintenance as an operator meets them: a real <c>router serve</c> probing a health
/// server whose answers the test flips, answers checked with <c>kdig</c>, the hold released with <c>router release</c>,
/// and both states kept across a restart.
/// </summary>
public sealed class FailbackProcessTests : IAsyncLifetime
{
    // A 1.5 s probe timeout: two slow probes in a row on a loaded machine must not fail eastus over (and hold it).
    private const double Interval = 2;
    private const double Timeout = 1.5;
    private const string Zone = "tm.registry.test";
    private const string Contoso = "contoso." + Zone;
    private const string EastUs = "127.0.0.11";
    private const string WestEurope = "127.0.0.12";

    /// <summary>Detection ((interval + timeout) × 2 probes) and a busy machine's slack.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory = new();
    private FlippableHealthServer _health = null!;
    private IPEndPoint _dns = null!;
    private IPEndPoint _admin = null!;

    public async Task InitializeAsync()
    {
        _health = await FlippableHealthServer.StartAsync([IPAddress.Parse(EastUs), IPAddress.Parse(WestEurope)]);
        _dns = Loopback.FreeEndpoint();
        _admin = Loopback.FreeEndpoint();
    }

    public async Task DisposeAsync()
    {
        await _health.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Manual_RecoveredEndpointStaysOutUntilRouterRelease_ThenReturnsAtOnce_AndTheHoldSurvivesARestart()
    {
        // Arrange
        string config = Config();
        await using (var router = await StartAsync(config))
        {
            await DnsProbe.WaitForAnswerAsync(_dns, Contoso, EastUs, router, Bound);

            // Act: eastus fails over, then recovers.
            _health.Set(EastUs, 503);
            await DnsProbe.WaitForAnswerAsync(_dns, Contoso, WestEurope, router, Bound);
            _health.Set(EastUs, 200);
            var held = await WaitForEndpointAsync("eastus", e => Status(e) == "Online" && Held(e), "Online and held", router);
            await WaitForProbesAfterAsync("eastus", held, probes: 2, router);

            // Assert: probed, Online, held back; the answer stays on westeurope.
            Assert.Equal([WestEurope], Addresses(await KdigAsync()));
            Assert.Contains("failback Manual", held.GetProperty("reason").GetString(), StringComparison.Ordinal);
            await router.SendSigtermAsync();
            Assert.Equal(0, await router.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        }

        // Act: a restart, where eastus never failed.
        await using (var restarted = await StartAsync(config))
        {
            var afterRestart = await WaitForEndpointAsync("eastus", e => Status(e) == "Online", "probed Online", restarted);
            Assert.True(Held(afterRestart), $"not held after a restart: {afterRestart}; state file: {ReadState()}");
            Assert.Equal([WestEurope], Addresses(await KdigAsync()));

            // Act: router release.
            var release = RouterProcess.Start(["release", "contoso", "eastus", "--admin", $"http://{_admin}"]);
            await using (release)
            {
                Assert.True(await release.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, release.Describe());
                Assert.Contains("released contoso/eastus", release.Describe(), StringComparison.Ordinal);
            }

            // Assert: back at once, with no probe in between.
            Assert.Equal([EastUs], Addresses(await KdigAsync()));
            Assert.False(Held(await EndpointAsync("eastus")));
            Assert.DoesNotContain("\"holds\": [", ReadState(), StringComparison.Ordinal);

            // A second release has nothing to release: exit 2, and why.
            var again = RouterProcess.Start(["release", "contoso", "eastus", "--admin", $"http://{_admin}"]);
            await using (again)
            {
                Assert.Equal(2, await again.WaitForExitAsync(TimeSpan.FromSeconds(30)));
                Assert.Contains("not held back", again.Describe(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Maintenance_OutOfAnswersButProbed_SurvivesARestart_AndEnds()
    {
        // Arrange
        string config = Config();
        await using (var router = await StartAsync(config))
        {
            await DnsProbe.WaitForAnswerAsync(_dns, Contoso, EastUs, router, Bound);
            await WaitForEndpointAsync("eastus", e => Status(e) == "Online", "probed Online", router);

            // Act
            using var client = Admin();
            using var put = await client.PutAsJsonAsync("api/profiles/contoso/endpoints/eastus", new { maintenance = true, reason = "kernel upgrade" });
            Assert.True(put.IsSuccessStatusCode, $"PUT answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync()}");
            var set = await EndpointAsync("eastus");

            // Assert: out of the very next answer, still probed.
            Assert.Equal([WestEurope], Addresses(await KdigAsync()));
            Assert.Equal(("Maintenance", "kernel upgrade"), (Status(set), set.GetProperty("reason").GetString()));
            await WaitForProbesAfterAsync("eastus", set, probes: 2, router);
            await router.SendSigtermAsync();
            Assert.Equal(0, await router.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        }

        await using (var restarted = await StartAsync(config))
        {
            // Assert: still in maintenance after a restart.
            var afterRestart = await EndpointAsync("eastus");
            Assert.True(Status(afterRestart) == "Maintenance", $"after a restart: {afterRestart}; state file: {ReadState()}");
            Assert.Equal([WestEurope], Addresses(await KdigAsync()));

            // Act: maintenance ends; eastus comes back once probed Online.
            using var client = Admin();
            using var put = await client.PutAsJsonAsync("api/profiles/contoso/endpoints/eastus", new { maintenance = false });
            Assert.True(put.IsSuccessStatusCode, $"PUT answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync()}");
            await DnsProbe.WaitForAnswerAsync(_dns, Contoso, EastUs, restarted, Bound);
        }
    }

    private string Config() => $$"""
        {
          "Dns": { "Listen": [ "{{_dns}}" ] },
          "TrafficManager": {
            "Zone": "{{Zone}}",
            "Profiles": [
              { "Name": "contoso", "RoutingMethod": "Priority", "Ttl": 5,
                "Monitor": { "Protocol": "Http", "Port": {{_health.Port}}, "Path": "/health/registries/contoso",
                             "IntervalSeconds": {{Interval.ToString(CultureInfo.InvariantCulture)}}, "TimeoutSeconds": {{Timeout.ToString(CultureInfo.InvariantCulture)}},
                             "ToleratedFailures": 1, "ExpectedStatusCodes": [ "200-299" ],
                             "Failback": { "Mode": "Manual" } },
                "Endpoints": [
                  { "Name": "eastus", "Target": "{{EastUs}}" },
                  { "Name": "westeurope", "Target": "{{WestEurope}}" }
                ] }
            ]
          },
          "Admin": { "Listen": "http://{{_admin}}" }
        }
        """;

    private async Task<RouterProcess> StartAsync(string config)
    {
        var router = RouterProcess.Start(["serve", "--config", _directory.Write("router.json", config)]);
        try
        {
            await router.WaitForStdoutAsync(line => line.Contains("Traffic manager answering zone", StringComparison.Ordinal), Bound, "the traffic manager start line");
            await router.WaitForStdoutAsync(line => line.Contains("Admin API listening", StringComparison.Ordinal), Bound, "the admin API's start line");
            return router;
        }
        catch
        {
            await router.DisposeAsync();
            throw;
        }
    }

    private HttpClient Admin() => new() { BaseAddress = new Uri($"http://{_admin}/"), Timeout = TimeSpan.FromSeconds(10) };

    private async Task<JsonElement> EndpointAsync(string endpoint)
    {
        using var client = Admin();
        using var document = JsonDocument.Parse(await client.GetStringAsync($"api/profiles/contoso/endpoints/{endpoint}"));
        return document.RootElement.Clone();
    }

    /// <summary>Asks the admin API every 100 ms until the endpoint satisfies <paramref name="condition"/>; fails after <see cref="Bound"/>.</summary>
    private async Task<JsonElement> WaitForEndpointAsync(string endpoint, Func<JsonElement, bool> condition, string what, RouterProcess router)
    {
        var deadline = Stopwatch.StartNew();
        JsonElement last = default;
        while (deadline.Elapsed < Bound && !router.HasExited)
        {
            last = await EndpointAsync(endpoint);
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(100);
        }

        throw new XunitException($"contoso/{endpoint} was not {what} within {Bound.TotalSeconds} s (last: {last}).{Environment.NewLine}{router.Describe()}");
    }

    /// <summary>Waits until <paramref name="probes"/> more probes of the endpoint finished after the one <paramref name="since"/> shows.</summary>
    private Task WaitForProbesAfterAsync(string endpoint, JsonElement since, int probes, RouterProcess router)
    {
        var from = since.GetProperty("lastProbe").GetProperty("time").GetDateTimeOffset();
        return WaitForEndpointAsync(endpoint,
            e => e.GetProperty("lastProbe").GetProperty("time").GetDateTimeOffset() >= from + TimeSpan.FromSeconds(Interval * probes - 0.5),
            $"probed {probes} more times", router);
    }

    private static string? Status(JsonElement endpoint) => endpoint.GetProperty("status").GetString();

    private static bool Held(JsonElement endpoint) => endpoint.GetProperty("held").GetBoolean();

    private string ReadState()
    {
        string path = Path.Combine(_directory.Path, "router-state.json");
        return File.Exists(path) ? File.ReadAllText(path) : "(none)";
    }

    private Task<DigResult> KdigAsync() => DnsTools.QueryAsync(DnsClientTool.Kdig, _dns, Contoso, "A", tcp: false);

    private static string[] Addresses(DigResult result) => [.. result.Answer.Where(r => r.Type is "A").Select(r => r.Data)];
}
