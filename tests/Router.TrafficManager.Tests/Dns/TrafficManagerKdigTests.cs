using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Router.Dns.Server;
using Router.Dns.Server.Configuration;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Dns;
using Router.TrafficManager.Routing;
using static Router.TrafficManager.Tests.Routing.RoutingFixtures;

namespace Router.TrafficManager.Tests.Dns;

/// <summary>
/// A real <see cref="DnsServer"/> on 127.0.0.1 (port 0) with the traffic manager zone as an extra handler, asked by
/// <c>kdig</c>: the contract's static-zone CNAME into the profile and a profile's CNAME into the static zone, ECS
/// changing the answer and the echoed scope (and a /0 source opting out), and <c>ns1</c> at the listen address.
/// </summary>
public sealed partial class TrafficManagerKdigTests
{
    private static readonly TimeSpan HardTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Kdig_ProfileAndStaticCnameAndClientSubnet_RoutedAnswers()
    {
        // Arrange
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        var tm = Contract();
        tm.Profiles.Add(Profile("cn", RoutingMethod.Priority, "www.registry.test"));
        var holder = new RoutingSnapshotHolder(RoutingSnapshot.Build(tm, AllOnline));
        var handler = new TrafficManagerZoneHandler(holder, new RoutingMetrics(meterFactory));
        var options = new DnsServerOptions
        {
            Listen = ["127.0.0.1:0"],
            UdpReceivers = 1,
            Zones =
            [
                new DnsZoneOptions
                {
                    Name = "registry.test",
                    Ttl = 300,
                    Records =
                    [
                        new DnsRecordOptions { Name = "contoso", Type = "CNAME", Value = "contoso.tm.registry.test." },
                        new DnsRecordOptions { Name = "www", Type = "A", Value = "127.0.0.80" },
                    ],
                },
            ],
        };
        await using var server = new DnsServer(options, NullLoggerFactory.Instance, meterFactory, TimeProvider.System, [handler],
            "/nonexistent/router-tests/resolv.conf");
        using var startup = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await server.StartAsync(startup.Token);
        var endpoint = server.LocalEndPoints[0];

        // Act
        string direct = await KdigAsync(endpoint, "contoso.tm.registry.test", "A");
        string chained = await KdigAsync(endpoint, "contoso.registry.test", "A", "+tcp");
        string subnet = await KdigAsync(endpoint, "contoso.tm.registry.test", "A", "+subnet=10.1.2.0/24");
        string optOut = await KdigAsync(endpoint, "contoso.tm.registry.test", "A", "+subnet=0.0.0.0/0");
        string intoStatic = await KdigAsync(endpoint, "cn.tm.registry.test", "A");
        string ns1 = await KdigAsync(endpoint, "ns1.tm.registry.test", "A");
        string missing = await KdigAsync(endpoint, "nothing.tm.registry.test", "A");
        string apex = await KdigAsync(endpoint, "tm.registry.test", "SOA");
        holder.Update(s => s.WithEndpointStates("contoso", [Degraded, Online, Online]));
        string failedOver = await KdigAsync(endpoint, "contoso.tm.registry.test", "A");

        // Assert: the loopback client is in 127.0.0.0/8 (eastus nearest); 10.1.2.0/24 is in 10.1.0.0/16 (westeurope).
        Assert.Equal(["contoso.tm.registry.test. 30 IN A 127.0.0.11"], Answers(direct));
        Assert.Contains("aa", Flags(direct));
        Assert.Equal(
            ["contoso.registry.test. 300 IN CNAME contoso.tm.registry.test.", "contoso.tm.registry.test. 30 IN A 127.0.0.11"],
            Answers(chained));
        Assert.Equal(["contoso.tm.registry.test. 30 IN A 127.0.0.12"], Answers(subnet));
        Assert.Equal("10.1.2.0/24/16", SubnetPattern().Match(subnet).Groups[1].Value);
        Assert.Equal(["contoso.tm.registry.test. 30 IN A 127.0.0.11"], Answers(optOut)); // routed by the source, 127.0.0.1
        Assert.Equal("0.0.0.0/0/0", SubnetPattern().Match(optOut).Groups[1].Value);
        Assert.Equal(["cn.tm.registry.test. 60 IN CNAME www.registry.test.", "www.registry.test. 300 IN A 127.0.0.80"], Answers(intoStatic));
        Assert.Equal(["ns1.tm.registry.test. 300 IN A 127.0.0.1"], Answers(ns1));
        Assert.Contains("status: NXDOMAIN", missing, StringComparison.Ordinal);
        Assert.Matches(@"tm\.registry\.test\.\s+300\s+IN\s+SOA\s+ns1\.tm\.registry\.test\. hostmaster\.tm\.registry\.test\.", missing);
        Assert.Single(Answers(apex));
        Assert.Equal(["contoso.tm.registry.test. 30 IN A 127.0.0.12"], Answers(failedOver));
    }

    private static async Task<string> KdigAsync(IPEndPoint server, string name, string type, params string[] options)
    {
        string? kdig = new[] { "/usr/bin/kdig", "/usr/local/bin/kdig" }.FirstOrDefault(File.Exists);
        Assert.True(kdig is not null, "kdig was not found; install it (apt-get install knot-dnsutils).");
        var start = new ProcessStartInfo(kdig!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["@" + server.Address, "-p", server.Port.ToString(CultureInfo.InvariantCulture),
            "+timeout=2", "+retry=0", .. options, "-q", name, "-t", type])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(HardTimeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"kdig {name} {type} did not finish within {HardTimeout.TotalSeconds} s.");
        }

        string text = await output;
        Assert.True(process.ExitCode == 0, $"kdig {name} {type} exited {process.ExitCode}: {text}{await errors}");
        return text;
    }

    /// <summary>The answer section's records, whitespace collapsed.</summary>
    private static string[] Answers(string output)
    {
        int start = output.IndexOf(";; ANSWER SECTION:", StringComparison.Ordinal);
        if (start < 0)
        {
            return [];
        }

        return [.. output[start..].Split('\n').Skip(1).TakeWhile(l => l.Trim().Length > 0 && !l.StartsWith(";;", StringComparison.Ordinal))
            .Select(l => WhitespacePattern().Replace(l.Trim(), " "))];
    }

    private static string[] Flags(string output) =>
        FlagsPattern().Match(output).Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [GeneratedRegex(@"CLIENT-SUBNET: (\S+)")]
    private static partial Regex SubnetPattern();

    [GeneratedRegex(@";; Flags: ([a-z ]*);")]
    private static partial Regex FlagsPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();
}
