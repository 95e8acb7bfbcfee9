using Router.Cli.Configuration;
using Router.Dns.Server.Configuration;
using Router.Health.Configuration;

namespace Router.Cli.Commands;

/// <summary>The built-in demo that <c>router serve</c> runs without <c>--config</c>: it needs nothing installed.</summary>
internal static class DemoConfiguration
{
    public const string Listen = "127.0.0.1:5353";
    public const string Zone = "demo.test";

    public const string HealthListen = "http://127.0.0.1:8081";

    /// <summary>The demo: a DNS zone, and a health monitor whose storage is a directory of its own.</summary>
    /// <param name="storageDirectory">The directory the demo's storage check writes to (created by the caller).</param>
    public static RouterOptions Create(string storageDirectory) => new()
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
                        new() { Name = "registry", Type = "CNAME", Value = "www" },
                        new() { Name = "eastus", Type = "A", Value = "127.0.0.11" },
                        new() { Name = "westeurope", Type = "A", Value = "127.0.0.12" },
                        new() { Name = "eastasia", Type = "A", Value = "127.0.0.13" },
                        new() { Name = "@", Type = "MX", Value = "10 mail.demo.test." },
                        new() { Name = "mail", Type = "A", Value = "127.0.0.25" },
                        new() { Name = "@", Type = "TXT", Value = "Router demo zone: try www, registry (a CNAME), MX, TXT and SRV" },
                        new() { Name = "_registry._tcp", Type = "SRV", Value = "10 10 5000 registry.demo.test." },
                    ],
                },
            ],
            Forwarding = new DnsForwardingOptions { Enabled = false },
        },
        Health = new HealthOptions
        {
            Region = "demo",
            Listen = HealthListen,
            Evaluation = new HealthEvaluationOptions { IntervalSeconds = 2, TimeoutSeconds = 1, FailuresToUnhealthy = 2, SuccessesToHealthy = 2, StaleAfterSeconds = 30 },
            Resources =
            [
                new ResourceOptions { Id = "demo-storage", Kind = ResourceKind.Storage, Check = new CheckOptions { Type = "Filesystem", Path = storageDirectory } },
                // The "API containers" of the demo are our own DNS server's TCP port.
                new ResourceOptions { Id = "demo-api", Kind = ResourceKind.Container, Check = new CheckOptions { Type = "Tcp", Endpoint = Listen } },
            ],
            Registries =
            [
                new RegistryOptions { Name = "contoso", Storage = "demo-storage", Container = "demo-api" },
                new RegistryOptions { Name = "fabrikam", Container = "demo-api", DeepEvaluation = DeepEvaluationMode.Disabled },
            ],
        },
    };

    public static string Instructions(string endpoint, string healthAddress, string storageDirectory) =>
        $"""
        Router demo: authoritative DNS for {Zone} on {endpoint} (UDP and TCP). Forwarding is off, so other names are REFUSED.
        Try:
          dig @{Host(endpoint)} -p {Port(endpoint)} www.{Zone}
          dig @{Host(endpoint)} -p {Port(endpoint)} registry.{Zone} +tcp
          dig @{Host(endpoint)} -p {Port(endpoint)} nothing.{Zone}       (NXDOMAIN with the SOA)
        Deep health monitor (region "demo") on {healthAddress}: registry contoso depends on storage {storageDirectory}
        and on the DNS server's TCP port; fabrikam has deep evaluation switched off.
          curl -i {healthAddress}/health/registries/contoso
          curl {healthAddress}/health/resources
          chmod 000 {storageDirectory} is no fault for root: break it with  mv {storageDirectory} {storageDirectory}.off
          (contoso turns 503 after two failed probes, 2 s apart; move it back and it recovers after two successes)
        Press Ctrl+C to stop. 'router serve --config FILE' runs your own configuration; 'router --help' lists commands.
        """;

    private static string Host(string endpoint) => endpoint[..endpoint.LastIndexOf(':')].Trim('[', ']');

    private static string Port(string endpoint) => endpoint[(endpoint.LastIndexOf(':') + 1)..];
}
