using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Router.TrafficManager.Admin;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;

namespace Router.TrafficManager.Tests.Admin;

/// <summary>The admin API on a real Kestrel on 127.0.0.1:0, driven with <see cref="HttpClient"/>.</summary>
public sealed partial class AdminHttpServerTests : IAsyncDisposable
{
    private const string Token = "s3cret-token-0123456789";

    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private readonly FakeLogCollector _logs = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private AdminHttpServer? _server;

    public AdminHttpServerTests()
    {
        _loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(new FakeLoggerProvider(_logs)).SetMinimumLevel(LogLevel.Trace));
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _http.Dispose();
        _loggerFactory.Dispose();
    }

    [Fact]
    public async Task GetProfiles_ReturnsEveryProfileWithEndpointStateAsCamelCaseJson()
    {
        // Arrange
        await StartAsync(FakeTrafficManagerControl.Contoso());

        // Act
        using var response = await _http.GetAsync(Url("/api/profiles"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var profile = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(["name", "fqdn", "routingMethod", "ttl", "endpoints"], profile.EnumerateObject().Select(p => p.Name));
        Assert.Equal("contoso", profile.GetProperty("name").GetString());
        Assert.Equal("contoso.tm.registry.test.", profile.GetProperty("fqdn").GetString());
        Assert.Equal("Performance", profile.GetProperty("routingMethod").GetString());
        Assert.Equal(30, profile.GetProperty("ttl").GetInt32());

        var endpoints = profile.GetProperty("endpoints").EnumerateArray().ToList();
        Assert.Equal(3, endpoints.Count);
        var eastus = endpoints[0];
        Assert.Equal(
            ["name", "target", "location", "priority", "weight", "enabled", "enabledOverride", "status", "consecutiveFailures", "lastProbe", "lastStatusChange", "ownStatus", "views", "held", "reason"],
            eastus.EnumerateObject().Select(p => p.Name));
        Assert.Equal("127.0.0.11", eastus.GetProperty("target").GetString());
        Assert.Equal("Online", eastus.GetProperty("status").GetString());
        Assert.True(eastus.GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, eastus.GetProperty("enabledOverride").ValueKind);
        Assert.Equal(FakeTrafficManagerControl.Started, eastus.GetProperty("lastStatusChange").GetDateTimeOffset());
        var probe = eastus.GetProperty("lastProbe");
        Assert.Equal(["time", "succeeded", "durationMs", "statusCode", "error", "fallback", "source"], probe.EnumerateObject().Select(p => p.Name));
        Assert.Equal(FakeTrafficManagerControl.Started.AddSeconds(30), probe.GetProperty("time").GetDateTimeOffset());
        Assert.Equal(12.5, probe.GetProperty("durationMs").GetDouble());
        Assert.Equal(200, probe.GetProperty("statusCode").GetInt32());
        Assert.Equal(JsonValueKind.Null, probe.GetProperty("error").ValueKind);
        Assert.False(probe.GetProperty("fallback").GetBoolean());

        var westeurope = endpoints[1];
        Assert.Equal("Degraded", westeurope.GetProperty("status").GetString());
        Assert.Equal(4, westeurope.GetProperty("consecutiveFailures").GetInt32());
        Assert.Equal("timeout after 10 s", westeurope.GetProperty("lastProbe").GetProperty("error").GetString());
        Assert.Equal(10_000, westeurope.GetProperty("lastProbe").GetProperty("durationMs").GetDouble());
        Assert.True(westeurope.GetProperty("lastProbe").GetProperty("fallback").GetBoolean());

        var eastasia = endpoints[2];
        Assert.Equal("CheckingEndpoint", eastasia.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, eastasia.GetProperty("lastProbe").ValueKind);
        Assert.Equal(JsonValueKind.Null, eastasia.GetProperty("location").ValueKind);
    }

    [Fact]
    public async Task GetProfile_KnownNameInAnyCase_ReturnsIt()
    {
        // Arrange
        await StartAsync(FakeTrafficManagerControl.Contoso());

        // Act
        using var response = await _http.GetAsync(Url("/api/profiles/CONTOSO"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("contoso", json.RootElement.GetProperty("name").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("endpoints").GetArrayLength());
    }

    [Fact]
    public async Task GetProfile_UnknownName_Returns404WithJsonError()
    {
        // Arrange
        await StartAsync(FakeTrafficManagerControl.Contoso());

        // Act
        using var response = await _http.GetAsync(Url("/api/profiles/fabrikam"));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("profile 'fabrikam' not found", await ErrorOf(response));
    }

    [Fact]
    public async Task GetEndpoint_KnownAndUnknown_Returns200And404()
    {
        // Arrange
        await StartAsync(FakeTrafficManagerControl.Contoso());

        // Act
        using var known = await _http.GetAsync(Url("/api/profiles/contoso/endpoints/westeurope"));
        using var unknown = await _http.GetAsync(Url("/api/profiles/contoso/endpoints/mars"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        using var json = JsonDocument.Parse(await known.Content.ReadAsStringAsync());
        Assert.Equal("Degraded", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("profile 'contoso' has no endpoint 'mars'", await ErrorOf(unknown));
    }

    [Theory]
    [InlineData("{\"enabled\": false}", false)]
    [InlineData("{\"enabled\": true}", true)]
    [InlineData("{\"Enabled\":false}", false)]
    public async Task PutEndpoint_ValidBody_SetsFlagReturnsUpdatedEndpointAndLogsWhoAndWhat(string body, bool enabled)
    {
        // Arrange
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control);

        // Act
        using var response = await _http.PutAsync(Url("/api/profiles/contoso/endpoints/eastus"), Json(body));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([("contoso", "eastus", enabled)], control.SetCalls);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("eastus", json.RootElement.GetProperty("name").GetString());
        Assert.Equal(enabled, json.RootElement.GetProperty("enabled").GetBoolean());
        Assert.Equal(enabled, json.RootElement.GetProperty("enabledOverride").GetBoolean());
        Assert.Equal(enabled ? "CheckingEndpoint" : "Disabled", json.RootElement.GetProperty("status").GetString());

        var entry = Assert.Single(_logs.GetSnapshot(), e => e.Id.Id == 3401);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Equal("EndpointEnabledSet", entry.Id.Name);
        Assert.StartsWith("127.0.0.1:", entry.GetStructuredStateValue("Client")!, StringComparison.Ordinal);
        Assert.Equal("contoso", entry.GetStructuredStateValue("Profile"));
        Assert.Equal("eastus", entry.GetStructuredStateValue("Endpoint"));
        Assert.Equal(enabled.ToString(), entry.GetStructuredStateValue("Enabled"));
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("[false]", "not a JSON array")]
    [InlineData("false", "not a JSON false")]
    [InlineData("{}", "'enabled' is missing")]
    [InlineData("{\"enabled\": \"false\"}", "'enabled' must be true or false, not \"false\"")]
    [InlineData("{\"enabled\": 0}", "'enabled' must be true or false, not 0")]
    [InlineData("{\"enable\": false}", "unknown property 'enable'")]
    public async Task PutEndpoint_BadBody_Returns400SayingWhatIsExpected(string body, string reason)
    {
        // Arrange
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control);

        // Act
        using var response = await _http.PutAsync(Url("/api/profiles/contoso/endpoints/eastus"), Json(body));

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        string? error = await ErrorOf(response);
        Assert.StartsWith("the body must be a JSON object {\"enabled\": true} or {\"enabled\": false}", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Empty(control.SetCalls);
    }

    [Fact]
    public async Task PutEndpoint_HugeBody_Returns413()
    {
        // Arrange
        await StartAsync(FakeTrafficManagerControl.Contoso());
        string body = "{\"enabled\": false, \"padding\": \"" + new string('x', 64 * 1024) + "\"}";

        // Act
        using var response = await _http.PutAsync(Url("/api/profiles/contoso/endpoints/eastus"), Json(body));

        // Assert
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task PutEndpoint_UnknownEndpoint_Returns404AndLogsTheRejection()
    {
        // Arrange
        await StartAsync(FakeTrafficManagerControl.Contoso());

        // Act
        using var response = await _http.PutAsync(Url("/api/profiles/contoso/endpoints/mars"), Json("{\"enabled\": false}"));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("profile 'contoso' has no endpoint 'mars'", await ErrorOf(response));
        Assert.Contains(_logs.GetSnapshot(), e => e.Id.Id == 3402 && e.Level == LogLevel.Information);
    }

    [Fact]
    public async Task PutEndpoint_StateFileUnwritable_Returns500WithTheReasonAndLogsAnError()
    {
        // Arrange
        var control = FakeTrafficManagerControl.Contoso();
        control.SaveError = "cannot write /var/lib/router/state.json: read-only file system";
        await StartAsync(control);

        // Act
        using var response = await _http.PutAsync(Url("/api/profiles/contoso/endpoints/eastus"), Json("{\"enabled\": false}"));

        // Assert
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(control.SaveError, await ErrorOf(response));
        var entry = Assert.Single(_logs.GetSnapshot(), e => e.Id.Id == TrafficManagerEventIds.EndpointChangeFailed);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.DoesNotContain(_logs.GetSnapshot(), e => e.Id.Id == TrafficManagerEventIds.EndpointEnabledSet);
    }

    [Fact]
    public async Task PutEndpoint_ClusterStoreUnreachable_503WithTheReasonAndNothingChanges()
    {
        // Arrange
        var control = FakeTrafficManagerControl.Contoso();
        control.UnavailableError = "the cluster store cannot be reached (etcd unreachable: connection refused)";
        await StartAsync(control);

        // Act
        using var response = await _http.PutAsync(Url("/api/profiles/contoso/endpoints/eastus"), Json("{\"enabled\": false}"));

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(control.UnavailableError, await ErrorOf(response));
        Assert.True(control.GetProfile("contoso")!.Endpoints.Single(e => e.Name == "eastus").Enabled);
        Assert.DoesNotContain(_logs.GetSnapshot(), e => e.Id.Id == TrafficManagerEventIds.EndpointEnabledSet);
    }

    [Fact]
    public async Task GetCluster_Clustered_InstancesLeasesAndTheStoresState()
    {
        // Arrange
        var control = FakeTrafficManagerControl.Contoso();
        var since = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        control.Cluster = new Router.TrafficManager.Cluster.ClusterReport("router-2", Router.TrafficManager.Cluster.QuorumRule.Majority,
            Router.TrafficManager.Cluster.ClusterStoreState.Connected, since, null, 42,
            [new("router-1", 7, 10, since, "host-a"), new("router-2", 8, 10, since, "host-b")]);
        await StartAsync(control);

        // Act
        using var response = await _http.GetAsync(Url("/api/cluster"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal(("router-2", "Majority"), (root.GetProperty("instanceId").GetString(), root.GetProperty("quorum").GetString()));
        var store = root.GetProperty("store");
        Assert.Equal(("Connected", 42L), (store.GetProperty("state").GetString(), store.GetProperty("revision").GetInt64()));
        Assert.Equal(
            ["router-1 7 10 False", "router-2 8 10 True"],
            root.GetProperty("instances").EnumerateArray().Select(i =>
                $"{i.GetProperty("instanceId").GetString()} {i.GetProperty("leaseId").GetInt64()} {i.GetProperty("leaseSeconds").GetInt32()} {i.GetProperty("self").GetBoolean()}"));
    }

    [Fact]
    public async Task GetCluster_NoClusterSection_404SaysSo()
    {
        // Arrange
        await StartAsync(FakeTrafficManagerControl.Contoso());

        // Act
        using var response = await _http.GetAsync(Url("/api/cluster"));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no Cluster section", await ErrorOf(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explain_NameAndClient_ReturnsTheReport()
    {
        // Arrange
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control);

        // Act
        using var response = await _http.GetAsync(Url("/api/explain?name=contoso.tm.registry.test&client=10.1.2.3"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(("contoso.tm.registry.test", IPAddress.Parse("10.1.2.3")), Assert.Single(control.ExplainCalls));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal(
            ["name", "profile", "routingMethod", "client", "matchedNetwork", "candidates", "rule", "answer", "ttl", "scopePrefixLength", "geo", "nested"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("geo").ValueKind); // Geographic profiles only
        Assert.Equal(JsonValueKind.Null, root.GetProperty("nested").ValueKind); // a chosen Nested endpoint only
        Assert.Equal("10.1.2.3", root.GetProperty("client").GetString());
        Assert.Equal("Performance", root.GetProperty("routingMethod").GetString());
        Assert.Equal("127.0.0.0/8", root.GetProperty("matchedNetwork").GetString());
        Assert.Equal("lowest latency among eligible endpoints: eastus 10 ms", root.GetProperty("rule").GetString());
        Assert.Equal(["A 127.0.0.11"], root.GetProperty("answer").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(8, root.GetProperty("scopePrefixLength").GetInt32());
        var candidate = root.GetProperty("candidates")[1];
        Assert.Equal(
            ["endpoint", "target", "location", "status", "enabled", "eligible", "latencyMs", "priority", "weight", "chosen", "note", "views", "held", "reason"],
            candidate.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Degraded", candidate.GetProperty("status").GetString());
        Assert.Equal(80, candidate.GetProperty("latencyMs").GetDouble());
        Assert.False(candidate.GetProperty("eligible").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("candidates")[2].GetProperty("latencyMs").ValueKind);
    }

    [Fact]
    public async Task Explain_WithoutClient_UsesTheCallersAddress()
    {
        // Arrange
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control);

        // Act
        using var response = await _http.GetAsync(Url("/api/explain?name=contoso"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(IPAddress.Loopback, Assert.Single(control.ExplainCalls).Client);
    }

    [Theory]
    [InlineData("/api/explain?name=contoso&client=banana", "client 'banana' is not an IPv4 or IPv6 address")]
    [InlineData("/api/explain?name=contoso&client=10", "client '10' is not an IPv4 or IPv6 address")]
    [InlineData("/api/explain?name=contoso&client=300.1.1.1", "client '300.1.1.1' is not an IPv4 or IPv6 address")]
    [InlineData("/api/explain?client=10.0.0.1", "the name is required: /api/explain?name=contoso&client=10.0.0.1")]
    public async Task Explain_BadInput_Returns400(string path, string error)
    {
        // Arrange
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control);

        // Act
        using var response = await _http.GetAsync(Url(path));

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, await ErrorOf(response));
        Assert.Empty(control.ExplainCalls);
    }

    [Fact]
    public async Task Explain_NameNotOurs_Returns404()
    {
        // Arrange
        await StartAsync(FakeTrafficManagerControl.Contoso());

        // Act
        using var response = await _http.GetAsync(Url("/api/explain?name=www.example.com&client=::1"));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("'www.example.com' is not a name this router answers (no such profile)", await ErrorOf(response));
    }

    [Fact]
    public async Task HostEndpoints_MappedThroughTheHook_AreServedWithNoStore()
    {
        // Arrange: the host (Router.Cli) maps /metrics through the hook; here a stand-in.
        await StartAsync(FakeTrafficManagerControl.Contoso());

        // Act
        using var response = await _http.GetAsync(Url("/metrics"));
        using var wrongMethod = await _http.PostAsync(Url("/metrics"), Json("{}"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(MetricsStandIn, await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
    }

    [Fact]
    public async Task HostEndpoints_NoHook_MetricsIs404()
    {
        // Arrange
        _server = new AdminHttpServer(new AdminOptions { Listen = "http://127.0.0.1:0" }, FakeTrafficManagerControl.Contoso(), _loggerFactory, NoEnvironment);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _server.StartAsync(timeout.Token);

        // Act
        using var response = await _http.GetAsync(Url("/metrics"));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task NoTrafficManager_ProfilesEmptyExplainAndPut404MetricsWork()
    {
        // Arrange
        await StartAsync(control: null);

        // Act
        using var profiles = await _http.GetAsync(Url("/api/profiles"));
        using var profile = await _http.GetAsync(Url("/api/profiles/contoso"));
        using var explain = await _http.GetAsync(Url("/api/explain?name=contoso&client=10.0.0.1"));
        using var put = await _http.PutAsync(Url("/api/profiles/contoso/endpoints/eastus"), Json("{\"enabled\": false}"));
        using var metrics = await _http.GetAsync(Url("/metrics"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, profiles.StatusCode);
        Assert.Equal("[]", await profiles.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, profile.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, explain.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        Assert.Equal("no traffic manager is configured (no TrafficManager section)", await ErrorOf(put));
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Fact]
    public async Task Control_ReplacedWhileRunning_IsAnsweredFrom()
    {
        // Arrange
        await StartAsync(control: null);

        // Act
        _server!.Control = FakeTrafficManagerControl.Contoso();
        using var response = await _http.GetAsync(Url("/api/profiles/contoso"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ControlThrows_Returns500AndLogsTheError()
    {
        // Arrange
        await StartAsync(new ThrowingControl());

        // Act
        using var response = await _http.GetAsync(Url("/api/profiles"));

        // Assert
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("internal error: snapshot unavailable", await ErrorOf(response));
        var entry = Assert.Single(_logs.GetSnapshot(), e => e.Id.Id == 3420);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.IsType<InvalidOperationException>(entry.Exception);
    }

    [Fact]
    public async Task UnknownPathAndWrongMethod_Return404And405()
    {
        // Arrange
        await StartAsync(FakeTrafficManagerControl.Contoso());

        // Act
        using var unknown = await _http.GetAsync(Url("/api/nothing"));
        using var wrongMethod = await _http.DeleteAsync(Url("/api/profiles/contoso"));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no such resource", await ErrorOf(unknown), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
    }

    [Theory]
    [InlineData("/api/profiles")]
    [InlineData("/api/profiles/contoso")]
    [InlineData("/api/explain?name=contoso")]
    [InlineData("/metrics")]
    public async Task TokenConfigured_RequestWithoutToken_Returns401WithBearerChallenge(string path)
    {
        // Arrange
        await StartAsync(FakeTrafficManagerControl.Contoso(), new AdminOptions { Listen = "http://127.0.0.1:0", BearerToken = Token });

        // Act
        using var response = await _http.GetAsync(Url(path));

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        var warning = Assert.Single(_logs.GetSnapshot(), e => e.Id.Id == 3410);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal("no bearer token", warning.GetStructuredStateValue("Reason"));
    }

    [Theory]
    [InlineData("Bearer wrong-token-0123456789")]
    [InlineData("Bearer s3cret-token-012345678")]
    [InlineData("Basic czNjcmV0LXRva2VuLTAxMjM0NTY3ODk=")]
    [InlineData("s3cret-token-0123456789")]
    public async Task TokenConfigured_WrongCredentials_Returns401(string authorization)
    {
        // Arrange
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control, new AdminOptions { Listen = "http://127.0.0.1:0", BearerToken = Token });
        using var request = new HttpRequestMessage(HttpMethod.Put, Url("/api/profiles/contoso/endpoints/eastus")) { Content = Json("{\"enabled\": false}") };
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        // Act
        using var response = await _http.SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Empty(control.SetCalls);
        Assert.Contains(_logs.GetSnapshot(), e => e.Id.Id == 3410 && e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task TokenConfigured_RightToken_IsServedOnEveryRoute()
    {
        // Arrange
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control, new AdminOptions { Listen = "http://127.0.0.1:0", BearerToken = Token });
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        // Act
        using var profiles = await _http.GetAsync(Url("/api/profiles"));
        using var put = await _http.PutAsync(Url("/api/profiles/contoso/endpoints/eastus"), Json("{\"enabled\": false}"));
        using var explain = await _http.GetAsync(Url("/api/explain?name=contoso&client=10.0.0.1"));
        using var metrics = await _http.GetAsync(Url("/metrics"));

        // Assert
        Assert.Equal(HttpStatusCode.OK, profiles.StatusCode);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, explain.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.True(_server!.RequiresToken);
    }

    [Fact]
    public async Task EnvironmentToken_IsRequiredWhenNoneIsConfigured()
    {
        // Arrange
        await StartAsync(FakeTrafficManagerControl.Contoso(), new AdminOptions { Listen = "http://127.0.0.1:0" },
            name => name == "ROUTER_ADMIN_TOKEN" ? Token : null);

        // Act
        using var without = await _http.GetAsync(Url("/api/profiles"));
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var with = await _http.GetAsync(Url("/api/profiles"));

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
    }

    [Fact]
    public async Task StartAsync_PortZero_ExposesTheBoundPortAndLogsListening()
    {
        // Act
        await StartAsync(FakeTrafficManagerControl.Contoso());

        // Assert
        Assert.Equal("127.0.0.1", _server!.Address.Host);
        Assert.NotEqual(0, _server.Address.Port);
        Assert.False(_server.RequiresToken);
        Assert.Contains(_logs.GetSnapshot(), e => e.Id.Id == 3400 && e.Level == LogLevel.Information);
        // ASP.NET Core's per-request logging and the inner host's lifetime lines ("Now listening on", "Content root
        // path") stay out of the process log.
        using var response = await _http.GetAsync(Url("/api/profiles"));
        Assert.DoesNotContain(_logs.GetSnapshot(), e => e.Category?.StartsWith("Microsoft.", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(_logs.GetSnapshot(), e => e.Message.Contains("Now listening on", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:{port}")]
    [InlineData("127.0.0.1.nip.io:{port}")]
    [InlineData("localhost.evil.example:{port}")]
    [InlineData("localhost.:{port}")]
    [InlineData("router:{port}")]
    public async Task NoToken_HostNeitherIpNorLocalhost_Returns421AndChangesNothing(string host)
    {
        // Arrange: what a page sees after rebinding its own name to 127.0.0.1
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control);
        host = host.Replace("{port}", _server!.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        using var put = new HttpRequestMessage(HttpMethod.Put, Url("/api/profiles/contoso/endpoints/eastus")) { Content = Json("{\"enabled\": false}") };
        using var get = new HttpRequestMessage(HttpMethod.Get, Url("/api/profiles"));
        put.Headers.Host = host;
        get.Headers.Host = host;

        // Act
        using var putResponse = await _http.SendAsync(put);
        using var getResponse = await _http.SendAsync(get);

        // Assert
        Assert.Equal(HttpStatusCode.MisdirectedRequest, putResponse.StatusCode);
        Assert.Equal(HttpStatusCode.MisdirectedRequest, getResponse.StatusCode);
        Assert.Contains("DNS rebinding", await ErrorOf(putResponse), StringComparison.Ordinal);
        Assert.Contains($"Host '{host}'", await ErrorOf(getResponse), StringComparison.Ordinal);
        Assert.Empty(control.SetCalls);
        Assert.Equal(2, _logs.GetSnapshot().Count(e => e.Id.Id == TrafficManagerEventIds.MisdirectedHost && e.Level == LogLevel.Warning));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:{port}")]
    [InlineData("[::1]")]
    [InlineData("[::1]:{port}")]
    [InlineData("localhost")]
    [InlineData("LocalHost:{port}")]
    [InlineData("192.0.2.7:8080")]
    public async Task NoToken_HostIpOrLocalhost_IsServed(string host)
    {
        // Arrange
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control);
        using var put = new HttpRequestMessage(HttpMethod.Put, Url("/api/profiles/contoso/endpoints/eastus")) { Content = Json("{\"enabled\": false}") };
        put.Headers.Host = host.Replace("{port}", _server!.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        // Act
        using var response = await _http.SendAsync(put);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(control.SetCalls);
    }

    [Fact]
    public async Task TokenConfigured_AnyHost_IsServed()
    {
        // Arrange: the token is the protection; a name in front of the router is fine
        await StartAsync(FakeTrafficManagerControl.Contoso(), new AdminOptions { Listen = "http://127.0.0.1:0", BearerToken = Token });
        using var request = new HttpRequestMessage(HttpMethod.Get, Url("/api/profiles"));
        request.Headers.Host = "router.example.com";
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        // Act
        using var response = await _http.SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("http://evil.example", false)]
    [InlineData("null", false)]
    [InlineData("http://127.0.0.1:1", false)]
    [InlineData("https://127.0.0.1:{port}", false)]
    [InlineData("http://localhost:{port}", false)]
    [InlineData("http://evil.example", true)]
    public async Task Put_CrossOrigin_Returns403AndChangesNothing(string origin, bool token)
    {
        // Arrange
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control, new AdminOptions { Listen = "http://127.0.0.1:0", BearerToken = token ? Token : null });
        using var request = new HttpRequestMessage(HttpMethod.Put, Url("/api/profiles/contoso/endpoints/eastus")) { Content = Json("{\"enabled\": false}") };
        request.Headers.TryAddWithoutValidation("Origin", origin.Replace("{port}", _server!.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        if (token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        }

        // Act
        using var response = await _http.SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.StartsWith("cross-origin write refused", await ErrorOf(response), StringComparison.Ordinal);
        Assert.Empty(control.SetCalls);
        Assert.Single(_logs.GetSnapshot(), e => e.Id.Id == TrafficManagerEventIds.CrossOriginRefused && e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task Put_SameOrigin_IsServedAndGetIsNotOriginChecked()
    {
        // Arrange
        var control = FakeTrafficManagerControl.Contoso();
        await StartAsync(control);
        string self = _server!.Address.GetLeftPart(UriPartial.Authority);
        using var put = new HttpRequestMessage(HttpMethod.Put, Url("/api/profiles/contoso/endpoints/eastus")) { Content = Json("{\"enabled\": false}") };
        put.Headers.TryAddWithoutValidation("Origin", self);
        using var get = new HttpRequestMessage(HttpMethod.Get, Url("/api/profiles"));
        get.Headers.TryAddWithoutValidation("Origin", "http://evil.example");

        // Act
        using var putResponse = await _http.SendAsync(put);
        using var getResponse = await _http.SendAsync(get);

        // Assert: reads are harmless (no CORS headers: a foreign page cannot read the answer)
        Assert.Equal(HttpStatusCode.OK, putResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, getResponse.StatusCode);
        Assert.False(getResponse.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.1:80", true)]
    [InlineData("[::1]:8080", true)]
    [InlineData("[2001:db8::1]", true)]
    [InlineData("LOCALHOST", true)]
    [InlineData("localhost:1", true)]
    [InlineData("example.com", false)]
    [InlineData("localhost.example.com", false)]
    [InlineData("127.1", false)]
    [InlineData("2130706433", false)]
    [InlineData("[example.com]", false)]
    [InlineData("[127.0.0.1]", false)]
    public void IsLocalHost_OnlyIpLiteralsAndLocalhost(string host, bool expected) =>
        Assert.Equal(expected, AdminGuardMiddleware.IsLocalHost(new Microsoft.AspNetCore.Http.HostString(host)));

    [Fact]
    public void Constructor_NotLoopbackWithoutToken_Throws()
    {
        // Act
        var exception = Assert.Throws<ArgumentException>(() =>
            new AdminHttpServer(new AdminOptions { Listen = "http://0.0.0.0:0" }, null, _loggerFactory, NoEnvironment));

        // Assert
        Assert.Contains("Admin:BearerToken: required", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidListen_Throws() =>
        Assert.Throws<ArgumentException>(() => new AdminHttpServer(new AdminOptions { Listen = "http://localhost:0" }, null, _loggerFactory, NoEnvironment));

    private sealed class ThrowingControl : ITrafficManagerControl
    {
        public IReadOnlyList<ProfileReport> GetProfiles() => throw new InvalidOperationException("snapshot unavailable");

        public ProfileReport? GetProfile(string name) => throw new InvalidOperationException("snapshot unavailable");

        public Task<EndpointSwitchResult> SetEndpointEnabledAsync(string profile, string endpoint, bool enabled, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("snapshot unavailable");

        public Task<EndpointSwitchResult> SetEndpointAsync(string profile, string endpoint, EndpointChange change, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("snapshot unavailable");

        public Task<EndpointSwitchResult> ReleaseEndpointAsync(string profile, string endpoint, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("snapshot unavailable");

        public ExplainReport? Explain(string name, IPAddress client) => throw new InvalidOperationException("snapshot unavailable");
    }

    private async Task StartAsync(ITrafficManagerControl? control, AdminOptions? options = null, Func<string, string?>? environment = null)
    {
        _server = new AdminHttpServer(options ?? new AdminOptions { Listen = "http://127.0.0.1:0" }, control, _loggerFactory,
            environment ?? NoEnvironment, MapMetrics);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _server.StartAsync(timeout.Token);
    }

    private Uri Url(string pathAndQuery) => new(_server!.Address, pathAndQuery);

    private const string MetricsStandIn = "# metrics stand-in\n";

    /// <summary>What Router.Cli maps through the hook (OpenTelemetry's Prometheus exporter), here a stand-in.</summary>
    private static void MapMetrics(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(AdminHttpServer.MetricsPath, () => Results.Text(MetricsStandIn, "text/plain"));

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<string?> ErrorOf(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").GetString();
    }
}
