using Router.Cli.Configuration;
using Router.Dns.Server.Configuration;
using Router.Health.Configuration;
using Router.TrafficManager.Configuration;

namespace Router.Cli.Commands;

/// <summary>The built-in demo that <c>router serve</c> runs without <c>--config</c>: it needs nothing installed.</summary>
internal static class DemoConfiguration
{
    public const string Listen = "127.0.0.1:5353";
    public const string Zone = "demo.test";

    public const string TrafficManagerZone = "tm.demo.test";

    /// <summary>The two regions' health monitors: each region's endpoint address, port 8081.</summary>
    public const string EastUs = "127.0.0.11";
    public const string WestEurope = "127.0.0.12";
    public const int HealthPort = 8081;
    public const string AdminListen = "http://127.0.0.1:8053";

    /// <summary>
    /// The demo: a DNS zone; a traffic manager profile <c>contoso</c> whose two endpoints (eastus, westeurope) are probed
    /// at the deep health monitors of their regions, both run by this process; and the admin API.
    /// </summary>
    /// <param name="storageRoot">A directory (created by the caller) for the regions' storage directories.</param>
    /// <returns>The options, and the second region's monitor (the file format has one <c>Health</c> section per process).</returns>
    public static (RouterOptions Options, HealthOptions WestEuropeHealth) Create(string storageRoot)
    {
        var options = new RouterOptions
        {
            Dns = new DnsServerOptions
            {
                Listen = [Listen],
                Zones =
                [
                    new DnsZoneOptions
                    {
                        Name = Zone,
                        Ttl = 300,
                        Records =
                        [
                            new() { Name = "www", Type = "A", Value = "127.0.0.80" },
                            new() { Name = "www", Type = "AAAA", Value = "::1" },
                            new() { Name = "registry", Type = "CNAME", Value = $"contoso.{TrafficManagerZone}." },
                            new() { Name = "eastus", Type = "A", Value = EastUs },
                            new() { Name = "westeurope", Type = "A", Value = WestEurope },
                            new() { Name = "@", Type = "MX", Value = "10 mail.demo.test." },
                            new() { Name = "mail", Type = "A", Value = "127.0.0.25" },
                            new() { Name = "@", Type = "TXT", Value = "Router demo zone: try www, registry (a CNAME into tm.demo.test), MX, TXT and SRV" },
                            new() { Name = "_registry._tcp", Type = "SRV", Value = "10 10 5000 registry.demo.test." },
                        ],
                    },
                ],
                Forwarding = new DnsForwardingOptions { Enabled = false },
            },
            TrafficManager = new TrafficManagerOptions
            {
                Zone = TrafficManagerZone,
                LatencyTable =
                [
                    new LatencyEntryOptions { Network = "127.0.0.0/8", Latencies = { ["eastus"] = 10, ["westeurope"] = 80 } },
                    new LatencyEntryOptions { Network = "10.20.0.0/16", Latencies = { ["eastus"] = 90, ["westeurope"] = 15 } },
                ],
                Profiles =
                [
                    new ProfileOptions
                    {
                        Name = "contoso",
                        RoutingMethod = RoutingMethod.Performance,
                        Ttl = 5,
                        Monitor = new MonitorOptions
                        {
                            Port = HealthPort,
                            Path = "/health/registries/contoso",
                            IntervalSeconds = 2,
                            TimeoutSeconds = 1,
                            ToleratedFailures = 1,
                            ExpectedStatusCodes = ["200-299"],
                        },
                        Endpoints =
                        [
                            new EndpointOptions { Name = "eastus", Location = "eastus", Target = EastUs },
                            new EndpointOptions { Name = "westeurope", Location = "westeurope", Target = WestEurope },
                        ],
                    },
                ],
            },
            Health = Region("eastus", EastUs, storageRoot),
            Admin = new AdminOptions { Listen = AdminListen },
        };
        return (options, Region("westeurope", WestEurope, storageRoot));
    }

    /// <summary>The storage directory of one region of the demo.</summary>
    public static string Storage(string storageRoot, string region) => System.IO.Path.Combine(storageRoot, region + "-storage");

    private static HealthOptions Region(string region, string address, string storageRoot) => new()
    {
        Region = region,
        Listen = $"http://{address}:{HealthPort}",
        Evaluation = new HealthEvaluationOptions { IntervalSeconds = 2, TimeoutSeconds = 1, FailuresToUnhealthy = 2, SuccessesToHealthy = 2, StaleAfterSeconds = 30 },
        Resources =
        [
            new ResourceOptions { Id = region + "-storage", Kind = ResourceKind.Storage, Check = new CheckOptions { Type = "Filesystem", Path = Storage(storageRoot, region) } },
            // The "API containers" of the demo are our own DNS server's TCP port.
            new ResourceOptions { Id = "demo-api", Kind = ResourceKind.Container, Check = new CheckOptions { Type = "Tcp", Endpoint = Listen } },
        ],
        Registries =
        [
            new RegistryOptions { Name = "contoso", Storage = region + "-storage", Container = "demo-api" },
            new RegistryOptions { Name = "fabrikam", Container = "demo-api", DeepEvaluation = DeepEvaluationMode.Disabled },
        ],
    };

    public static string Instructions(string endpoint, string storageRoot)
    {
        string dig = $"dig @{Host(endpoint)} -p {Port(endpoint)}";
        string eastus = Storage(storageRoot, "eastus");
        return $"""
        Router demo: authoritative DNS for {Zone} and the traffic manager zone {TrafficManagerZone} on {endpoint} (UDP and TCP).
        Profile contoso (performance routing) has two regions, each probed at its own deep health monitor:
          eastus      {EastUs}   health http://{EastUs}:{HealthPort}/health/registries/contoso   storage {eastus}
          westeurope  {WestEurope}   health http://{WestEurope}:{HealthPort}/health/registries/contoso   storage {Storage(storageRoot, "westeurope")}
        Try:
          {dig} www.{Zone}
              -> the static zone, answered authoritatively (aa); nothing.{Zone} is NXDOMAIN with the SOA
          {dig} contoso.{TrafficManagerZone} +short
              -> {EastUs}: eastus is 10 ms from 127.0.0.0/8, westeurope 80 ms
          {dig} contoso.{TrafficManagerZone} +subnet=10.20.1.0/24
              -> {WestEurope}: a client in 10.20.0.0/16 (EDNS Client Subnet) is nearer westeurope
          {dig} registry.{Zone}
              -> a CNAME in the static zone, answered through to the profile
          router status                  (or: dotnet run --project src/Router.Cli -- status; admin API on {AdminListen})
          router explain contoso.{TrafficManagerZone} --client 127.0.0.1
        Fail eastus over (chmod does not stop root; moving the storage away does):
          mv {eastus} {eastus}.off
          -> contoso turns 503 at http://{EastUs}:{HealthPort} after 2 failed checks (2 s apart), the endpoint is Degraded
             after 2 failed probes (2 s apart), and dig answers {WestEurope}. Move it back and eastus returns.
        Press Ctrl+C to stop. 'router serve --config FILE' runs your own configuration; 'router --help' lists commands.
        """;
    }

    private static string Host(string endpoint) => endpoint[..endpoint.LastIndexOf(':')].Trim('[', ']');

    private static string Port(string endpoint) => endpoint[(endpoint.LastIndexOf(':') + 1)..];
}
