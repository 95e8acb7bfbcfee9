using System.Net;
using System.Text.Json;
using Router.Health.Tests.Infrastructure;
using static Router.Health.Tests.Integration.IntegrationOptions;

namespace Router.Health.Tests.Integration;

/// <summary>
/// A real redis-server as the cache of contoso and fabrikam; northwind does not use it. The monitor probes for real
/// and is asked over HTTP.
/// </summary>
public sealed class RedisCacheOutageTests
{
    [Fact]
    public async Task RedisStoppedThenRestarted_CacheUsers503AfterThresholdThen200AfterHysteresis_OtherRegistryStays200()
    {
        // Arrange
        await using var redis = await RedisServer.StartAsync();
        await using var storage = await SwitchableTmpfs.MountAsync("sa-1");
        await using var live = await LiveMonitor.StartAsync(Create(
            [Filesystem("sa-1", storage.Path), Redis("cache", redis.Endpoint)],
            [Registry("contoso", storage: "sa-1", cache: "cache"), Registry("fabrikam", storage: "sa-1", cache: "cache"), Registry("northwind", storage: "sa-1")]));
        foreach (string registry in (string[])["contoso", "fabrikam", "northwind"])
        {
            await live.WaitForSettledHealthyAsync(registry);
        }

        var northwind = live.Record("northwind");

        // Act 1: the cache goes away.
        await redis.StopAsync();

        // Assert 1: 503 for both cache users, only once FailuresToUnhealthy probes in a row failed.
        foreach (string registry in (string[])["contoso", "fabrikam"])
        {
            var down = await live.WaitForAsync(registry, HttpStatusCode.ServiceUnavailable, "cache Unhealthy");
            var cache = down.Dependency("Cache");
            Assert.Equal("Unhealthy", cache.GetProperty("state").GetString());
            Assert.True(cache.GetProperty("consecutiveFailures").GetInt32() >= FailuresToUnhealthy, down.ToString());
            Assert.Equal("connection refused", cache.GetProperty("lastError").GetString());
            Assert.Equal("Healthy", down.StateOf("Storage"));
        }

        // Act 2: the cache comes back.
        long restarted = TimeProvider.System.GetTimestamp();
        await redis.RestartAsync();
        var justAfter = await live.GetAsync("contoso");

        // Assert 2: one good probe is not enough (hysteresis): still 503 right after the restart; while the cache
        // has fewer than SuccessesToHealthy successes in a row it stays Unhealthy (seen at least once); 200 only
        // after SuccessesToHealthy probes, which are an interval apart and cannot start before the restart did.
        Assert.True(justAfter.Status == HttpStatusCode.ServiceUnavailable, $"contoso answered right after the restart: {justAfter}");
        var samples = await SampleUntilHealthyAsync(live, "cache");
        var recovery = TimeProvider.System.GetElapsedTime(restarted);
        Assert.Contains(samples, s => s.Successes is > 0 and < SuccessesToHealthy && s.State == "Unhealthy");
        Assert.All(samples.Where(s => s.State == "Healthy"), s => Assert.True(s.Successes >= SuccessesToHealthy, $"Healthy after {s.Successes} success(es)"));
        var up = await live.WaitForSettledHealthyAsync("contoso");
        Assert.True(recovery >= (Interval * (SuccessesToHealthy - 1)) - TimeSpan.FromMilliseconds(50),
            $"contoso was 200 again {recovery.TotalMilliseconds:0} ms after the restart: sooner than {SuccessesToHealthy} probes allow. {up}");
        Assert.Null(up.Reason);
        await live.WaitForSettledHealthyAsync("fabrikam");

        // Assert 3: the registry that does not use the cache never noticed.
        await northwind.AssertAlwaysSettledHealthyAsync(minimum: 10);
    }

    [Fact]
    public async Task RedisPausedThenResumed_TimeoutsMake503_200AgainAfterResume()
    {
        // Arrange
        await using var redis = await RedisServer.StartAsync();
        await using var live = await LiveMonitor.StartAsync(Create(
            [Redis("cache", redis.Endpoint)],
            [Registry("contoso", cache: "cache")]));
        await live.WaitForSettledHealthyAsync("contoso");

        try
        {
            // Act 1: SIGSTOP, so the kernel still accepts connections but nothing ever answers.
            await redis.PauseAsync();

            // Assert 1
            var down = await live.WaitForAsync("contoso", HttpStatusCode.ServiceUnavailable, "cache timing out");
            var cache = down.Dependency("Cache");
            Assert.Equal("Unhealthy", cache.GetProperty("state").GetString());
            Assert.True(cache.GetProperty("consecutiveFailures").GetInt32() >= FailuresToUnhealthy, down.ToString());
            Assert.Equal("timed out after 0.4 s", cache.GetProperty("lastError").GetString());
            Assert.Contains("cache 'cache' is unhealthy: timed out after 0.4 s", down.Reason, StringComparison.Ordinal);
        }
        finally
        {
            // Act 2
            await redis.ResumeAsync();
        }

        // Assert 2
        await live.WaitForSettledHealthyAsync("contoso");
    }

    /// <summary>Samples resource <paramref name="id"/> in <c>/health/resources</c> (state, successes in a row) until it is Healthy.</summary>
    private static async Task<List<(string? State, int Successes)>> SampleUntilHealthyAsync(LiveMonitor live, string id)
    {
        var samples = new List<(string? State, int Successes)>();
        long started = TimeProvider.System.GetTimestamp();
        while (samples.Count == 0 || samples[^1].State != "Healthy")
        {
            if (TimeProvider.System.GetElapsedTime(started) > LiveMonitor.Deadline)
            {
                Assert.Fail($"{id} did not become Healthy within {LiveMonitor.Deadline.TotalSeconds} s; samples: {string.Join(", ", samples)}\n{await live.DescribeAsync()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
            using var resources = JsonDocument.Parse(await live.Client.GetStringAsync(new Uri("/health/resources", UriKind.Relative)));
            var resource = resources.RootElement.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);
            samples.Add((resource.GetProperty("state").GetString(), resource.GetProperty("consecutiveSuccesses").GetInt32()));
        }

        return samples;
    }
}
