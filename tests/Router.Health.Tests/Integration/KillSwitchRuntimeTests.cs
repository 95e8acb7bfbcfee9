using System.Net;
using Router.Health.Configuration;
using Router.Health.Tests.Infrastructure;
using static Router.Health.Tests.Integration.IntegrationOptions;

namespace Router.Health.Tests.Integration;

/// <summary>The kill switch, switched on a running monitor while a real dependency is down.</summary>
public sealed class KillSwitchRuntimeTests
{
    private const int DeepEvaluationSwitchedEventId = 2020;

    [Fact]
    public async Task DeepEvaluationDisabledAtRuntime_200WithReasonOnNextRequest_EnabledAgain503FromKeptState()
    {
        // Arrange: redis down, both cache users 503.
        await using var redis = await RedisServer.StartAsync();
        await using var live = await LiveMonitor.StartAsync(Build(redis.Endpoint, contoso: null, global: DeepEvaluationMode.Enabled));
        await live.WaitForSettledHealthyAsync("contoso");
        await redis.StopAsync();
        await live.WaitForAsync("contoso", HttpStatusCode.ServiceUnavailable, "cache Unhealthy");
        await live.WaitForAsync("fabrikam", HttpStatusCode.ServiceUnavailable, "cache Unhealthy");

        // Act 1: switch contoso off.
        live.Apply(Build(redis.Endpoint, contoso: DeepEvaluationMode.Disabled, global: DeepEvaluationMode.Enabled));
        var disabled = await live.GetAsync("contoso");
        var other = await live.GetAsync("fabrikam");

        // Assert 1: the very next request passes contoso through; fabrikam is not affected; the switch is logged.
        Assert.Equal(HttpStatusCode.OK, disabled.Status);
        Assert.Equal("deep evaluation disabled", disabled.Reason);
        Assert.True(disabled.FailOpen, disabled.ToString());
        Assert.Equal("Healthy", disabled.StatusText);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, other.Status);
        Assert.Contains(live.Logs.GetSnapshot(), e => e.Id.Id == DeepEvaluationSwitchedEventId && e.Message.Contains("contoso", StringComparison.Ordinal)
            && e.Message.Contains("Disabled", StringComparison.Ordinal));

        // Act 2: back on.
        live.Apply(Build(redis.Endpoint, contoso: DeepEvaluationMode.Enabled, global: DeepEvaluationMode.Enabled));
        var enabled = await live.GetAsync("contoso");

        // Assert 2: at once 503 again: the cache's state (and its failure count) carried over the reload.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, enabled.Status);
        var cache = enabled.Dependency("Cache");
        Assert.Equal("Unhealthy", cache.GetProperty("state").GetString());
        Assert.True(cache.GetProperty("consecutiveFailures").GetInt32() >= FailuresToUnhealthy, enabled.ToString());

        // Act 3: the global switch passes every registry through, and back.
        live.Apply(Build(redis.Endpoint, contoso: null, global: DeepEvaluationMode.Disabled));
        var contosoGlobal = await live.GetAsync("contoso");
        var fabrikamGlobal = await live.GetAsync("fabrikam");
        live.Apply(Build(redis.Endpoint, contoso: null, global: DeepEvaluationMode.Enabled));
        var fabrikamAfter = await live.GetAsync("fabrikam");

        // Assert 3
        Assert.Equal((HttpStatusCode.OK, "deep evaluation disabled"), (contosoGlobal.Status, contosoGlobal.Reason));
        Assert.Equal((HttpStatusCode.OK, "deep evaluation disabled"), (fabrikamGlobal.Status, fabrikamGlobal.Reason));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, fabrikamAfter.Status);
        Assert.Contains(live.Logs.GetSnapshot(), e => e.Id.Id == DeepEvaluationSwitchedEventId && e.Message.Contains("(all registries)", StringComparison.Ordinal));
    }

    private static HealthOptions Build(string redisEndpoint, DeepEvaluationMode? contoso, DeepEvaluationMode global) => Create(
        [Redis("cache", redisEndpoint)],
        [Registry("contoso", cache: "cache", deepEvaluation: contoso), Registry("fabrikam", cache: "cache")],
        global);
}
