using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Router.Health.Checks;
using Router.Health.Configuration;
using Router.Health.Tests.Infrastructure;
using Router.Testing;

namespace Router.Health.Tests.Checks;

/// <summary>
/// The bearer-token challenge against the real docker-registry configured with <c>auth: token</c>: the registry
/// answers 401 <c>Bearer realm=…,service=…,scope=…</c>, and trusts JWTs (ES256, <c>x5c</c> chain) signed by a
/// certificate in its <c>rootcertbundle</c>, issued here by a loopback token service that checks Basic credentials.
/// </summary>
public sealed class RegistryCheckTokenAuthTests : IAsyncLifetime
{
    private const string User = "probe";
    private const string Password = "probe-pass";
    private const string Issuer = "router-test-issuer";
    private const string Service = "router-test-registry";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("router-registry-token-");
    private X509Certificate2? _certificate;
    private LoopbackHttpServer? _tokenService;
    private ExternalProcess? _registry;
    private int _port;
    private volatile int _tokenStatus = 200;

    private Uri BaseAddress => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{_port}/"));

    public async Task InitializeAsync()
    {
        _certificate = new CertificateRequest("CN=router-test-token-issuer", _key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        string bundle = Path.Combine(_directory.FullName, "token-ca.pem");
        await File.WriteAllTextAsync(bundle, _certificate.ExportCertificatePem() + "\n");
        _tokenService = await LoopbackHttpServer.StartAsync(IssueTokenAsync);
        string storage = Directory.CreateDirectory(Path.Combine(_directory.FullName, "storage")).FullName;
        string registry = InstalledProgram.Find("docker-registry", "docker-registry");

        for (int attempt = 1; attempt <= 3 && _registry is null; attempt++)
        {
            _port = ExternalProcess.FreeTcpPort();
            string config = Path.Combine(_directory.FullName, "config.yml");
            await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $"""
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: {storage}
                  cache:
                    blobdescriptor: inmemory
                http:
                  addr: 127.0.0.1:{_port}
                  secret: router-test-not-a-secret
                auth:
                  token:
                    realm: {_tokenService.Url("/token")}
                    service: {Service}
                    issuer: {Issuer}
                    rootcertbundle: {bundle}
                """));
            var process = ExternalProcess.Start(registry, ["serve", config], _directory.FullName);
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            bool up = await Poll.TryUntilAsync(async () =>
            {
                try
                {
                    using var response = await client.GetAsync(new Uri(BaseAddress, "v2/"));
                    return response.StatusCode == HttpStatusCode.Unauthorized;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    return process.HasExited;
                }
            }, TimeSpan.FromSeconds(20));
            if (up && !process.HasExited)
            {
                _registry = process;
            }
            else
            {
                await process.DisposeAsync();
            }
        }

        Assert.True(_registry is not null, "docker-registry with token auth did not start");
        await PushCanaryAsync();
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_registry is not null)
            {
                await _registry.DisposeAsync();
            }

            if (_tokenService is not null)
            {
                await _tokenService.DisposeAsync();
            }
        }
        finally
        {
            _certificate?.Dispose();
            _key.Dispose();
            _directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task CheckAsync_TokenAuthRegistry_TokenDanceThenSuccess()
    {
        // Arrange
        using var check = Create(Password);

        // Act
        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert: the realm was asked for the pull scope of the canary, with the probe's credentials.
        Assert.True(result.Outcome == CheckOutcome.Success, $"{result.Outcome}: {result.Error}");
        var tokenRequest = _tokenService!.Requests.Last(r => r.Path == "/token");
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(User + ":" + Password)), tokenRequest.Headers["Authorization"]);
    }

    [Fact]
    public async Task CheckAsync_TokenServiceRejectsPassword_AuthRejected()
    {
        using var check = Create("rotated-elsewhere");

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal((CheckOutcome.Failure, "auth rejected: token endpoint 401"), (result.Outcome, result.Error));
    }

    [Fact]
    public async Task CheckAsync_TokenServiceFails_TokenEndpoint500()
    {
        using var check = Create(Password);
        _tokenStatus = 500;

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal((CheckOutcome.Failure, "token endpoint 500"), (result.Outcome, result.Error));
    }

    private RegistryCheck Create(string password)
    {
        var errors = new List<string>();
        var check = CheckFactory.TryCreate(new CheckOptions
        {
            Type = "Registry",
            Url = BaseAddress.ToString(),
            Repository = "canary",
            Username = User,
            Password = password,
        }, "Health:Resources:0:Check", TimeProvider.System, errors);
        Assert.Empty(errors);
        return Assert.IsType<RegistryCheck>(check);
    }

    /// <summary>The token service: Basic credentials in, a JWT for exactly the requested scope out.</summary>
    private async Task IssueTokenAsync(HttpContext context)
    {
        if (context.Request.Path != "/token")
        {
            context.Response.StatusCode = 404;
            return;
        }

        if (_tokenStatus != 200)
        {
            context.Response.StatusCode = _tokenStatus;
            return;
        }

        string expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(User + ":" + Password));
        if (context.Request.Headers.Authorization.ToString() != expected || context.Request.Query["service"] != Service)
        {
            context.Response.StatusCode = 401;
            return;
        }

        // scope = repository:<name>:<actions>
        string[] scope = context.Request.Query["scope"].ToString().Split(':');
        var access = scope.Length == 3 && scope[0] == "repository"
            ? new[] { new { type = "repository", name = scope[1], actions = scope[2].Split(',') } }
            : [];
        await context.Response.WriteAsJsonAsync(new { token = Sign(access) });
    }

    private string Sign(object access)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new { typ = "JWT", alg = "ES256", x5c = new[] { Convert.ToBase64String(_certificate!.RawData) } }));
        string payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new
        {
            iss = Issuer,
            sub = User,
            aud = Service,
            exp = now + 300,
            nbf = now - 10,
            iat = now,
            jti = Guid.NewGuid().ToString("N"),
            access,
        }));
        byte[] signature = _key.SignData(Encoding.ASCII.GetBytes(header + "." + payload), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return header + "." + payload + "." + Base64Url(signature);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private async Task PushCanaryAsync()
    {
        // The registry accepts only tokens: take one for push, then push as RegistryCanary does.
        string token = Sign(new[] { new { type = "repository", name = "canary", actions = new[] { "pull", "push" } } });
        await RegistryCanary.PushAsync(BaseAddress, "canary", "latest", new AuthenticationHeaderValue("Bearer", token));
    }
}
