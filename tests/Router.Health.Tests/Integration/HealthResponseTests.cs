using System.Net;
using System.Text.Json;
using Router.Health.Tests.Infrastructure;
using static Router.Health.Tests.Integration.IntegrationOptions;

namespace Router.Health.Tests.Integration;

/// <summary>What the prober and an operator read: the JSON of a healthy and of an unhealthy answer, and HEAD.</summary>
public sealed class HealthResponseTests
{
    [Fact]
    public async Task HealthyAnswer_AfterFirstResults_SettledBodyNotFailOpen_HeadSameStatusNoBody()
    {
        // Arrange
        await using var redis = await RedisServer.StartAsync();
        await using var storage = await SwitchableTmpfs.MountAsync("sa-1");
        await using var live = await LiveMonitor.StartAsync(Create(
            [Filesystem("sa-1", storage.Path), Redis("cache", redis.Endpoint)],
            [Registry("contoso", storage: "sa-1", cache: "cache")]));

        // Act
        var up = await live.WaitForSettledHealthyAsync("contoso");
        var head = await live.HeadAsync("contoso");

        // Assert
        Assert.Equal("no-store", up.CacheControl);
        Assert.StartsWith("application/json", up.ContentType, StringComparison.Ordinal);
        Assert.Equal("contoso", up.Body.GetProperty("registry").GetString());
        Assert.Equal(Region, up.Body.GetProperty("region").GetString());
        Assert.Equal("Healthy", up.StatusText);
        Assert.False(up.FailOpen);
        Assert.Equal(JsonValueKind.Null, up.Body.GetProperty("reason").ValueKind);
        Assert.Equal(["Storage", "Cache"], up.Dependencies.Select(d => d.GetProperty("kind").GetString()));
        Assert.Equal(["sa-1", "cache"], up.Dependencies.Select(d => d.GetProperty("resource").GetString()));
        foreach (var dependency in up.Dependencies)
        {
            Assert.Equal("Healthy", dependency.GetProperty("state").GetString());
            Assert.Equal(0, dependency.GetProperty("consecutiveFailures").GetInt32());
            Assert.Equal(JsonValueKind.Null, dependency.GetProperty("lastError").ValueKind);
            Assert.True(dependency.GetProperty("since").TryGetDateTimeOffset(out _), dependency.ToString());
        }

        Assert.Equal(HttpStatusCode.OK, head.Status);
        Assert.Empty(head.Body);

        var unknown = await live.GetAsync("no-such-registry");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await live.HeadAsync("no-such-registry")).Status);
        using var alive = await live.Client.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task UnhealthyAnswer_503BodyNamesFailingDependency_HeadSameStatusNoBody()
    {
        // Arrange
        await using var redis = await RedisServer.StartAsync();
        await using var storage = await SwitchableTmpfs.MountAsync("sa-1");
        await using var live = await LiveMonitor.StartAsync(Create(
            [Filesystem("sa-1", storage.Path), Redis("cache", redis.Endpoint)],
            [Registry("contoso", storage: "sa-1", cache: "cache")]));
        await live.WaitForSettledHealthyAsync("contoso");

        // Act
        await redis.StopAsync();
        var down = await live.WaitForAsync("contoso", HttpStatusCode.ServiceUnavailable, "cache Unhealthy");
        var head = await live.HeadAsync("contoso");

        // Assert: the body says which dependency, how often it failed and why; the rest is healthy.
        Assert.Equal("no-store", down.CacheControl);
        Assert.Equal("contoso", down.Body.GetProperty("registry").GetString());
        Assert.Equal(Region, down.Body.GetProperty("region").GetString());
        Assert.Equal("Unhealthy", down.StatusText);
        Assert.False(down.FailOpen);
        Assert.Equal("cache 'cache' is unhealthy: connection refused", down.Reason);
        var cache = down.Dependency("Cache");
        Assert.Equal("cache", cache.GetProperty("resource").GetString());
        Assert.Equal("Unhealthy", cache.GetProperty("state").GetString());
        Assert.True(cache.GetProperty("consecutiveFailures").GetInt32() >= FailuresToUnhealthy, down.ToString());
        Assert.Equal("connection refused", cache.GetProperty("lastError").GetString());
        var healthyStorage = down.Dependency("Storage");
        Assert.Equal("Healthy", healthyStorage.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, healthyStorage.GetProperty("lastError").ValueKind);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, head.Status);
        Assert.Empty(head.Body);

        // The resources view agrees.
        using var resources = JsonDocument.Parse(await live.ResourcesAsync());
        var cacheResource = resources.RootElement.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("id").GetString() == "cache");
        Assert.Equal("Unhealthy", cacheResource.GetProperty("state").GetString());
        Assert.Equal("Failure", cacheResource.GetProperty("lastResult").GetProperty("outcome").GetString());
        Assert.Equal("connection refused", cacheResource.GetProperty("lastResult").GetProperty("error").GetString());
    }
}
