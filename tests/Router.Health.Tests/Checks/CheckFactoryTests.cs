using System.Net.Http.Headers;
using Router.Health.Checks;
using Router.Health.Configuration;
using Router.Http;

namespace Router.Health.Tests.Checks;

public sealed class CheckFactoryTests
{
    private const string Path = "Health:Resources:2:Check";

    [Fact]
    public void TryCreate_Filesystem_BuildsFilesystemCheck()
    {
        var check = AssertCreated<FilesystemCheck>(new CheckOptions { Type = "Filesystem", Path = "/srv/sa-1" });

        Assert.Equal("/srv/sa-1", check.Path);
        Assert.Equal("Filesystem", check.Type);
    }

    [Fact]
    public void TryCreate_HttpWithDefaults_GetAnd2xx()
    {
        using var check = AssertCreated<HttpCheck>(new CheckOptions { Type = "Http", Url = "http://127.0.0.11:5000/v2/" });

        Assert.Equal(HttpMethod.Get, check.Settings.Method);
        Assert.Equal([new StatusCodeRange(200, 299)], check.Settings.ExpectedStatusCodes);
        Assert.Null(check.Settings.Authorization);
        Assert.Null(check.Settings.BodyContains);
        Assert.Null(check.Settings.ConnectTimeout);
    }

    [Fact]
    public void TryCreate_HttpWithEverything_SettingsCarried()
    {
        using var check = AssertCreated<HttpCheck>(new CheckOptions
        {
            Type = "http",
            Url = "https://auth.internal/token",
            Method = "head",
            Headers = new() { ["Host"] = "auth.example.test", ["X-Probe"] = "1" },
            Username = "probe",
            Password = "secret",
            ExpectedStatusCodes = ["200", "401-403"],
            TimeoutSeconds = 2,
        });

        Assert.Equal(HttpMethod.Head, check.Settings.Method);
        Assert.Equal([new("Host", "auth.example.test"), new("X-Probe", "1")], check.Settings.Headers);
        Assert.Equal(new AuthenticationHeaderValue("Basic", "cHJvYmU6c2VjcmV0"), check.Settings.Authorization);
        Assert.Equal([new StatusCodeRange(200, 200), new StatusCodeRange(401, 403)], check.Settings.ExpectedStatusCodes);
        Assert.Equal(TimeSpan.FromSeconds(2), check.Settings.ConnectTimeout);
    }

    [Fact]
    public void TryCreate_HttpBearer_BearerAuthorization()
    {
        using var check = AssertCreated<HttpCheck>(new CheckOptions { Type = "Http", Url = "http://api/", BearerToken = "abc.def" });

        Assert.Equal(new AuthenticationHeaderValue("Bearer", "abc.def"), check.Settings.Authorization);
    }

    [Fact]
    public void TryCreate_Tcp_BuildsTcpCheck()
    {
        var check = AssertCreated<TcpCheck>(new CheckOptions { Type = "Tcp", Endpoint = "127.0.0.11:5000" });

        Assert.Equal(new HostEndpoint("127.0.0.11", 5000), check.Endpoint);
    }

    [Fact]
    public void TryCreate_RedisWithPassword_BuildsRedisCheck()
    {
        var check = AssertCreated<RedisCheck>(new CheckOptions { Type = "Redis", Endpoint = "cache:6379", Password = "p" });

        Assert.Equal(new HostEndpoint("cache", 6379), check.Endpoint);
    }

    [Fact]
    public void TryCreate_Postgres_DefaultQuery()
    {
        var check = AssertCreated<PostgresCheck>(new CheckOptions { Type = "Postgres", ConnectionString = "Host=127.0.0.1;Port=5432;Username=probe;Database=meta" });

        Assert.Equal("SELECT 1", check.Query);
    }

    [Fact]
    public void TryCreate_RegistryWithDefaults_LatestAnonymous()
    {
        using var check = AssertCreated<RegistryCheck>(new CheckOptions { Type = "registry", Url = "http://127.0.0.11:5000", Repository = "canary" });

        Assert.Equal("Registry", check.Type);
        Assert.Equal(new Uri("http://127.0.0.11:5000/"), check.Settings.BaseUrl);
        Assert.Equal("canary", check.Settings.Repository);
        Assert.Equal("latest", check.Settings.Reference);
        Assert.Null(check.Settings.Username);
        Assert.Null(check.Settings.Password);
        Assert.Null(check.Settings.ConnectTimeout);
    }

    [Fact]
    public void TryCreate_RegistryWithEverything_SettingsCarried()
    {
        string digest = "sha256:" + new string('c', 64);
        using var check = AssertCreated<RegistryCheck>(new CheckOptions
        {
            Type = "Registry",
            Url = "https://registry.internal/mirror",
            Repository = "team/canary-image",
            Reference = digest,
            Username = "probe",
            Password = "secret",
            TimeoutSeconds = 2,
        });

        Assert.Equal(new Uri("https://registry.internal/mirror/"), check.Settings.BaseUrl);
        Assert.Equal("team/canary-image", check.Settings.Repository);
        Assert.Equal(digest, check.Settings.Reference);
        Assert.Equal(("probe", "secret"), (check.Settings.Username, check.Settings.Password));
        Assert.Equal(TimeSpan.FromSeconds(2), check.Settings.ConnectTimeout);
    }

    [Theory]
    [InlineData("Canary")]
    [InlineData("canary/")]
    [InlineData("/canary")]
    [InlineData("can..ary")]
    [InlineData("-canary")]
    [InlineData("canary:latest")]
    [InlineData("team//canary")]
    public void TryCreate_RegistryRepositoryInvalid_Error(string repository)
    {
        var error = Assert.Single(Errors(new CheckOptions { Type = "Registry", Url = "http://r:5000", Repository = repository }));

        Assert.StartsWith($"{Path}:Repository: '{repository}' is not a repository name (", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".hidden")]
    [InlineData("-dash")]
    [InlineData("two words")]
    [InlineData("sha256:abc")]
    [InlineData("sha256:ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789")]
    public void TryCreate_RegistryReferenceInvalid_Error(string reference)
    {
        var error = Assert.Single(Errors(new CheckOptions { Type = "Registry", Url = "http://r:5000", Repository = "canary", Reference = reference }));

        Assert.StartsWith($"{Path}:Reference: '{reference}' is neither a tag (", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v1.2.3-rc_1")]
    [InlineData("latest")]
    [InlineData("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void TryCreate_RegistryReferenceValid_Carried(string reference)
    {
        using var check = AssertCreated<RegistryCheck>(new CheckOptions { Type = "Registry", Url = "http://r:5000", Repository = "canary", Reference = reference });

        Assert.Equal(reference, check.Settings.Reference);
    }

    [Fact]
    public void TryCreate_RegistryUrlProblems_EachExplained()
    {
        AssertErrors(new CheckOptions { Type = "Registry", Url = "ftp://r/", Repository = "canary" },
            $"{Path}:Url: 'ftp://r/' is not an absolute http or https URL");
        AssertErrors(new CheckOptions { Type = "Registry", Url = "http://r:5000/v2/", Repository = "canary" },
            $"{Path}:Url: 'http://r:5000/v2/' is the API root; give the registry's base URL (like http://127.0.0.11:5000): /v2/ is added");
        AssertErrors(new CheckOptions { Type = "Registry", Url = "http://r:5000/?x=1", Repository = "canary" },
            $"{Path}:Url: 'http://r:5000/?x=1' must not have a query or fragment (give the registry's base URL, like http://127.0.0.11:5000)");
        var credentials = Assert.Single(Errors(new CheckOptions { Type = "Registry", Url = "http://probe:s3cret@r:5000", Repository = "canary" }));
        Assert.DoesNotContain("s3cret", credentials, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCreate_RegistryCredentialProblemsAndForeignKeys_AllReported()
    {
        AssertErrors(new CheckOptions
        {
            Type = "Registry",
            Url = "http://r:5000",
            Repository = "canary",
            Password = "p",
            BearerToken = "t",
            Headers = new() { ["X-Probe"] = "1" },
            ExpectedStatusCodes = ["200"],
            Endpoint = "r:5000",
        },
            $"{Path}:Headers: not used by Type Registry",
            $"{Path}:BearerToken: not used by Type Registry",
            $"{Path}:ExpectedStatusCodes: not used by Type Registry",
            $"{Path}:Endpoint: not used by Type Registry",
            $"{Path}:Username: required when Password is set");
        AssertErrors(new CheckOptions { Type = "Registry", Url = "http://r:5000", Repository = "canary", Username = "a:b" },
            $"{Path}:Username: must not contain ':' (RFC 7617)");
    }

    [Fact]
    public void TryCreate_RegistryKeysOnHttp_Reported()
    {
        AssertErrors(new CheckOptions { Type = "Http", Url = "http://r:5000/v2/", Repository = "canary", Reference = "latest" },
            $"{Path}:Repository: not used by Type Http",
            $"{Path}:Reference: not used by Type Http");
    }

    [Fact]
    public void TryCreate_TypeMissing_RequiredError()
    {
        AssertErrors(new CheckOptions(), $"{Path}:Type: required (one of Filesystem, Http, Tcp, Redis, Postgres, Registry, Dns)");
    }

    [Fact]
    public void TryCreate_TypeUnknown_ListsTheTypes()
    {
        AssertErrors(new CheckOptions { Type = "Redi", Endpoint = "cache:6379" },
            $"{Path}:Type: 'Redi' is not one of Filesystem, Http, Tcp, Redis, Postgres, Registry, Dns");
    }

    [Theory]
    [InlineData("Filesystem", "Path")]
    [InlineData("Http", "Url")]
    [InlineData("Tcp", "Endpoint")]
    [InlineData("Redis", "Endpoint")]
    [InlineData("Postgres", "ConnectionString")]
    [InlineData("Registry", "Url")]
    [InlineData("Registry", "Repository")]
    public void TryCreate_RequiredKeyMissing_NamesKeyAndType(string type, string key)
    {
        var errors = Errors(new CheckOptions { Type = type });

        Assert.Contains(errors, e => e.StartsWith($"{Path}:{key}: required for Type {type}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(3601)]
    public void TryCreate_TimeoutOutOfRange_Error(double seconds)
    {
        var errors = Errors(new CheckOptions { Type = "Tcp", Endpoint = "db:5432", TimeoutSeconds = seconds });

        var error = Assert.Single(errors);
        Assert.StartsWith($"{Path}:TimeoutSeconds: must be greater than 0 and at most 3600", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCreate_BadStatusCodes_EachNamedByIndex()
    {
        AssertErrors(new CheckOptions { Type = "Http", Url = "http://api/", ExpectedStatusCodes = ["200", "600", "299-200", "2xx"] },
            $"{Path}:ExpectedStatusCodes:1: '600' is not a status code or range (100-599, like \"200\" or \"200-299\")",
            $"{Path}:ExpectedStatusCodes:2: '299-200' is not a status code or range (100-599, like \"200\" or \"200-299\")",
            $"{Path}:ExpectedStatusCodes:3: '2xx' is not a status code or range (100-599, like \"200\" or \"200-299\")");
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("cache:0")]
    [InlineData("::1:6379")]
    public void TryCreate_EndpointNotHostPort_Error(string endpoint)
    {
        AssertErrors(new CheckOptions { Type = "Redis", Endpoint = endpoint },
            $"{Path}:Endpoint: '{endpoint}' is not host:port (like 127.0.0.1:6379, cache.internal:6379 or [::1]:6379)");
    }

    [Theory]
    [InlineData("ftp://files/")]
    [InlineData("/v2/")]
    [InlineData("not a url")]
    public void TryCreate_UrlNotHttp_Error(string url)
    {
        AssertErrors(new CheckOptions { Type = "Http", Url = url }, $"{Path}:Url: '{url}' is not an absolute http or https URL");
    }

    [Fact]
    public void TryCreate_UrlWithCredentials_ErrorWithoutEchoingThem()
    {
        var error = Assert.Single(Errors(new CheckOptions { Type = "Http", Url = "http://probe:s3cret@api/" }));

        Assert.StartsWith($"{Path}:Url: must not carry credentials", error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCreate_PostgresConnectionStringUnparsable_ErrorWithoutEchoingIt()
    {
        var error = Assert.Single(Errors(new CheckOptions { Type = "Postgres", ConnectionString = "Hots=db;Password=s3cret" }));

        Assert.StartsWith($"{Path}:ConnectionString: not a valid Npgsql connection string: ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryCreate_PostgresWithoutHost_Error()
    {
        AssertErrors(new CheckOptions { Type = "Postgres", ConnectionString = "Username=probe;Database=meta" }, $"{Path}:ConnectionString: has no Host");
    }

    [Fact]
    public void TryCreate_PostgresBlankQuery_Error()
    {
        AssertErrors(new CheckOptions { Type = "Postgres", ConnectionString = "Host=db", Query = "  " },
            $"{Path}:Query: must not be empty (leave it out for SELECT 1)");
    }

    [Fact]
    public void TryCreate_KeysOfAnotherType_EachReported()
    {
        AssertErrors(new CheckOptions { Type = "Redis", Endpoint = "cache:6379", Url = "http://x/", ConnectionString = "Host=db", Password = "ok-for-redis" },
            $"{Path}:Url: not used by Type Redis",
            $"{Path}:ConnectionString: not used by Type Redis");
    }

    [Fact]
    public void TryCreate_RelativePath_Error()
    {
        AssertErrors(new CheckOptions { Type = "Filesystem", Path = "srv/sa-1" }, $"{Path}:Path: 'srv/sa-1' is not an absolute path");
    }

    [Fact]
    public void TryCreate_HttpCredentialConflicts_Errors()
    {
        AssertErrors(new CheckOptions { Type = "Http", Url = "http://api/", Username = "u", BearerToken = "t" },
            $"{Path}:BearerToken: cannot be combined with Username/Password");
        AssertErrors(new CheckOptions { Type = "Http", Url = "http://api/", Password = "p" },
            $"{Path}:Username: required when Password is set");
        AssertErrors(new CheckOptions { Type = "Http", Url = "http://api/", Username = "a:b", Password = "p" },
            $"{Path}:Username: must not contain ':' (RFC 7617)");
        AssertErrors(new CheckOptions { Type = "Http", Url = "http://api/", BearerToken = "two words" },
            $"{Path}:BearerToken: must not contain spaces or control characters");
    }

    [Fact]
    public void TryCreate_BadHeaders_EachNamed()
    {
        AssertErrors(new CheckOptions
        {
            Type = "Http",
            Url = "http://api/",
            Username = "u",
            Password = "p",
            Headers = new()
            {
                ["Bad Name"] = "x",
                ["X-Split"] = "a\r\nInjected: yes",
                ["Content-Type"] = "application/json",
                ["Authorization"] = "Basic abc",
                ["Host"] = "bad host name",
                ["X-Fine"] = "ok",
            },
        },
            $"{Path}:Headers:Bad Name: 'Bad Name' is not a valid header name",
            $"{Path}:Headers:X-Split: the value must be set and must not contain line breaks",
            $"{Path}:Headers:Content-Type: 'Content-Type' cannot be sent as a request header (a content header on a request without a body)",
            $"{Path}:Headers:Authorization: conflicts with Username/Password/BearerToken",
            $"{Path}:Headers:Host: 'bad host name' is not a valid host");
    }

    [Fact]
    public void TryCreate_BadMethodAndHeadWithBody_Errors()
    {
        AssertErrors(new CheckOptions { Type = "Http", Url = "http://api/", Method = "GE T" }, $"{Path}:Method: 'GE T' is not an HTTP method");
        AssertErrors(new CheckOptions { Type = "Http", Url = "http://api/", Method = "HEAD", BodyContains = "ok" }, $"{Path}:BodyContains: a HEAD response has no body");
    }

    [Fact]
    public void TryCreate_ManyProblems_AllReportedAtOnce()
    {
        var errors = Errors(new CheckOptions { Type = "Http", TimeoutSeconds = 0, ExpectedStatusCodes = ["1000"], Endpoint = "x:1" });

        Assert.Equal(4, errors.Count);
        Assert.All(errors, e => Assert.StartsWith(Path + ":", e, StringComparison.Ordinal));
    }

    [Fact]
    public void TryCreate_AppendsToExistingErrors_KeepsThem()
    {
        var errors = new List<string> { "Health:Resources:0:Id: required" };

        var check = CheckFactory.TryCreate(new CheckOptions { Type = "Tcp" }, Path, TimeProvider.System, errors);

        Assert.Null(check);
        Assert.Equal(["Health:Resources:0:Id: required", $"{Path}:Endpoint: required for Type Tcp"], errors);
    }

    private static T AssertCreated<T>(CheckOptions options)
        where T : IResourceCheck
    {
        var errors = new List<string>();
        var check = CheckFactory.TryCreate(options, Path, TimeProvider.System, errors);
        Assert.Empty(errors);
        return Assert.IsType<T>(check);
    }

    private static List<string> Errors(CheckOptions options)
    {
        var errors = new List<string>();
        var check = CheckFactory.TryCreate(options, Path, TimeProvider.System, errors);
        Assert.Null(check);
        return errors;
    }

    private static void AssertErrors(CheckOptions options, params string[] expected) => Assert.Equal(expected, Errors(options));
}
