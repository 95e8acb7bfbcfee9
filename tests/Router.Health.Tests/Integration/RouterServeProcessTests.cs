using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Router.Health.Tests.Infrastructure;

namespace Router.Health.Tests.Integration;

/// <summary>The health monitor as an operator runs it: <c>router serve --config FILE</c> with a <c>Health</c> section.</summary>
public sealed class RouterServeProcessTests
{
    private const string Contoso = "/health/registries/contoso";

    [Fact]
    public async Task Serve_RedisStopped503_ConfigEditDisablesDeepEvaluation200WithoutRestart_SigtermExits0()
    {
        // Arrange: a config file with one registry on a real redis cache.
        await using var redis = await RedisServer.StartAsync();
        var config = Config(redis.Endpoint);
        await using var monitor = await ServedHealthMonitor.StartAsync(config);
        var router = monitor.Router;

        // Assert 1: 200 from real results.
        await monitor.WaitForAsync(Contoso, HttpStatusCode.OK, "contoso settled healthy",
            body => !body.GetProperty("failOpen").GetBoolean() && body.GetProperty("reason").ValueKind == JsonValueKind.Null);

        // Act 2: the cache goes away. Assert 2: 503 naming it.
        await redis.StopAsync();
        var down = await monitor.WaitForAsync(Contoso, HttpStatusCode.ServiceUnavailable, "contoso unhealthy", _ => true);
        Assert.Equal("cache 'cache' is unhealthy: connection refused", down.GetProperty("reason").GetString());

        // Act 3: the operator flips the kill switch for contoso in the file; the process keeps running.
        config["Health"]!["Registries"]![0]!["DeepEvaluation"] = "Disabled";
        await monitor.RewriteConfigAsync(config);

        // Assert 3: 200 with the reason, from the same process; the switch was logged.
        var disabled = await monitor.WaitForAsync(Contoso, HttpStatusCode.OK, "deep evaluation disabled",
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

    private static JsonObject Config(string redisEndpoint) => new()
    {
        ["Health"] = new JsonObject
        {
            ["Region"] = "eastus",
            ["Listen"] = "http://127.0.0.1:0",
            ["DeepEvaluation"] = "Enabled",
            ["Evaluation"] = IntegrationOptions.EvaluationJson(),
            ["Resources"] = new JsonArray(new JsonObject
            {
                ["Id"] = "cache",
                ["Kind"] = "Cache",
                ["Check"] = new JsonObject { ["Type"] = "Redis", ["Endpoint"] = redisEndpoint },
            }),
            ["Registries"] = new JsonArray(new JsonObject { ["Name"] = "contoso", ["Cache"] = "cache" }),
        },
    };
}
