using System.Net;
using Router.Cli.Tests.Hosting;
using Router.Cli.Tests.TestSupport;
using Router.Testing;

namespace Router.Cli.Tests.EndToEnd;

/// <summary>
/// <c>GET /metrics</c> of a real <c>router serve</c> (DNS, traffic manager, admin API): OpenTelemetry's Prometheus
/// exporter, checked with <see cref="PrometheusTextChecker"/>, with Router's instruments under their Prometheus names
/// and the runtime's next to them.
/// </summary>
public sealed class MetricsProcessTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private const string OnlineLine = "router_tm_endpoint_status{endpoint=\"eastus\",profile=\"contoso\",status=\"Online\"} 1\n";

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Serve_Metrics_ValidExpositionOfRouterAndRuntimeInstruments()
    {
        // Arrange: one profile whose endpoint is probed over TCP against the admin listener itself (Online).
        var dns = Loopback.FreeEndpoint();
        var admin = Loopback.FreeEndpoint();
        string path = _directory.Write("router.json", $$"""
            { "Dns": { "Listen": [ "{{dns}}" ],
                       "Zones": [ { "Name": "registry.test", "Records": [ { "Name": "www", "Type": "A", "Value": "127.0.0.80" } ] } ] },
              "TrafficManager": { "Zone": "tm.registry.test", "Profiles": [ { "Name": "contoso", "RoutingMethod": "Priority",
                  "Monitor": { "Protocol": "Tcp", "Port": {{admin.Port}}, "IntervalSeconds": 1, "TimeoutSeconds": 0.5 },
                  "Endpoints": [ { "Name": "eastus", "Target": "127.0.0.1" } ] } ] },
              "Admin": { "Listen": "http://{{admin}}", "StateFile": "state.json" } }
            """);
        await using var router = RouterProcess.Start(["serve", "--config", path]);
        // A bound that only ends a hung scrape: on a loaded machine the first scrape (runtime and exporter warming up) can
        // take seconds; what is checked is the exposition, not its speed.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var url = new Uri($"http://{admin}/metrics");

        // Act: scrapes until a probe has succeeded (the first may run before the admin listener it probes is up, and
        // fail), then answers from both zones.
        string text = await ScrapeUntilAsync(http, url, router, t => t.Contains(OnlineLine, StringComparison.Ordinal));
        Assert.Equal(["127.0.0.80"], await DnsProbe.QueryAAsync(dns, "www.registry.test"));
        Assert.Equal(["127.0.0.1"], await DnsProbe.QueryAAsync(dns, "contoso.tm.registry.test"));
        text = await ScrapeUntilAsync(http, url, router, t => t.Contains("router_tm_dns_answers_total{", StringComparison.Ordinal));

        // Assert
        PrometheusTextChecker.AssertValid(text);
        string[] families = [.. text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => string.Join(' ', l.Split(' ')[2..]))];
        Assert.Contains("router_dns_queries_total counter", families);
        Assert.Contains("router_tm_probes_total counter", families);
        Assert.Contains("router_tm_probe_duration_seconds histogram", families);
        Assert.Contains("router_tm_endpoint_status gauge", families);
        Assert.Contains("router_tm_endpoint_consecutive_failures gauge", families);
        Assert.Contains("router_tm_dns_answers_total counter", families);
        Assert.Contains("dotnet_gc_collections_total counter", families);
        Assert.Contains("target_info gauge", families);
        Assert.Contains("router_dns_queries_total{rcode=\"NoError\",transport=\"udp\"} ", text, StringComparison.Ordinal);
        Assert.Contains(OnlineLine, text, StringComparison.Ordinal);
        Assert.Contains("router_tm_endpoint_status{endpoint=\"eastus\",profile=\"contoso\",status=\"Degraded\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("router_tm_dns_answers_total{endpoint=\"eastus\",profile=\"contoso\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("router_tm_probe_duration_seconds_bucket{endpoint=\"eastus\",outcome=\"success\",profile=\"contoso\",le=\"0.0005\"} ", text, StringComparison.Ordinal);
    }

    /// <summary>Scrapes until <paramref name="done"/> holds for the text (bounded); fails if the router exits first.</summary>
    private static async Task<string> ScrapeUntilAsync(HttpClient http, Uri url, RouterProcess router, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow + Deadline;
        string last = string.Empty;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync(url);
                last = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.OK && done(last))
                {
                    return last;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.False(router.HasExited, router.Describe());
            await Task.Delay(100);
        }

        Assert.Fail($"/metrics did not get there within {Deadline.TotalSeconds} s:\n{last}\n{router.Describe()}");
        return last;
    }
}
