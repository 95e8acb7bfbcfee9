using System.Net;
using System.Text.Json;
using Router.Health.Configuration;
using Router.Health.Tests.Monitoring;
using Router.Health.Tests.Topology;

namespace Router.Health.Tests.Http;

/// <summary>
/// Zone pools over real HTTP on loopback, in front of a monitor with fake checks on virtual time: each dependency's
/// <c>zones</c>, <c>degradedZones</c> on a 200, <c>/health/resources</c> with every instance, and the batch document
/// carrying the same verdicts (a lost zone moves its version).
/// </summary>
public sealed class ZonePoolEndpointsTests
{
    [Fact]
    public async Task GetRegistry_OneZoneLost_200WithDegradedZonesAndEachZone()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(ZonePoolMonitorTests.StoragePool());
        await harness.Monitor.StartAsync();
        harness.Monitor.Check("sa-z2").Fail("Read-only file system");

        // Act
        await harness.Monitor.RunIntervalsAsync(3);
        var (response, body) = await harness.GetJsonAsync("/health/registries/contoso");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("reason").ValueKind);
        Assert.Equal(["2"], body.GetProperty("degradedZones").EnumerateArray().Select(z => z.GetString()));
        var storage = Assert.Single(body.GetProperty("dependencies").EnumerateArray());
        Assert.Equal("Healthy", storage.GetProperty("state").GetString());
        var zones = storage.GetProperty("zones").EnumerateArray().ToArray();
        Assert.Equal(["1", "2", "3"], zones.Select(z => z.GetProperty("zone").GetString()));
        Assert.Equal(["Healthy", "Unhealthy", "Healthy"], zones.Select(z => z.GetProperty("state").GetString()));
        Assert.Equal("Read-only file system", zones[1].GetProperty("lastError").GetString());
        Assert.Equal(harness.Monitor.State("sa").Zones![1].Since, zones[1].GetProperty("since").GetDateTimeOffset());
        Assert.All(zones, z => Assert.False(z.GetProperty("stale").GetBoolean()));
    }

    [Fact]
    public async Task GetRegistry_TwoZonesLost_503NamingThemAndNoZoneRule503()
    {
        // Arrange: contoso on the storage pool; "pull" also on a front-end pool, with Zones.
        var options = TestOptions.With(
            [TestOptions.Pool("sa", ResourceKind.Storage, null, "1", "2", "3"), TestOptions.Pool("fe", ResourceKind.Container, 1, "1", "2", "3")],
            [
                new RegistryOptions { Name = "contoso", Storage = "sa" },
                new RegistryOptions { Name = "pull", Storage = "sa", Container = "fe", Zones = ["1", "2", "3"] },
            ]);
        await using var harness = await HealthServerHarness.StartAsync(options);
        await harness.Monitor.StartAsync();
        foreach (string id in new[] { "sa-z2", "sa-z3", "fe-z1" })
        {
            harness.Monitor.Check(id).Fail("down");
        }

        // Act
        await harness.Monitor.RunIntervalsAsync(3);
        var (contosoResponse, contoso) = await harness.GetJsonAsync("/health/registries/contoso");
        var (pullResponse, pull) = await harness.GetJsonAsync("/health/registries/pull");

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, contosoResponse.StatusCode);
        Assert.Equal("storage 'sa' is unhealthy: 1 of 3 zones up, 2 needed (zone 2: down, zone 3: down)", contoso.GetProperty("reason").GetString());
        Assert.Equal(["2", "3"], contoso.GetProperty("degradedZones").EnumerateArray().Select(z => z.GetString()));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, pullResponse.StatusCode);
        Assert.Equal(
            "storage 'sa' is unhealthy: 1 of 3 zones up, 2 needed (zone 2: down, zone 3: down); "
            + "no zone has all of the registry's zonal dependencies healthy (zones 1, 2, 3)",
            pull.GetProperty("reason").GetString());
        Assert.Equal(["1", "2", "3"], pull.GetProperty("degradedZones").EnumerateArray().Select(z => z.GetString()));
    }

    [Fact]
    public async Task GetResources_Pool_ShowsEveryInstance()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(ZonePoolMonitorTests.StoragePool());
        await harness.Monitor.StartAsync();
        harness.Monitor.Check("sa-z3").Fail("No space left on device");
        await harness.Monitor.RunIntervalsAsync(1);

        // Act
        var (response, body) = await harness.GetJsonAsync("/health/resources");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var pool = Assert.Single(body.GetProperty("resources").EnumerateArray());
        Assert.Equal("sa", pool.GetProperty("id").GetString());
        Assert.Equal("Healthy", pool.GetProperty("state").GetString());
        Assert.Equal(2, pool.GetProperty("minHealthy").GetInt32());
        var zones = pool.GetProperty("zones").EnumerateArray().ToArray();
        Assert.Equal(["1", "2", "3"], zones.Select(z => z.GetProperty("zone").GetString()));
        Assert.All(zones, z => Assert.Equal("Fake", z.GetProperty("check").GetString()));
        Assert.Equal([0, 0, 1], zones.Select(z => z.GetProperty("consecutiveFailures").GetInt32()));
        Assert.Equal("Failure", zones[2].GetProperty("lastResult").GetProperty("outcome").GetString());
        Assert.Equal("No space left on device", zones[2].GetProperty("lastResult").GetProperty("error").GetString());
    }

    [Fact]
    public async Task GetBatch_ZoneLost_NewVersionAndTheSameVerdictIncrementally()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(ZonePoolMonitorTests.StoragePool());
        await harness.Monitor.StartAsync();
        var (_, before) = await BatchClient.GetAsync(harness, "/health/registries");
        long version = JsonDocument.Parse(before).RootElement.GetProperty("version").GetInt64();

        // Act 1: zone 2 lost (the pool holds: the status does not change, degradedZones does).
        harness.Monitor.Check("sa-z2").Fail("Read-only file system");
        await harness.Monitor.RunIntervalsAsync(3);
        var (_, changed) = await BatchClient.GetAsync(harness, $"/health/registries?since={version}");
        var (_, detail) = await BatchClient.GetAsync(harness, "/health/registries?detail=true");
        var (_, single) = await harness.GetJsonAsync("/health/registries/contoso");

        // Assert 1
        Assert.StartsWith("{\"region\":\"eastus\",\"version\":", changed, StringComparison.Ordinal);
        Assert.EndsWith(",\"complete\":false,\"registries\":[{\"name\":\"contoso\",\"status\":\"Healthy\",\"failOpen\":false,\"degradedZones\":[\"2\"]}]}",
            changed, StringComparison.Ordinal);
        var entry = JsonDocument.Parse(detail).RootElement.GetProperty("registries")[0];
        Assert.Equal(single.GetProperty("dependencies").GetRawText(), entry.GetProperty("dependencies").GetRawText());
        Assert.Equal(single.GetProperty("degradedZones").GetRawText(), entry.GetProperty("degradedZones").GetRawText());

        // Act 2: zone 3 lost too.
        long second = harness.Monitor.Monitor.Snapshot.Journal.Version;
        harness.Monitor.Check("sa-z3").Fail("Read-only file system");
        await harness.Monitor.RunIntervalsAsync(3);
        var (_, down) = await BatchClient.GetAsync(harness, $"/health/registries?since={second}");

        // Assert 2
        var contoso = Assert.Single(JsonDocument.Parse(down).RootElement.GetProperty("registries").EnumerateArray());
        Assert.Equal("Unhealthy", contoso.GetProperty("status").GetString());
        Assert.Equal(["2", "3"], contoso.GetProperty("degradedZones").EnumerateArray().Select(z => z.GetString()));
    }
}
