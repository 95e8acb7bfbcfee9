using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Router.Health.Checks;
using Router.Health.Tests.Infrastructure;

namespace Router.Health.Tests.Checks;

/// <summary>The Registry check's client side of the distribution API, against a scripted registry.</summary>
public sealed class RegistryCheckTests
{
    private const string Registry = "http://registry.test:5000/";
    private const string ManifestPath = "/v2/canary/manifests/latest";
    private const string BasicProbe = "Basic cHJvYmU6cHJvYmUtcGFzcw=="; // probe:probe-pass

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly string ConfigDigest = RegistryCanary.Digest(RegistryCanary.Config);
    private static readonly string ConfigPath = "/v2/canary/blobs/" + ConfigDigest;
    private static readonly string ManifestDigest = RegistryCanary.Digest(RegistryCanary.Manifest());

    [Fact]
    public async Task CheckAsync_AnonymousRegistry_GetsManifestThenHeadsConfigBlob()
    {
        // Arrange
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Manifest());
        registry.On("HEAD", ConfigPath, _ => Blob(RegistryCanary.Config.Length));
        using var check = Check(registry, username: null);

        // Act
        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        AssertSuccess(result);
        Assert.Equal(["GET " + ManifestPath, "HEAD " + ConfigPath], registry.Lines);
        var accept = registry.Requests[0].Accept;
        Assert.Equal([RegistryManifest.OciManifest, RegistryManifest.DockerManifest, RegistryManifest.OciIndex, RegistryManifest.DockerManifestList], accept);
        Assert.All(registry.Requests, r => Assert.Null(r.Authorization));
        Assert.All(registry.Requests, r => Assert.Equal("router-health", r.UserAgent));
    }

    [Fact]
    public async Task CheckAsync_BasicChallenge_RetriesWithBasicCredentialsAndKeepsThem()
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, r => r.Authorization == BasicProbe ? Manifest() : Challenge("Basic realm=\"router-test\""));
        registry.On("HEAD", ConfigPath, r => r.Authorization == BasicProbe ? Blob(RegistryCanary.Config.Length) : Challenge("Basic realm=\"router-test\""));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertSuccess(result);
        Assert.Equal(["GET " + ManifestPath, "GET " + ManifestPath, "HEAD " + ConfigPath], registry.Lines);
        Assert.Equal([null, BasicProbe, BasicProbe], registry.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task CheckAsync_BearerChallenge_FetchesTokenWithServiceScopeAndCredentialsThenRetries()
    {
        // Arrange: the token dance of the distribution auth spec, the realm on another host.
        var registry = new ScriptedRegistry();
        const string Challenge401 = "Bearer realm=\"https://auth.test/token\",service=\"registry.test\",scope=\"repository:canary:pull\"";
        registry.On("GET", ManifestPath, r => r.Authorization == "Bearer tok-1" ? Manifest() : Challenge(Challenge401));
        registry.On("HEAD", ConfigPath, r => r.Authorization == "Bearer tok-1" ? Blob(RegistryCanary.Config.Length) : Challenge(Challenge401));
        registry.On("GET", "/token?service=registry.test&scope=repository%3Acanary%3Apull",
            r => r.Authorization == BasicProbe ? Json("{\"token\":\"tok-1\",\"expires_in\":300}") : Status(HttpStatusCode.Unauthorized));
        using var check = Check(registry);

        // Act
        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        AssertSuccess(result);
        Assert.Equal(["GET " + ManifestPath, "GET /token?service=registry.test&scope=repository%3Acanary%3Apull", "GET " + ManifestPath, "HEAD " + ConfigPath], registry.Lines);
        Assert.Equal("auth.test", registry.Requests[1].Uri.Host);
        Assert.Equal([null, BasicProbe, "Bearer tok-1", "Bearer tok-1"], registry.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task CheckAsync_BearerWithoutScopeOrCredentials_AnonymousTokenForPullScope()
    {
        // Arrange: a public registry (anonymous pulls) whose challenge names no scope; the realm keeps its own query.
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, r => r.Authorization == "Bearer anon" ? Manifest() : Challenge("Bearer realm=\"http://registry.test:5000/auth?v=2\""));
        registry.On("HEAD", ConfigPath, _ => Blob(RegistryCanary.Config.Length));
        registry.On("GET", "/auth?v=2&scope=repository%3Acanary%3Apull", _ => Json("{\"access_token\":\"anon\"}"));
        using var check = Check(registry, username: null);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertSuccess(result);
        Assert.Null(registry.Requests[1].Authorization);
    }

    [Theory]
    [InlineData(500, "token endpoint 500")]
    [InlineData(503, "token endpoint 503")]
    [InlineData(401, "auth rejected: token endpoint 401")]
    [InlineData(403, "auth rejected: token endpoint 403")]
    public async Task CheckAsync_TokenEndpointFails_FailureNamesIt(int status, string expected)
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Challenge("Bearer realm=\"http://auth.test/token\",service=\"registry.test\""));
        registry.On("GET", "/token?service=registry.test&scope=repository%3Acanary%3Apull", _ => Status((HttpStatusCode)status));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure(expected, result);
    }

    [Theory]
    [InlineData("{\"expires_in\":300}")]
    [InlineData("<html>login</html>")]
    [InlineData("{\"token\":\"\"}")]
    public async Task CheckAsync_TokenAnswerWithoutToken_Failure(string body)
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Challenge("Bearer realm=\"http://auth.test/token\""));
        registry.On("GET", "/token?scope=repository%3Acanary%3Apull", _ => Json(body));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure("token endpoint 200 without a token", result);
    }

    [Fact]
    public async Task CheckAsync_BearerRealmNotHttp_Failure()
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Challenge("Bearer realm=\"/token\""));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure("auth rejected: 401 with a Bearer challenge whose realm is not an http or https URL (/token)", result);
    }

    [Fact]
    public async Task CheckAsync_TokenRefusedByRegistry_AuthRejected()
    {
        // The token service issues a token the registry does not accept (a key rotated on one side only).
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Challenge("Bearer realm=\"http://auth.test/token\""));
        registry.On("GET", "/token?scope=repository%3Acanary%3Apull", _ => Json("{\"token\":\"stale\"}"));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure("auth rejected: 401", result);
        Assert.Equal(3, registry.Requests.Count);
    }

    [Fact]
    public async Task CheckAsync_BasicCredentialsRejected_AuthRejected401()
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Challenge("Basic realm=\"router-test\""));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure("auth rejected: 401", result);
        Assert.Equal(2, registry.Requests.Count);
    }

    [Theory]
    [InlineData(null, "auth rejected: 401 without a WWW-Authenticate challenge")]
    [InlineData("Negotiate", "auth rejected: 401 with an unsupported challenge (Negotiate)")]
    public async Task CheckAsync_UnusableChallenge_Failure(string? challenge, string expected)
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Challenge(challenge));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure(expected, result);
    }

    [Fact]
    public async Task CheckAsync_BasicChallengeWithoutUsername_TellsWhatToSet()
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Challenge("Basic realm=\"router-test\""));
        using var check = Check(registry, username: null);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure("auth rejected: 401 (the registry asks for Basic credentials; set Username and Password)", result);
    }

    [Theory]
    [InlineData(RegistryManifest.OciIndex)]
    [InlineData(RegistryManifest.DockerManifestList)]
    public async Task CheckAsync_IndexOrManifestList_FollowsFirstEntryByDigest(string mediaType)
    {
        // Arrange: an index of two platforms; the first is followed, by digest, with the same credentials.
        var registry = new ScriptedRegistry();
        string index = "{\"schemaVersion\":2,\"mediaType\":\"" + mediaType + "\",\"manifests\":["
            + "{\"mediaType\":\"" + RegistryManifest.OciManifest + "\",\"digest\":\"" + ManifestDigest + "\",\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
            + "{\"mediaType\":\"" + RegistryManifest.OciManifest + "\",\"digest\":\"sha256:" + new string('0', 64) + "\",\"size\":1}]}";
        registry.On("GET", ManifestPath, r => r.Authorization == BasicProbe ? Content(index, mediaType) : Challenge("Basic realm=\"r\""));
        registry.On("GET", "/v2/canary/manifests/" + ManifestDigest, r => r.Authorization == BasicProbe ? Manifest() : Status(HttpStatusCode.Unauthorized));
        registry.On("HEAD", ConfigPath, _ => Blob(RegistryCanary.Config.Length));
        using var check = Check(registry);

        // Act
        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        AssertSuccess(result);
        Assert.Equal(["GET " + ManifestPath, "GET " + ManifestPath, "GET /v2/canary/manifests/" + ManifestDigest, "HEAD " + ConfigPath], registry.Lines);
    }

    [Fact]
    public async Task CheckAsync_IndexEntryContentDoesNotMatchItsDigest_Failure()
    {
        // A corrupted manifest in storage: the bytes served for a digest hash to something else.
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Content(Encoding.UTF8.GetString(RegistryCanary.Index()), RegistryManifest.OciIndex));
        registry.On("GET", "/v2/canary/manifests/" + ManifestDigest, _ => Content("{\"schemaVersion\":2,\"layers\":[]}", RegistryManifest.OciManifest));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.StartsWith("manifest GET 200: the content's digest is sha256:", result.Error, StringComparison.Ordinal);
        Assert.EndsWith($", not the {ManifestDigest} asked for", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_DockerContentDigestDisagrees_Failure()
    {
        var registry = new ScriptedRegistry();
        string other = "sha256:" + new string('a', 64);
        registry.On("GET", ManifestPath, _ =>
        {
            var response = Manifest();
            response.Headers.Add("Docker-Content-Digest", other);
            return response;
        });
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure($"manifest GET 200: the content's digest is {ManifestDigest}, Docker-Content-Digest says {other}", result);
    }

    [Fact]
    public async Task CheckAsync_ReferenceIsDigest_GetsByDigest()
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", "/v2/canary/manifests/" + ManifestDigest, _ => Manifest());
        registry.On("HEAD", ConfigPath, _ => Blob(RegistryCanary.Config.Length));
        using var check = Check(registry, reference: ManifestDigest);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertSuccess(result);
    }

    [Fact]
    public async Task CheckAsync_ManifestUnknown_StorageWiped()
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Json("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\",\"detail\":{\"Tag\":\"latest\"}}]}", HttpStatusCode.NotFound));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure("manifest GET 404 (MANIFEST_UNKNOWN): storage wiped?", result);
    }

    [Theory]
    [InlineData(500, "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"unknown error\",\"detail\":{\"Op\":\"open\"}}]}", "manifest GET 500 (UNKNOWN): unknown error")]
    [InlineData(503, "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"service unavailable\",\"detail\":\"health check failed\"}]}", "manifest GET 503 (UNAVAILABLE): service unavailable")]
    [InlineData(502, "<html>Bad Gateway</html>", "manifest GET 502")]
    [InlineData(500, "{\"errors\":[{\"code\":\"\\ud800\",\"message\":\"lone surrogate\"}]}", "manifest GET 500")]
    [InlineData(404, "404 page not found", "manifest GET 404: storage wiped?")]
    [InlineData(403, "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"requested access to the resource is denied\"}]}", "manifest GET 403 (DENIED): requested access to the resource is denied")]
    public async Task CheckAsync_ManifestErrorStatus_FailureWithRegistryError(int status, string body, string expected)
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Json(body, (HttpStatusCode)status));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure(expected, result);
    }

    [Theory]
    [InlineData("not json", "manifest GET 200: the body is not valid JSON")]
    [InlineData("[]", "manifest GET 200: the body is not a JSON object")]
    [InlineData("{\"schemaVersion\":1,\"fsLayers\":[]}", "manifest GET 200: a schema 1 manifest (not supported: push the canary as an OCI or Docker v2 image)")]
    [InlineData("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.example+json\"}", "manifest GET 200: not an image manifest or index (application/vnd.example+json)")]
    [InlineData("{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:../../etc\"}}", "manifest GET 200: the config has no valid digest")]
    [InlineData("{\"schemaVersion\":2,\"layers\":[]}", "manifest GET 200: the manifest names no config or layer blob")]
    [InlineData("{\"schemaVersion\":2,\"manifests\":[]}", "manifest GET 200: the index lists no manifests")]
    public async Task CheckAsync_UnusableManifest_Failure(string body, string expected)
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Content(body, RegistryManifest.OciManifest));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure(expected, result);
    }

    [Fact]
    public async Task CheckAsync_NoConfig_HeadsFirstLayer()
    {
        string layer = "sha256:" + new string('b', 64);
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Content("{\"schemaVersion\":2,\"layers\":[{\"digest\":\"" + layer + "\",\"size\":7}]}", RegistryManifest.OciManifest));
        registry.On("HEAD", "/v2/canary/blobs/" + layer, _ => Blob(7));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertSuccess(result);
        Assert.Equal("HEAD /v2/canary/blobs/" + layer, registry.Lines[^1]);
    }

    [Theory]
    [InlineData(500, "blob HEAD 500")]
    [InlineData(503, "blob HEAD 503")]
    [InlineData(404, "blob HEAD 404: storage wiped?")]
    public async Task CheckAsync_BlobHeadFails_FailureNamesBlobStep(int status, string expected)
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Manifest());
        registry.On("HEAD", ConfigPath, _ => Status((HttpStatusCode)status));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure(expected, result);
    }

    [Fact]
    public async Task CheckAsync_BlobSizeDiffersFromManifest_Failure()
    {
        // disk-full leftovers: a blob whose stored length is not what the manifest promised.
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Manifest());
        registry.On("HEAD", ConfigPath, _ => Blob(0));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure($"blob HEAD 200: 0 bytes, the manifest says {RegistryCanary.Config.Length}", result);
    }

    [Theory]
    [InlineData(HttpStatusCode.TemporaryRedirect)]
    [InlineData(HttpStatusCode.Found)]
    public async Task CheckAsync_BlobRedirectedToStorage_FollowedOnceWithoutCredentials(HttpStatusCode redirect)
    {
        // Arrange: blob storage behind a pre-signed URL on another origin, which must not get the registry's credentials.
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, r => r.Authorization == BasicProbe ? Manifest() : Challenge("Basic realm=\"r\""));
        registry.On("HEAD", ConfigPath, _ => Redirect(redirect, "https://storage.test/blobs/config?sig=abc"));
        registry.On("HEAD", "/blobs/config?sig=abc", _ => Blob(RegistryCanary.Config.Length));
        using var check = Check(registry);

        // Act
        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        AssertSuccess(result);
        var followed = registry.Requests[^1];
        Assert.Equal("https://storage.test/blobs/config?sig=abc", followed.Uri.ToString());
        Assert.Null(followed.Authorization);
    }

    [Fact]
    public async Task CheckAsync_BlobRedirectedOnSameOrigin_KeepsCredentials()
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, r => r.Authorization == BasicProbe ? Manifest() : Challenge("Basic realm=\"r\""));
        registry.On("HEAD", ConfigPath, _ => Redirect(HttpStatusCode.TemporaryRedirect, "/storage/config"));
        registry.On("HEAD", "/storage/config", r => r.Authorization == BasicProbe ? Blob(RegistryCanary.Config.Length) : Status(HttpStatusCode.Unauthorized));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertSuccess(result);
        Assert.Equal(new Uri(Registry + "storage/config"), registry.Requests[^1].Uri);
    }

    [Fact]
    public async Task CheckAsync_RedirectTargetFails_FailureNamesTarget()
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Manifest());
        registry.On("HEAD", ConfigPath, _ => Redirect(HttpStatusCode.TemporaryRedirect, "https://storage.test/blobs/config?sig=expired"));
        registry.On("HEAD", "/blobs/config?sig=expired", _ => Status(HttpStatusCode.Forbidden));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure("blob HEAD 403 at the redirect target storage.test", result);
    }

    [Fact]
    public async Task CheckAsync_RedirectedTwice_NotFollowedAgain()
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Manifest());
        registry.On("HEAD", ConfigPath, _ => Redirect(HttpStatusCode.TemporaryRedirect, "https://storage.test/a"));
        registry.On("HEAD", "/a", _ => Redirect(HttpStatusCode.TemporaryRedirect, "https://storage.test/b"));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure("blob HEAD redirected more than once", result);
        Assert.Equal(3, registry.Requests.Count);
    }

    [Fact]
    public async Task CheckAsync_RedirectWithoutLocation_Failure()
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => Manifest());
        registry.On("HEAD", ConfigPath, _ => Status(HttpStatusCode.TemporaryRedirect));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure("blob HEAD 307 without a Location", result);
    }

    [Fact]
    public async Task CheckAsync_RegistryHangs_TimesOutAtTheDeadline()
    {
        // Arrange: registry-hang (SIGSTOP): the connection is accepted, no answer ever comes.
        var clock = new FakeTimeProvider();
        var registry = new ScriptedRegistry();
        registry.OnAsync("GET", ManifestPath, async (_, ct) =>
        {
            await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, ct);
            return Manifest();
        });
        using var check = Check(registry, clock: clock);

        // Act
        var running = check.CheckAsync(Timeout, CancellationToken.None);
        clock.Advance(Timeout);
        var result = await running.WaitAsync(Bound);

        // Assert
        AssertFailure("timed out after 3 s", result);
        Assert.Equal(Timeout, result.Duration);
    }

    [Fact]
    public async Task CheckAsync_ConnectionRefused_Failure()
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused",
            new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused)));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        AssertFailure("connection refused", result);
    }

    [Fact]
    public async Task CheckAsync_OwnBug_Inconclusive()
    {
        var registry = new ScriptedRegistry();
        registry.On("GET", ManifestPath, _ => throw new InvalidOperationException("handler broke"));
        using var check = Check(registry);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Inconclusive, result.Outcome);
        Assert.Equal("check failed: InvalidOperationException: handler broke", result.Error);
    }

    [Fact]
    public async Task CheckAsync_Shutdown_ThrowsOperationCanceled()
    {
        using var shutdown = new CancellationTokenSource();
        var registry = new ScriptedRegistry();
        registry.OnAsync("GET", ManifestPath, async (_, ct) =>
        {
            await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, ct);
            return Manifest();
        });
        using var check = Check(registry);

        var running = check.CheckAsync(Timeout, shutdown.Token);
        await shutdown.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Bound));
    }

    private static RegistryCheck Check(ScriptedRegistry registry, string? username = "probe", string? reference = null, TimeProvider? clock = null) =>
        new(new RegistryCheckSettings
        {
            BaseUrl = new Uri(Registry),
            Repository = "canary",
            Reference = reference ?? RegistryCheckSettings.DefaultReference,
            Username = username,
            Password = username is null ? null : "probe-pass",
        }, clock ?? TimeProvider.System, registry, disposeHandler: true);

    private static void AssertSuccess(CheckResult result) => Assert.True(result.Outcome == CheckOutcome.Success, $"{result.Outcome}: {result.Error}");

    private static void AssertFailure(string expected, CheckResult result) => Assert.Equal((CheckOutcome.Failure, expected), (result.Outcome, result.Error));

    private static HttpResponseMessage Manifest() => Content(Encoding.UTF8.GetString(RegistryCanary.Manifest()), RegistryManifest.OciManifest);

    private static HttpResponseMessage Content(string body, string mediaType, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };

    private static HttpResponseMessage Json(string body, HttpStatusCode status = HttpStatusCode.OK) => Content(body, "application/json", status);

    private static HttpResponseMessage Status(HttpStatusCode status) => new(status) { Content = new ByteArrayContent([]) };

    private static HttpResponseMessage Blob(long length)
    {
        var content = new ByteArrayContent([]);
        content.Headers.ContentLength = length;
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    private static HttpResponseMessage Challenge(string? wwwAuthenticate)
    {
        var response = Json("{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}", HttpStatusCode.Unauthorized);
        if (wwwAuthenticate is not null)
        {
            response.Headers.TryAddWithoutValidation("WWW-Authenticate", wwwAuthenticate);
        }

        return response;
    }

    private static HttpResponseMessage Redirect(HttpStatusCode status, string location)
    {
        var response = Status(status);
        response.Headers.Location = new Uri(location, UriKind.RelativeOrAbsolute);
        return response;
    }

    /// <summary>What the scripted registry saw of one request.</summary>
    private sealed record SeenRequest(string Method, Uri Uri, string? Authorization, string? UserAgent, IReadOnlyList<string> Accept)
    {
        public string Line => Method + " " + Uri.PathAndQuery;
    }

    /// <summary>
    /// Answers requests by method and path-and-query (any host: the registry, its token realm, blob storage); anything
    /// unscripted is a 599 so a test fails with a clear step. Records every request in order.
    /// </summary>
    private sealed class ScriptedRegistry : HttpMessageHandler
    {
        private readonly Dictionary<string, Func<SeenRequest, CancellationToken, Task<HttpResponseMessage>>> _routes = new(StringComparer.Ordinal);
        private readonly List<SeenRequest> _requests = [];

        public IReadOnlyList<SeenRequest> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        public IReadOnlyList<string> Lines => [.. Requests.Select(r => r.Line)];

        public void On(string method, string pathAndQuery, Func<SeenRequest, HttpResponseMessage> answer) =>
            _routes[method + " " + pathAndQuery] = (request, _) => Task.FromResult(answer(request));

        public void OnAsync(string method, string pathAndQuery, Func<SeenRequest, CancellationToken, Task<HttpResponseMessage>> answer) =>
            _routes[method + " " + pathAndQuery] = answer;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var seen = new SeenRequest(
                request.Method.Method,
                request.RequestUri!,
                request.Headers.Authorization?.ToString(),
                request.Headers.UserAgent.ToString(),
                [.. request.Headers.Accept.Select(a => a.MediaType!)]);
            lock (_requests)
            {
                _requests.Add(seen);
            }

            return _routes.TryGetValue(seen.Line, out var answer)
                ? await answer(seen, cancellationToken)
                : new HttpResponseMessage((HttpStatusCode)599) { Content = new StringContent("unscripted: " + seen.Line) };
        }
    }
}
