using System.Net;
using System.Text.Json;
using Router.Health.Configuration;
using Router.Health.Tests.Topology;

namespace Router.Health.Tests.Http;

/// <summary>
/// The health endpoints of the contract over real HTTP on loopback: status codes, JSON shape, headers, and every
/// fail-open case answering 200.
/// </summary>
public sealed class HealthEndpointsTests
{
    [Fact]
    public async Task GetRegistry_AllDependenciesHealthy_200WithContractShape()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();

        // Act
        var (response, body) = await harness.GetJsonAsync("/health/registries/contoso");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("contoso", body.GetProperty("registry").GetString());
        Assert.Equal("eastus", body.GetProperty("region").GetString());
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.False(body.GetProperty("failOpen").GetBoolean());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("reason").ValueKind);
        var dependencies = body.GetProperty("dependencies").EnumerateArray().ToArray();
        Assert.Equal(["Storage", "Cache", "Auth", "Container", "Metadata"], dependencies.Select(d => d.GetProperty("kind").GetString()));
        Assert.Equal(["sa-1", "cache", "auth", "api", "meta"], dependencies.Select(d => d.GetProperty("resource").GetString()));
        Assert.All(dependencies, d =>
        {
            Assert.Equal("Healthy", d.GetProperty("state").GetString());
            Assert.Equal(harness.Monitor.Clock.Start, d.GetProperty("since").GetDateTimeOffset());
            Assert.Equal(0, d.GetProperty("consecutiveFailures").GetInt32());
            Assert.Equal(JsonValueKind.Null, d.GetProperty("lastError").ValueKind);
        });
    }

    [Fact]
    public async Task GetRegistry_RegistryWithoutMetadata_ListsOnlyItsDependencies()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();

        // Act
        var (_, body) = await harness.GetJsonAsync("/health/registries/fabrikam");

        // Assert
        Assert.Equal(["sa-2", "cache", "auth", "api"], body.GetProperty("dependencies").EnumerateArray().Select(d => d.GetProperty("resource").GetString()));
    }

    [Fact]
    public async Task GetRegistry_DependencyUnhealthy_503ForItsRegistriesOnly()
    {
        // Arrange: sa-1 fails three times (t = 0, 5, 10 s).
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        harness.Monitor.Check("sa-1").Fail("read-only file system");
        await harness.Monitor.StartAsync();
        await harness.Monitor.RunIntervalsAsync(2);

        // Act
        var (contoso, body) = await harness.GetJsonAsync("/health/registries/contoso");
        var (fabrikam, _) = await harness.GetJsonAsync("/health/registries/fabrikam");

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, contoso.StatusCode);
        Assert.True(contoso.Headers.CacheControl?.NoStore);
        Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
        Assert.False(body.GetProperty("failOpen").GetBoolean());
        Assert.Equal("storage 'sa-1' is unhealthy: read-only file system", body.GetProperty("reason").GetString());
        var storage = body.GetProperty("dependencies")[0];
        Assert.Equal("Unhealthy", storage.GetProperty("state").GetString());
        Assert.Equal(harness.Monitor.Clock.Start.AddSeconds(10), storage.GetProperty("since").GetDateTimeOffset());
        Assert.Equal(3, storage.GetProperty("consecutiveFailures").GetInt32());
        Assert.Equal("read-only file system", storage.GetProperty("lastError").GetString());
        Assert.Equal(HttpStatusCode.OK, fabrikam.StatusCode);
    }

    [Fact]
    public async Task HeadRegistry_SameStatusAndHeadersNoBody()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        harness.Monitor.Check("meta").Fail();
        await harness.Monitor.StartAsync();
        await harness.Monitor.RunIntervalsAsync(2);

        // Act
        using var contoso = await harness.SendAsync(HttpMethod.Head, "/health/registries/contoso");
        using var fabrikam = await harness.SendAsync(HttpMethod.Head, "/health/registries/fabrikam");
        using var unknown = await harness.SendAsync(HttpMethod.Head, "/health/registries/northwind");

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, contoso.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fabrikam.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.True(contoso.Headers.CacheControl?.NoStore);
        Assert.True(fabrikam.Headers.CacheControl?.NoStore);
        Assert.Empty(await contoso.Content.ReadAsByteArrayAsync());
        Assert.Empty(await fabrikam.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("/health/registries/northwind")]
    [InlineData("/health/registries/contoso/extra")]
    [InlineData("/health/registries/contoso/")]
    [InlineData("/health/registries/")]
    [InlineData("/health/registries/contoso%2Fextra")]
    [InlineData("/health")]
    [InlineData("/")]
    public async Task Get_UnknownRegistryOrPath_404(string path)
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());

        // Act
        using var response = await harness.SendAsync(HttpMethod.Get, path);

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("CONTOSO")]
    [InlineData("Contoso")]
    [InlineData("cOnToSo")]
    public async Task GetRegistry_NameInAnyCase_Found(string name)
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());

        // Act
        var (response, body) = await harness.GetJsonAsync($"/health/registries/{name}");

        // Assert: answered under its configured name.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("contoso", body.GetProperty("registry").GetString());
    }

    [Fact]
    public async Task GetLive_Always200()
    {
        // Arrange: even with every dependency down.
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        foreach (var id in new[] { "sa-1", "sa-2", "cache", "auth", "api", "meta" })
        {
            harness.Monitor.Check(id).Fail();
        }

        await harness.Monitor.StartAsync();
        await harness.Monitor.RunIntervalsAsync(2);

        // Act
        var (response, body) = await harness.GetJsonAsync("/health/live");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task GetResources_ListsEveryResourceWithStateAndLastResult()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        harness.Monitor.Check("cache").Fail("connection refused");
        harness.Monitor.Check("auth").BeInconclusive("no free sockets");
        await harness.Monitor.StartAsync();

        // Act
        var (response, body) = await harness.GetJsonAsync("/health/resources");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Equal("eastus", body.GetProperty("region").GetString());
        var resources = body.GetProperty("resources").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);
        Assert.Equal(["sa-1", "sa-2", "cache", "auth", "api", "meta"], resources.Keys);
        Assert.Equal("Healthy", resources["sa-1"].GetProperty("state").GetString());
        Assert.Equal("Storage", resources["sa-1"].GetProperty("kind").GetString());
        Assert.Equal("Success", resources["sa-1"].GetProperty("lastResult").GetProperty("outcome").GetString());
        Assert.Equal(2, resources["cache"].GetProperty("dependents").GetInt32());
        Assert.Equal("Unknown", resources["cache"].GetProperty("state").GetString());
        Assert.Equal(1, resources["cache"].GetProperty("consecutiveFailures").GetInt32());
        Assert.Equal("connection refused", resources["cache"].GetProperty("lastError").GetString());
        Assert.Equal("Failure", resources["cache"].GetProperty("lastResult").GetProperty("outcome").GetString());
        Assert.Equal("Inconclusive", resources["auth"].GetProperty("lastResult").GetProperty("outcome").GetString());
        Assert.Equal("no free sockets", resources["auth"].GetProperty("lastResult").GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("POST", "/health/registries/contoso")]
    [InlineData("PUT", "/health/live")]
    [InlineData("DELETE", "/health/resources")]
    public async Task NonGetOrHead_405WithAllow(string method, string path)
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());

        // Act
        using var response = await harness.SendAsync(new HttpMethod(method), path);

        // Assert
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow.Order());
    }

    [Fact]
    public async Task GetRegistry_BeforeAnyResult_200FailOpenWithReason()
    {
        // Arrange: the endpoints answer before the monitor has probed anything.
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());

        // Act
        var (response, body) = await harness.GetJsonAsync("/health/registries/contoso");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.True(body.GetProperty("failOpen").GetBoolean());
        Assert.Contains("storage 'sa-1' has no result yet; counted as healthy", body.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.All(body.GetProperty("dependencies").EnumerateArray(), d => Assert.Equal("Unknown", d.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task GetRegistry_EveryCheckInconclusive_200FailOpen()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        foreach (var id in new[] { "sa-1", "sa-2", "cache", "auth", "api", "meta" })
        {
            harness.Monitor.Check(id).BeInconclusive("the monitor host is out of memory");
        }

        await harness.Monitor.StartAsync();
        await harness.Monitor.RunIntervalsAsync(14);

        // Act
        var (response, body) = await harness.GetJsonAsync("/health/registries/contoso");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("failOpen").GetBoolean());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task GetRegistry_UnhealthyThenOnlyInconclusiveBeyondStaleAfter_200FailOpenNamingStaleness()
    {
        // Arrange: sa-1 down at t = 10 s (503), then its checks can no longer run.
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        harness.Monitor.Check("sa-1").Fail("disk full");
        await harness.Monitor.StartAsync();
        await harness.Monitor.RunIntervalsAsync(2);
        var (before, _) = await harness.GetJsonAsync("/health/registries/contoso");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        harness.Monitor.Check("sa-1").BeInconclusive("the monitor cannot open files");

        // Act 1: 60 s after the last failure the data is not stale yet.
        await harness.Monitor.RunIntervalsAsync(12);
        var (atLimit, _) = await harness.GetJsonAsync("/health/registries/contoso");

        // Act 2: one more interval, and it is.
        await harness.Monitor.RunIntervalsAsync(1);
        var (response, body) = await harness.GetJsonAsync("/health/registries/contoso");

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, atLimit.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("failOpen").GetBoolean());
        Assert.Contains("storage 'sa-1' has no conclusive result for 60 s", body.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var storage = body.GetProperty("dependencies")[0];
        Assert.Equal("Unknown", storage.GetProperty("state").GetString());
        Assert.True(storage.GetProperty("stale").GetBoolean());
        Assert.Equal("disk full", storage.GetProperty("lastError").GetString());
    }

    [Fact]
    public async Task GetRegistry_DeepEvaluationDisabled_200DeepEvaluationDisabled()
    {
        // Arrange: globally off, with a dependency down.
        var options = TestOptions.ContosoAndFabrikam();
        options.DeepEvaluation = DeepEvaluationMode.Disabled;
        await using var harness = await HealthServerHarness.StartAsync(options);
        harness.Monitor.Check("sa-1").Fail();
        await harness.Monitor.StartAsync();
        await harness.Monitor.RunIntervalsAsync(2);

        // Act
        var (response, body) = await harness.GetJsonAsync("/health/registries/contoso");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.True(body.GetProperty("failOpen").GetBoolean());
        Assert.Equal("deep evaluation disabled", body.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task GetRegistry_RegistryDeepEvaluationDisabled_OnlyThatRegistry200()
    {
        // Arrange: the shared cache is down; fabrikam has its switch off.
        var options = TestOptions.ContosoAndFabrikam();
        options.Registries[1].DeepEvaluation = DeepEvaluationMode.Disabled;
        await using var harness = await HealthServerHarness.StartAsync(options);
        harness.Monitor.Check("cache").Fail();
        await harness.Monitor.StartAsync();
        await harness.Monitor.RunIntervalsAsync(2);

        // Act
        var (contoso, _) = await harness.GetJsonAsync("/health/registries/contoso");
        var (fabrikam, body) = await harness.GetJsonAsync("/health/registries/fabrikam");

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, contoso.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fabrikam.StatusCode);
        Assert.Equal("deep evaluation disabled", body.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task GetRegistry_KillSwitchAppliedAtRuntime_200AtOnce()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        harness.Monitor.Check("api").Fail("status 500, expected 200 or 401");
        await harness.Monitor.StartAsync();
        await harness.Monitor.RunIntervalsAsync(2);
        var (before, _) = await harness.GetJsonAsync("/health/registries/contoso");
        var disabled = TestOptions.ContosoAndFabrikam();
        disabled.DeepEvaluation = DeepEvaluationMode.Disabled;

        // Act: no probe, no time in between.
        harness.Monitor.Apply(disabled);
        var (after, body) = await harness.GetJsonAsync("/health/registries/contoso");

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("deep evaluation disabled", body.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Get_UnknownRegistry_404BodyNamesIt()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());

        // Act
        var (response, body) = await harness.GetJsonAsync("/health/registries/northwind");

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("northwind", body.GetProperty("registry").GetString());
    }

    [Fact]
    public async Task GetRegistry_SeveralDependenciesUnhealthy_ReasonJoinsThemInKindOrderWithErrorsEscaped()
    {
        // Arrange: two dependencies of contoso fail, with errors that need JSON escaping.
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        harness.Monitor.Check("cache").Fail("READONLY \"You can't write\"\nagainst a replica");
        harness.Monitor.Check("sa-1").Fail("C:\\mount\tgone");
        await harness.Monitor.StartAsync();
        await harness.Monitor.RunIntervalsAsync(2);

        // Act
        var (response, body) = await harness.GetJsonAsync("/health/registries/contoso");

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.False(body.GetProperty("failOpen").GetBoolean());
        Assert.Equal(
            "storage 'sa-1' is unhealthy: C:\\mount\tgone; cache 'cache' is unhealthy: READONLY \"You can't write\"\nagainst a replica",
            body.GetProperty("reason").GetString());
        Assert.Equal("READONLY \"You can't write\"\nagainst a replica", body.GetProperty("dependencies")[1].GetProperty("lastError").GetString());
    }

    [Fact]
    public async Task GetRegistry_NameNeedingEscapes_AnswersWithTheConfiguredName()
    {
        // Arrange: a name with a quote, a backslash and non-ASCII letters, configured in another case than asked.
        var options = TestOptions.ContosoAndFabrikam();
        options.Registries.Add(new RegistryOptions { Name = "Café-\"Ünï\"\\x", Storage = "sa-2", Cache = "cache", Auth = "auth", Container = "api" });
        await using var harness = await HealthServerHarness.StartAsync(options);
        await harness.Monitor.StartAsync();

        // Act
        var (response, body) = await harness.GetJsonAsync("/health/registries/" + Uri.EscapeDataString("café-\"ünï\"\\X"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Café-\"Ünï\"\\x", body.GetProperty("registry").GetString());
        Assert.Equal(4, body.GetProperty("dependencies").GetArrayLength());
    }

    [Fact]
    public async Task GetRegistry_ContentLength_MatchesTheBody()
    {
        // Arrange: a fail-open verdict (reasons) and a healthy one (none).
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        var (failOpenLength, failOpen) = await ReadRawAsync(harness, "/health/registries/contoso");
        await harness.Monitor.StartAsync();

        // Act
        var (length, healthy) = await ReadRawAsync(harness, "/health/registries/fabrikam");

        // Assert
        Assert.Equal(failOpen.Length, failOpenLength);
        Assert.Equal(healthy.Length, length);
        Assert.True(JsonDocument.Parse(failOpen).RootElement.GetProperty("failOpen").GetBoolean());
        Assert.False(JsonDocument.Parse(healthy).RootElement.GetProperty("failOpen").GetBoolean());
    }

    private static async Task<(long ContentLength, byte[] Body)> ReadRawAsync(HealthServerHarness harness, string path)
    {
        using var response = await harness.SendAsync(HttpMethod.Get, path);
        return (response.Content.Headers.ContentLength ?? -1, await response.Content.ReadAsByteArrayAsync());
    }
}
