using System.Net;
using System.Text.Json;
using Router.Health.Configuration;
using Router.Health.Tests.Topology;
using Router.Testing;

namespace Router.Health.Tests.Http;

/// <summary>
/// The batch verdict document (<c>GET|HEAD /health/registries</c>) over real HTTP on loopback, in front of a monitor
/// with fake checks on virtual time: the full document, 304, <c>since</c>, <c>detail</c> and bad queries. The long
/// poll (<c>wait</c>) is in <see cref="BatchEndpointLongPollTests"/>.
/// </summary>
public sealed class BatchEndpointTests
{
    [Fact]
    public async Task Get_Full_200EveryRegistryInTopologyOrderWithVersionAndStrongETag()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();

        // Act
        var (response, text) = await BatchClient.GetAsync(harness, "/health/registries");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        long version = harness.Monitor.Monitor.Snapshot.Journal.Version;
        Assert.Equal($"\"{version}\"", response.Headers.ETag?.Tag);
        Assert.False(response.Headers.ETag?.IsWeak);
        Assert.Equal(
            $"{{\"region\":\"eastus\",\"version\":{version},\"complete\":true,\"registries\":["
            + "{\"name\":\"contoso\",\"status\":\"Healthy\",\"failOpen\":false},"
            + "{\"name\":\"fabrikam\",\"status\":\"Healthy\",\"failOpen\":false}]}",
            text);
        Assert.Equal(text.Length, response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Get_BeforeAnyResult_FailOpenWithReason_VersionIsStartUnixMilliseconds()
    {
        // Arrange: not started, so no resource has a result yet.
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());

        // Act
        var (_, text) = await BatchClient.GetAsync(harness, "/health/registries");
        var body = JsonDocument.Parse(text).RootElement;

        // Assert
        Assert.Equal(harness.Monitor.Clock.Start.ToUnixTimeMilliseconds(), body.GetProperty("version").GetInt64());
        var contoso = body.GetProperty("registries")[0];
        Assert.Equal("Healthy", contoso.GetProperty("status").GetString());
        Assert.True(contoso.GetProperty("failOpen").GetBoolean());
        Assert.StartsWith("storage 'sa-1' has no result yet", contoso.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_IfNoneMatchCurrentVersion_304WithETagNoBody_OtherVersion200()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();
        long version = harness.Monitor.Monitor.Snapshot.Journal.Version;

        // Act
        var (notModified, notModifiedText) = await BatchClient.GetAsync(harness, "/health/registries", $"\"{version}\"");
        var (listed, _) = await BatchClient.GetAsync(harness, "/health/registries", $"\"1\", W/\"{version}\"");
        var (other, otherText) = await BatchClient.GetAsync(harness, "/health/registries", $"\"{version - 1}\"");

        // Assert
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal($"\"{version}\"", notModified.Headers.ETag?.Tag);
        Assert.Empty(notModifiedText);
        Assert.Equal(HttpStatusCode.NotModified, listed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Contains("\"complete\":true", otherText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_SinceBeforeAChange_OnlyTheChangedRegistryIncomplete()
    {
        // Arrange: both healthy at t = 0; sa-1 (contoso's storage only) fails from t = 5 s, Unhealthy at t = 15 s.
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();
        long before = harness.Monitor.Monitor.Snapshot.Journal.Version;
        harness.Monitor.Check("sa-1").Fail("read-only file system");
        await harness.Monitor.RunIntervalsAsync(3);

        // Act
        var (response, text) = await BatchClient.GetAsync(harness, $"/health/registries?since={before}");
        var body = JsonDocument.Parse(text).RootElement;

        // Assert
        long after = body.GetProperty("version").GetInt64();
        Assert.True(after > before, $"version {after} after {before}");
        Assert.Equal($"\"{after}\"", response.Headers.ETag?.Tag);
        Assert.False(body.GetProperty("complete").GetBoolean());
        var contoso = Assert.Single(body.GetProperty("registries").EnumerateArray());
        Assert.Equal("contoso", contoso.GetProperty("name").GetString());
        Assert.Equal("Unhealthy", contoso.GetProperty("status").GetString());
        Assert.False(contoso.GetProperty("failOpen").GetBoolean());
        Assert.Equal("storage 'sa-1' is unhealthy: read-only file system", contoso.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Get_SinceCurrentVersion_EmptyIncremental()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();
        long version = harness.Monitor.Monitor.Snapshot.Journal.Version;

        // Act
        var (response, text) = await BatchClient.GetAsync(harness, $"/health/registries?since={version}&unknown=1");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{{\"region\":\"eastus\",\"version\":{version},\"complete\":false,\"registries\":[]}}", text);
    }

    [Theory]
    [InlineData(-1_000_000, "too old")]
    [InlineData(0, "older than the start")]
    [InlineData(1_000_000, "in the future")]
    public async Task Get_SinceNotAnswerableIncrementally_Complete(long offset, string what)
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();
        var journal = harness.Monitor.Monitor.Snapshot.Journal;
        long since = offset == 0 ? journal.FirstVersion - 1 : journal.Version + offset;

        // Act
        var (response, text) = await BatchClient.GetAsync(harness, $"/health/registries?since={since}");
        var body = JsonDocument.Parse(text).RootElement;

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("complete").GetBoolean(), what);
        Assert.Equal(2, body.GetProperty("registries").GetArrayLength());
    }

    [Fact]
    public async Task Get_KillSwitchReload_VersionAboveTheOld_SinceBeforeReloadComplete()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();
        long before = harness.Monitor.Monitor.Snapshot.Journal.Version;
        var options = TestOptions.ContosoAndFabrikam();
        options.Registries[0].DeepEvaluation = DeepEvaluationMode.Disabled;

        // Act
        harness.Monitor.Apply(options);
        var (_, text) = await BatchClient.GetAsync(harness, $"/health/registries?since={before}");
        var body = JsonDocument.Parse(text).RootElement;

        // Assert
        Assert.True(body.GetProperty("version").GetInt64() > before);
        Assert.True(body.GetProperty("complete").GetBoolean());
        var contoso = body.GetProperty("registries")[0];
        Assert.True(contoso.GetProperty("failOpen").GetBoolean());
        Assert.Equal("deep evaluation disabled", contoso.GetProperty("reason").GetString());
        Assert.False(body.GetProperty("registries")[1].TryGetProperty("reason", out _));
    }

    [Fact]
    public async Task Get_Detail_EachEntryCarriesThePerRegistryDependencies()
    {
        // Arrange: contoso down because of sa-1.
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        harness.Monitor.Check("sa-1").Fail("disk full");
        await harness.Monitor.StartAsync();
        await harness.Monitor.RunIntervalsAsync(2);

        // Act
        var (response, text) = await BatchClient.GetAsync(harness, "/health/registries?detail=true");
        var (_, single) = await harness.GetJsonAsync("/health/registries/contoso");
        var (_, withoutDetail) = await BatchClient.GetAsync(harness, "/health/registries?detail=false");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var contoso = JsonDocument.Parse(text).RootElement.GetProperty("registries")[0];
        Assert.Equal("Unhealthy", contoso.GetProperty("status").GetString());
        Assert.Equal(single.GetProperty("reason").GetString(), contoso.GetProperty("reason").GetString());
        Assert.Equal(single.GetProperty("dependencies").GetRawText(), contoso.GetProperty("dependencies").GetRawText());
        Assert.DoesNotContain("dependencies", withoutDetail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_SameStatusETagAndLengthNoBody()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();
        var (get, text) = await BatchClient.GetAsync(harness, "/health/registries");

        // Act
        using var head = await harness.SendAsync(HttpMethod.Head, "/health/registries");

        // Assert
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        Assert.True(head.Headers.CacheControl?.NoStore);
        Assert.Equal(text.Length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("since=abc", "since")]
    [InlineData("since=1.5", "since")]
    [InlineData("since=1&since=2", "since")]
    [InlineData("since=1&wait=0", "wait")]
    [InlineData("since=1&wait=61", "wait")]
    [InlineData("since=1&wait=-1", "wait")]
    [InlineData("since=1&wait=NaN", "wait")]
    [InlineData("detail=yes", "detail")]
    public async Task Get_BadQuery_400NamingTheParameter(string query, string parameter)
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());

        // Act
        var (response, text) = await BatchClient.GetAsync(harness, "/health/registries?" + query);

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        string error = JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!;
        Assert.StartsWith(parameter + ":", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_ResourceGoesStaleWhileNotProbed_VersionMovesAtTheNextRequest()
    {
        // Arrange: everything healthy at t = 0, then probing stops (nothing reports any more).
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();
        await harness.Monitor.Monitor.StopAsync();
        long before = harness.Monitor.Monitor.Snapshot.Journal.Version;

        // Act: 60 s on the data is not stale yet; just after, it is.
        harness.Monitor.Clock.AdvanceStepwise(TimeSpan.FromSeconds(60));
        var (_, atLimit) = await BatchClient.GetAsync(harness, $"/health/registries?since={before}");
        harness.Monitor.Clock.AdvanceStepwise(TimeSpan.FromSeconds(1));
        var (_, text) = await BatchClient.GetAsync(harness, $"/health/registries?since={before}");
        var (_, single) = await harness.GetJsonAsync("/health/registries/fabrikam");
        var body = JsonDocument.Parse(text).RootElement;

        // Assert
        Assert.Contains("\"registries\":[]", atLimit, StringComparison.Ordinal);
        Assert.True(body.GetProperty("version").GetInt64() > before);
        Assert.False(body.GetProperty("complete").GetBoolean());
        var fabrikam = body.GetProperty("registries")[1];
        Assert.True(fabrikam.GetProperty("failOpen").GetBoolean());
        Assert.Equal(single.GetProperty("reason").GetString(), fabrikam.GetProperty("reason").GetString());
    }
}
