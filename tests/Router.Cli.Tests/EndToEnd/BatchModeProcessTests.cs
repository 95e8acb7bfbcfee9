using System.Diagnostics;
using System.Globalization;
using System.Net;
using DnsClient;
using Router.Cli.Tests.TestSupport;
using Router.Testing;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Router.Cli.Tests.EndToEnd;

/// <summary>
/// Batch monitoring as a user runs it (issue 12's acceptance): two real <c>router serve</c> health monitors (eastus on
/// 127.0.0.11, westeurope on 127.0.0.12, one port) over real storage directories, and a real <c>router serve</c> traffic
/// manager whose profiles read their verdicts from the monitors' batch documents (<c>Monitor:Mode: "Batch"</c>,
/// <c>ToleratedFailures: 0</c>). The test watches the monitor's own verdict and the DNS answer side by side (in-process,
/// every 10 ms) and measures the time from the monitor's transition to the changed answer.
/// </summary>
public sealed class BatchModeProcessTests(ITestOutputHelper output) : IDisposable
{
    private const string Zone = "tm.registry.test";
    private const string EastUs = "127.0.0.11";
    private const string WestEurope = "127.0.0.12";

    /// <summary>The rounds' interval: longer than the bound, so an answer that moves within it was moved by the long poll.</summary>
    private const int IntervalSeconds = 5;

    /// <summary>The bound from the monitor's transition to the DNS answer.</summary>
    private static readonly TimeSpan LongPollBound = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);

    private readonly TempDirectory _directory = new();
    private readonly IPEndPoint _dns = Loopback.FreeEndpoint();
    private readonly IPEndPoint _admin = Loopback.FreeEndpoint();
    private readonly int _monitorPort = Loopback.FreeEndpoint().Port;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task VerdictChange_MovesTheAnswerWithinOneSecondOfTheMonitor_AndBack()
    {
        // Arrange: every registry healthy in both regions; contoso and fabrikam prefer eastus (lower latency).
        await using var east = await StartMonitorAsync("eastus", EastUs);
        await using var west = await StartMonitorAsync("westeurope", WestEurope);
        await using var router = await StartRouterAsync();
        await WaitForAsync(async () => await AnswerAsync("contoso") == EastUs && await AnswerAsync("fabrikam") == EastUs, StartTimeout,
            "contoso and fabrikam answer eastus", router);

        // Act: contoso's storage in eastus goes away; the monitor notices within its own interval.
        var (monitorFailed, answerMoved) = await MeasureAsync(
            () => Directory.Move(Storage("eastus", "contoso"), Storage("eastus", "contoso") + ".off"),
            EastUs, expectedStatus: 503, expectedAnswer: WestEurope, router);
        string fabrikamAfter = await AnswerAsync("fabrikam");
        var (monitorRecovered, answerBack) = await MeasureAsync(
            () => Directory.Move(Storage("eastus", "contoso") + ".off", Storage("eastus", "contoso")),
            EastUs, expectedStatus: 200, expectedAnswer: EastUs, router);

        // Assert
        var failover = answerMoved - monitorFailed;
        var failback = answerBack - monitorRecovered;
        output.WriteLine($"monitor 503 -> answer westeurope: {failover.TotalMilliseconds:0} ms; monitor 200 -> answer eastus: {failback.TotalMilliseconds:0} ms (bound {LongPollBound.TotalSeconds:0} s, rounds every {IntervalSeconds} s)");
        Assert.True(failover < LongPollBound, $"the answer moved {failover.TotalMilliseconds:0} ms after the monitor's transition.{Environment.NewLine}{router.Describe()}");
        Assert.True(failback < LongPollBound, $"the answer came back {failback.TotalMilliseconds:0} ms after the monitor's recovery.{Environment.NewLine}{router.Describe()}");
        Assert.Equal(EastUs, fabrikamAfter); // only the registry whose verdict changed moved
    }

    /// <summary>
    /// Runs <paramref name="change"/>, then watches the eastus monitor's verdict of contoso and contoso's DNS answer, each
    /// every 10 ms on its own task, and returns when each was first seen changed (a shared stopwatch).
    /// </summary>
    private async Task<(TimeSpan Monitor, TimeSpan Answer)> MeasureAsync(Action change, string monitorAddress, int expectedStatus, string expectedAnswer, RouterProcess router)
    {
        var clock = Stopwatch.StartNew();
        var bound = TimeSpan.FromSeconds(20);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        change();
        var monitor = Task.Run(async () =>
        {
            while (clock.Elapsed < bound)
            {
                using var response = await client.GetAsync($"http://{monitorAddress}:{_monitorPort}/health/registries/contoso");
                if ((int)response.StatusCode == expectedStatus)
                {
                    return clock.Elapsed;
                }

                await Task.Delay(Poll);
            }

            throw new XunitException($"the monitor did not answer {expectedStatus} for contoso within {bound.TotalSeconds} s");
        });
        var answer = Task.Run(async () =>
        {
            while (clock.Elapsed < bound)
            {
                if (await AnswerAsync("contoso") == expectedAnswer)
                {
                    return clock.Elapsed;
                }

                await Task.Delay(Poll);
            }

            throw new XunitException($"contoso did not answer {expectedAnswer} within {bound.TotalSeconds} s.{Environment.NewLine}{router.Describe()}");
        });
        return (await monitor, await answer);
    }

    private async Task<string> AnswerAsync(string profile)
    {
        try
        {
            var response = await LoopbackDnsClient.QueryAsync(_dns, $"{profile}.{Zone}", QueryType.A);
            return string.Join(",", LoopbackDnsClient.Addresses(response));
        }
        catch (DnsResponseException)
        {
            return "(no answer)";
        }
    }

    private string Storage(string region, string registry) => Path.Combine(_directory.Path, $"{region}-{registry}");

    private async Task<RouterProcess> StartMonitorAsync(string region, string address)
    {
        Directory.CreateDirectory(Storage(region, "contoso"));
        Directory.CreateDirectory(Storage(region, "fabrikam"));
        string config = _directory.Write($"{region}.json", $$"""
            {
              "Health": {
                "Region": "{{region}}",
                "Listen": "http://{{address}}:{{_monitorPort}}",
                "Evaluation": { "IntervalSeconds": 0.5, "TimeoutSeconds": 0.3, "FailuresToUnhealthy": 1, "SuccessesToHealthy": 1 },
                "Resources": [
                  { "Id": "sa-contoso", "Kind": "Storage", "Check": { "Type": "Filesystem", "Path": "{{Storage(region, "contoso")}}" } },
                  { "Id": "sa-fabrikam", "Kind": "Storage", "Check": { "Type": "Filesystem", "Path": "{{Storage(region, "fabrikam")}}" } }
                ],
                "Registries": [ { "Name": "contoso", "Storage": "sa-contoso" }, { "Name": "fabrikam", "Storage": "sa-fabrikam" } ]
              }
            }
            """);
        var monitor = RouterProcess.Start(["serve", "--config", config]);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await WaitForAsync(async () =>
        {
            try
            {
                using var response = await client.GetAsync($"http://{address}:{_monitorPort}/health/registries");
                return response.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, StartTimeout, $"the {region} monitor's batch document", monitor);
        return monitor;
    }

    private async Task<RouterProcess> StartRouterAsync()
    {
        string profiles = string.Join(",", new[] { "contoso", "fabrikam" }.Select(name => $$"""
            { "Name": "{{name}}", "RoutingMethod": "Performance", "Ttl": 5,
              "Monitor": { "Mode": "Batch", "Protocol": "Http", "Port": {{_monitorPort}},
                           "IntervalSeconds": {{IntervalSeconds.ToString(CultureInfo.InvariantCulture)}}, "TimeoutSeconds": 2, "ToleratedFailures": 0 },
              "Endpoints": [
                { "Name": "eastus", "Location": "eastus", "Target": "{{EastUs}}" },
                { "Name": "westeurope", "Location": "westeurope", "Target": "{{WestEurope}}" }
              ] }
            """));
        string config = _directory.Write("router.json", $$"""
            {
              "Dns": { "Listen": [ "{{_dns}}" ] },
              "TrafficManager": {
                "Zone": "{{Zone}}",
                "LatencyTable": [ { "Network": "127.0.0.0/8", "Latencies": { "eastus": 10, "westeurope": 80 } } ],
                "Profiles": [ {{profiles}} ]
              },
              "Admin": { "Listen": "http://{{_admin}}" }
            }
            """);
        var router = RouterProcess.Start(["serve", "--config", config]);
        await router.WaitForStdoutAsync(line => line.Contains("Traffic manager answering zone", StringComparison.Ordinal), StartTimeout, "the traffic manager start line");
        return router;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, RouterProcess process)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout && !process.HasExited)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new XunitException($"{what}: not within {timeout.TotalSeconds:0} s.{Environment.NewLine}{process.Describe()}");
    }
}
