using Router.Cli.Configuration;
using Router.Dns.Server.Configuration;

namespace Router.Cli.Commands;

/// <summary>The built-in demo that <c>router serve</c> runs without <c>--config</c>: it needs nothing installed.</summary>
internal static class DemoConfiguration
{
    public const string Listen = "127.0.0.1:5353";
    public const string Zone = "demo.test";

    public static RouterOptions Create() => new()
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
    };

    public static string Instructions(string endpoint) =>
        $"""
        Router demo: authoritative DNS for {Zone} on {endpoint} (UDP and TCP). Forwarding is off, so other names are REFUSED.
        Try:
          dig @{Host(endpoint)} -p {Port(endpoint)} www.{Zone}
          dig @{Host(endpoint)} -p {Port(endpoint)} registry.{Zone} +tcp
          dig @{Host(endpoint)} -p {Port(endpoint)} nothing.{Zone}       (NXDOMAIN with the SOA)
        Press Ctrl+C to stop. 'router serve --config FILE' runs your own configuration; 'router --help' lists commands.
        """;

    private static string Host(string endpoint) => endpoint[..endpoint.LastIndexOf(':')].Trim('[', ']');

    private static string Port(string endpoint) => endpoint[(endpoint.LastIndexOf(':') + 1)..];
}
