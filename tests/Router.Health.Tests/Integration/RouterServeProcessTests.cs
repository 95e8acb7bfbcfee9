using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Router.Health.Tests.Infrastructure;
using Router.Testing;

namespace Router.Health.Tests.Integration;

/// <summary>The health monitor as an operator runs it: <c>router serve --config FILE</c> with a <c>Health</c> section.</summary>
public sealed partial class RouterServeProcessTests
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Serve_RedisStopped503_ConfigEditDisablesDeepEvaluation200WithoutRestart_SigtermExits0()
    {
        // Arrange: a config file with one registry on a real redis cache.
        await using var redis = await RedisServer.StartAsync();
        var directory = Directory.CreateTempSubdirectory("router-e2e-serve-");
        try
        {
            string configPath = Path.Combine(directory.FullName, "router.json");
            var config = Config(redis.Endpoint);
            await WriteAtomicallyAsync(configPath, config);
            await using var router = RouterProcess.Start(["serve", "--config", configPath], workingDirectory: directory.FullName);
            var address = await HealthAddressAsync(router);
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };

            // Assert 1: 200 from real results.
            await WaitForAsync(client, router, HttpStatusCode.OK, "contoso settled healthy",
                body => !body.GetProperty("failOpen").GetBoolean() && body.GetProperty("reason").ValueKind == JsonValueKind.Null);

            // Act 2: the cache goes away. Assert 2: 503 naming it.
            await redis.StopAsync();
            var down = await WaitForAsync(client, router, HttpStatusCode.ServiceUnavailable, "contoso unhealthy", _ => true);
            Assert.Equal("cache 'cache' is unhealthy: connection refused", down.GetProperty("reason").GetString());

            // Act 3: the operator flips the kill switch for contoso in the file; the process keeps running.
            config["Health"]!["Registries"]![0]!["DeepEvaluation"] = "Disabled";
            await WriteAtomicallyAsync(configPath, config);

            // Assert 3: 200 with the reason, from the same process; the switch was logged.
            var disabled = await WaitForAsync(client, router, HttpStatusCode.OK, "deep evaluation disabled",
                body => body.GetProperty("reason").GetString() == "deep evaluation disabled");
            Assert.True(disabled.GetProperty("failOpen").GetBoolean(), disabled.ToString());
            Assert.False(router.HasExited, router.Describe());
            const string SwitchLogged = "Deep evaluation for contoso switched to Disabled.";
            await router.WaitForOutputAsync(line => line.Contains(SwitchLogged, StringComparison.Ordinal), LiveMonitor.Deadline, $"'{SwitchLogged}'");

            // Act 4: SIGTERM. Assert 4: a clean exit.
            await router.SendSigtermAsync();
            int exitCode = await router.WaitForExitAsync(TimeSpan.FromSeconds(15));
            Assert.True(exitCode == 0, $"router exited with {exitCode} after SIGTERM.\n{router.Describe()}");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Waits for the health server's "listening on" log line; returns the address it bound (port 0 resolved).</summary>
    private static async Task<Uri> HealthAddressAsync(RouterProcess router)
    {
        string line = await router.WaitForOutputAsync(l => ListeningLine().IsMatch(l), StartupTimeout, "where the health endpoints listen");
        return new Uri(ListeningLine().Match(line).Groups["address"].Value);
    }

    [GeneratedRegex(@"Health endpoints listening on (?<address>http://127\.0\.0\.1:[1-9][0-9]*)")]
    private static partial Regex ListeningLine();

    private static JsonObject Config(string redisEndpoint) => new()
    {
        ["Health"] = new JsonObject
        {
            ["Region"] = "eastus",
            ["Listen"] = "http://127.0.0.1:0",
            ["DeepEvaluation"] = "Enabled",
            ["Evaluation"] = new JsonObject
            {
                ["IntervalSeconds"] = IntegrationOptions.IntervalSeconds,
                ["TimeoutSeconds"] = IntegrationOptions.TimeoutSeconds,
                ["FailuresToUnhealthy"] = IntegrationOptions.FailuresToUnhealthy,
                ["SuccessesToHealthy"] = IntegrationOptions.SuccessesToHealthy,
                ["StaleAfterSeconds"] = 30,
            },
            ["Resources"] = new JsonArray(new JsonObject
            {
                ["Id"] = "cache",
                ["Kind"] = "Cache",
                ["Check"] = new JsonObject { ["Type"] = "Redis", ["Endpoint"] = redisEndpoint },
            }),
            ["Registries"] = new JsonArray(new JsonObject { ["Name"] = "contoso", ["Cache"] = "cache" }),
        },
    };

    /// <summary>Writes next to the file and renames over it, as a careful operator (or a ConfigMap) does.</summary>
    private static async Task WriteAtomicallyAsync(string path, JsonObject config)
    {
        string next = path + ".next";
        await File.WriteAllTextAsync(next, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(next, path, overwrite: true);
    }

    private static async Task<JsonElement> WaitForAsync(HttpClient client, RouterProcess router, HttpStatusCode status, string what,
        Func<JsonElement, bool> condition)
    {
        long started = TimeProvider.System.GetTimestamp();
        string last = "(no answer yet)";
        while (true)
        {
            Assert.False(router.HasExited, $"router exited while waiting for {what}.\n{router.Describe()}");
            try
            {
                using var response = await client.GetAsync(new Uri("/health/registries/contoso", UriKind.Relative));
                string raw = await response.Content.ReadAsStringAsync();
                last = $"{(int)response.StatusCode} {raw}";
                using var document = JsonDocument.Parse(raw);
                if (response.StatusCode == status && condition(document.RootElement))
                {
                    return document.RootElement.Clone();
                }
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }

            if (TimeProvider.System.GetElapsedTime(started) > LiveMonitor.Deadline)
            {
                Assert.Fail($"contoso did not answer {(int)status} ({what}) within {LiveMonitor.Deadline.TotalSeconds} s. Last: {last}\n{router.Describe()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }
}
