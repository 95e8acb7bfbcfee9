using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Router.Health.Tests.Integration;

/// <summary>
/// Issue 13's acceptance for zone pools, against real processes: <c>router serve</c> with a <c>Health</c> section whose
/// storage pool has three instances on three tmpfs mounts (one per zone), made read-only (EROFS, which bites even as
/// root) and writable again; plus a front-end pool on three more mounts for the cross-zone case.
/// </summary>
/// <remarks>Needs root (mount), as the CI machine has. Every mount is undone when the test ends, also when it fails.</remarks>
public sealed class ZonePoolProcessTests
{
    private const string Contoso = "/health/registries/contoso";
    private const string Pull = "/health/registries/pull";

    [Fact]
    public async Task Serve_StoragePoolOnThreeMounts_OneZoneDegraded200_TwoZones503_Back200AfterHysteresis_CrossZone503()
    {
        var mounts = new Dictionary<string, SwitchableTmpfs>(StringComparer.Ordinal);
        try
        {
            // Arrange: storage (sa) in zones 1-3, a majority needed; "pull" uses a storage pool and a front-end pool
            // that need one zone each, and declares zones 1-3.
            foreach (string name in new[] { "sa1", "sa2", "sa3", "fe1", "fe2", "fe3" })
            {
                mounts[name] = await SwitchableTmpfs.MountAsync(name);
            }

            await using var monitor = await ServedHealthMonitor.StartAsync(Config(mounts));

            // Assert 1: every zone writable: 200 from real results, nothing degraded.
            var healthy = await monitor.WaitForAsync(Contoso, HttpStatusCode.OK, "contoso settled healthy in every zone",
                body => IsSettled(body) && ZoneStates(body) is ["Healthy", "Healthy", "Healthy"]);
            Assert.False(healthy.TryGetProperty("degradedZones", out _), healthy.ToString());
            await monitor.WaitForAsync(Pull, HttpStatusCode.OK, "pull settled healthy", IsSettled);

            // Act 2: zone 2's storage becomes read-only.
            await mounts["sa2"].MakeReadOnlyAsync();

            // Assert 2: still 200, saying zone 2 is lost and why.
            var degraded = await monitor.WaitForAsync(Contoso, HttpStatusCode.OK, "contoso 200 with zone 2 degraded", body => DegradedZones(body) is ["2"]);
            Assert.False(degraded.GetProperty("failOpen").GetBoolean(), degraded.ToString());
            Assert.Equal(["Healthy", "Unhealthy", "Healthy"], ZoneStates(degraded));
            Assert.Contains("read-only file system", Zones(degraded)[1].GetProperty("lastError").GetString(), StringComparison.OrdinalIgnoreCase);

            // Act 3: zone 3's too.
            await mounts["sa3"].MakeReadOnlyAsync();

            // Assert 3: fewer than two zones: 503, naming the lost zones.
            var down = await monitor.WaitForAsync(Contoso, HttpStatusCode.ServiceUnavailable, "contoso 503 with zones 2 and 3 lost", body => DegradedZones(body) is ["2", "3"]);
            Assert.StartsWith("storage 'sa' is unhealthy: 1 of 3 zones up, 2 needed (zone 2: ", down.GetProperty("reason").GetString(), StringComparison.Ordinal);

            // Act 4: both writable again.
            await mounts["sa2"].MakeWritableAsync();
            await mounts["sa3"].MakeWritableAsync();

            // Assert 4: 200 again with nothing degraded, once a zone came back after SuccessesToHealthy successes (the hysteresis).
            await monitor.WaitForAsync(Contoso, HttpStatusCode.OK, "contoso healthy again", body => IsSettled(body) && !body.TryGetProperty("degradedZones", out _));
            string back = await monitor.Router.WaitForOutputAsync(
                line => line.Contains("(Storage) zone 2 is Healthy (was Unhealthy)", StringComparison.Ordinal) || line.Contains("(Storage) zone 3 is Healthy (was Unhealthy)", StringComparison.Ordinal),
                LiveMonitor.Deadline, "a zone's recovery logged");
            Assert.Contains($"after {IntegrationOptions.SuccessesToHealthy} consecutive successes", back, StringComparison.Ordinal);

            // Act 5: the cross-zone case: storage left only in zone 1, the front end only in zone 2.
            await mounts["sa2"].MakeReadOnlyAsync();
            await mounts["sa3"].MakeReadOnlyAsync();
            await mounts["fe1"].MakeReadOnlyAsync();
            await mounts["fe3"].MakeReadOnlyAsync();

            // Assert 5: each of pull's pools holds its minimum of one, yet no zone can serve it: 503.
            var crossZone = await monitor.WaitForAsync(Pull, HttpStatusCode.ServiceUnavailable, "pull 503 by the zone rule", body => DegradedZones(body) is ["1", "2", "3"]);
            Assert.Equal("no zone has all of the registry's zonal dependencies healthy (zones 1, 2, 3)", crossZone.GetProperty("reason").GetString());
            Assert.All(crossZone.GetProperty("dependencies").EnumerateArray(), d => Assert.Equal("Healthy", d.GetProperty("state").GetString()));
            var batch = await monitor.WaitForAsync("/health/registries", HttpStatusCode.OK, "the batch document says the same",
                body => body.GetProperty("registries")[1].GetProperty("status").GetString() == "Unhealthy");
            Assert.Equal("no zone has all of the registry's zonal dependencies healthy (zones 1, 2, 3)", batch.GetProperty("registries")[1].GetProperty("reason").GetString());

            // Act 6: the front end comes back in zone 1, so zone 1 has both.
            await mounts["fe1"].MakeWritableAsync();

            // Assert 6
            var served = await monitor.WaitForAsync(Pull, HttpStatusCode.OK, "pull served from zone 1", body => DegradedZones(body) is ["2", "3"]);
            Assert.Equal(JsonValueKind.Null, served.GetProperty("reason").ValueKind);
        }
        finally
        {
            foreach (var mount in mounts.Values)
            {
                await mount.DisposeAsync();
            }
        }
    }

    private static bool IsSettled(JsonElement body) =>
        !body.GetProperty("failOpen").GetBoolean() && body.GetProperty("reason").ValueKind == JsonValueKind.Null;

    private static string[] DegradedZones(JsonElement body) =>
        body.TryGetProperty("degradedZones", out var zones) ? [.. zones.EnumerateArray().Select(z => z.GetString() ?? "")] : [];

    private static JsonElement[] Zones(JsonElement body) => [.. body.GetProperty("dependencies")[0].GetProperty("zones").EnumerateArray()];

    private static string[] ZoneStates(JsonElement body) => [.. Zones(body).Select(z => z.GetProperty("state").GetString() ?? "")];

    private static JsonObject Config(Dictionary<string, SwitchableTmpfs> mounts)
    {
        JsonArray Instances(string prefix) => new(
            [.. new[] { "1", "2", "3" }.Select(zone => (JsonNode)new JsonObject
            {
                ["Zone"] = zone,
                ["Check"] = new JsonObject { ["Type"] = "Filesystem", ["Path"] = mounts[prefix + zone].Path },
            })]);

        return new JsonObject
        {
            ["Health"] = new JsonObject
            {
                ["Region"] = IntegrationOptions.Region,
                ["Listen"] = "http://127.0.0.1:0",
                ["Evaluation"] = IntegrationOptions.EvaluationJson(),
                ["Resources"] = new JsonArray(
                    new JsonObject { ["Id"] = "sa", ["Kind"] = "Storage", ["Instances"] = Instances("sa") },
                    new JsonObject { ["Id"] = "sa-zonal", ["Kind"] = "Storage", ["MinHealthy"] = 1, ["Instances"] = Instances("sa") },
                    new JsonObject { ["Id"] = "fe", ["Kind"] = "Container", ["MinHealthy"] = 1, ["Instances"] = Instances("fe") }),
                ["Registries"] = new JsonArray(
                    new JsonObject { ["Name"] = "contoso", ["Storage"] = "sa" },
                    new JsonObject { ["Name"] = "pull", ["Storage"] = "sa-zonal", ["Container"] = "fe", ["Zones"] = new JsonArray("1", "2", "3") }),
            },
        };
    }
}
