using Router.Cluster.Configuration;
using Router.TrafficManager.Cluster;

namespace Router.Cluster.Tests.Configuration;

public sealed class ClusterOptionsValidatorTests : IDisposable
{
    private readonly string _caFile = Path.Combine(Path.GetTempPath(), $"router-cluster-ca-{Guid.NewGuid():N}.pem");

    public ClusterOptionsValidatorTests()
    {
        // A real (self-signed) CA certificate in PEM: the validator reads the file as the store will.
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=router test CA", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(_caFile, certificate.ExportCertificatePem());
    }

    public static TheoryData<string, Action<ClusterOptions>, string[]> Cases => new()
    {
        { "valid", _ => { }, [] },
        { "no endpoints", o => o.Endpoints = [], ["Cluster:Endpoints: required (the etcd client URLs, e.g. http://127.0.0.31:2379)"] },
        { "ftp endpoint", o => o.Endpoints[1] = "ftp://x", ["Cluster:Endpoints:1: 'ftp://x' is not an http:// or https:// URL"] },
        { "not a URL", o => o.Endpoints[0] = "127.0.0.31:2379", ["Cluster:Endpoints:0: '127.0.0.31:2379' is not an http:// or https:// URL"] },
        { "empty endpoint", o => o.Endpoints[2] = " ", ["Cluster:Endpoints:2: empty (an etcd client URL, e.g. http://127.0.0.31:2379)"] },
        { "endpoint with a path", o => o.Endpoints[0] = "http://127.0.0.31:2379/v3", ["Cluster:Endpoints:0: 'http://127.0.0.31:2379/v3' must be scheme, host and port only (no path, query or user)"] },
        { "duplicate endpoint", o => o.Endpoints[2] = "http://127.0.0.31:2379/", ["Cluster:Endpoints:2: 'http://127.0.0.31:2379/' is already Cluster:Endpoints:0"] },
        { "http and https", o => o.Endpoints[1] = "https://127.0.0.32:2379", ["Cluster:Endpoints: mixes http:// and https:// URLs; TLS is on or off for the whole cluster, use one scheme"] },
        { "prefix without slashes", o => o.Prefix = "router", ["Cluster:Prefix: 'router' must start and end with '/' (e.g. /router/)"] },
        { "prefix without the last slash", o => o.Prefix = "/router", ["Cluster:Prefix: '/router' must start and end with '/' (e.g. /router/)"] },
        { "empty prefix", o => o.Prefix = "", ["Cluster:Prefix: required (the key prefix of this router cluster, e.g. /router/)"] },
        { "prefix with a space", o => o.Prefix = "/my router/", ["Cluster:Prefix: '/my router/' must not contain white space"] },
        { "instance id with a slash", o => o.InstanceId = "a/b", ["Cluster:InstanceId: 'a/b' must be non-empty, without '/' or white space (null: the host name)"] },
        { "instance id with a space", o => o.InstanceId = "router 1", ["Cluster:InstanceId: 'router 1' must be non-empty, without '/' or white space (null: the host name)"] },
        { "empty instance id", o => o.InstanceId = "", ["Cluster:InstanceId: '' must be non-empty, without '/' or white space (null: the host name)"] },
        { "host name as the id", o => o.InstanceId = null, [] },
        { "unknown quorum", o => o.Quorum = (QuorumRule)7, ["Cluster:Quorum: must be Majority, Any or All"] },
        { "lease too short", o => o.LeaseSeconds = 1, ["Cluster:LeaseSeconds: must be between 2 and 3600"] },
        { "lease too long", o => o.LeaseSeconds = 3601, ["Cluster:LeaseSeconds: must be between 2 and 3600"] },
        { "shortest lease", o => o.LeaseSeconds = 2, [] },
        { "username without password", o => o.Username = "router", ["Cluster:Password: required with Cluster:Username (set it, or the environment variable ROUTER_CLUSTER_PASSWORD)"] },
        { "username and password", o => (o.Username, o.Password) = ("router", "secret"), [] },
        { "empty username", o => (o.Username, o.Password) = (" ", "secret"), ["Cluster:Username: empty (leave it out when etcd has authentication off)"] },
        { "password without username", o => o.Password = "secret", ["Cluster:Username: required with Cluster:Password"] },
        { "missing CA file", o => { Https(o); o.CaFile = "/nonexistent/ca.pem"; }, ["Cluster:CaFile: '/nonexistent/ca.pem' does not exist"] },
        { "empty CA file", o => { Https(o); o.CaFile = ""; }, ["Cluster:CaFile: empty (leave it out to trust the system's CAs)"] },
        {
            "several errors at once", o => { o.Endpoints[0] = "ftp://x"; o.LeaseSeconds = 0; o.Prefix = "x"; },
            [
                "Cluster:Endpoints:0: 'ftp://x' is not an http:// or https:// URL",
                "Cluster:Prefix: 'x' must start and end with '/' (e.g. /router/)",
                "Cluster:LeaseSeconds: must be between 2 and 3600",
            ]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validate_Case_ReportsEveryErrorWithItsPath(string name, Action<ClusterOptions> change, string[] expected)
    {
        // Arrange
        var options = Valid();
        change(options);

        // Act
        var errors = ClusterOptionsValidator.Validate(options, "Cluster", _ => null);

        // Assert
        Assert.True(expected.SequenceEqual(errors), $"{name}: got [{string.Join(" | ", errors)}]");
    }

    [Fact]
    public void Validate_UsernameWithPasswordInTheEnvironment_IsValid()
    {
        var options = Valid();
        options.Username = "router";

        var errors = ClusterOptionsValidator.Validate(options, "Cluster", name => name == "ROUTER_CLUSTER_PASSWORD" ? "from-env" : null);

        Assert.Empty(errors);
        Assert.Equal("from-env", options.ResolvePassword(name => name == ClusterOptions.PasswordVariable ? "from-env" : null));
    }

    [Fact]
    public void ResolvePassword_SetInTheSection_WinsOverTheEnvironment()
    {
        var options = new ClusterOptions { Password = "in-file" };

        Assert.Equal("in-file", options.ResolvePassword(_ => "from-env"));
        Assert.Null(new ClusterOptions().ResolvePassword(_ => ""));
    }

    [Fact]
    public void Validate_ExistingCaFileWithHttps_IsValid_WithHttp_IsAnError()
    {
        var https = Valid();
        Https(https);
        https.CaFile = _caFile;
        var http = Valid();
        http.CaFile = _caFile;

        Assert.Empty(ClusterOptionsValidator.Validate(https, "Cluster", _ => null));
        Assert.Equal(
            ["Cluster:CaFile: set, but the endpoints are http:// (no TLS); use https:// endpoints or leave it out"],
            ClusterOptionsValidator.Validate(http, "Cluster", _ => null));
    }

    [Fact]
    public void Validate_CaFileThatIsNoCertificate_SaysSoByKeyPath()
    {
        string garbage = _caFile + ".garbage";
        File.WriteAllText(garbage, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        try
        {
            var options = Valid();
            Https(options);
            options.CaFile = garbage;

            var error = Assert.Single(ClusterOptionsValidator.Validate(options, "Cluster", _ => null));

            Assert.StartsWith($"Cluster:CaFile: '{garbage}' ", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(garbage);
        }
    }

    [Fact]
    public void Defaults_AreThoseOfTheIssue()
    {
        var options = new ClusterOptions();

        Assert.Equal("/router/", options.Prefix);
        Assert.Equal(QuorumRule.Majority, options.Quorum);
        Assert.Equal(10, options.LeaseSeconds);
        Assert.Null(options.InstanceId);
        Assert.Equal(Environment.MachineName, options.ResolveInstanceId());
    }

    public void Dispose() => File.Delete(_caFile);

    private static ClusterOptions Valid() => new()
    {
        Endpoints = ["http://127.0.0.31:2379", "http://127.0.0.32:2379", "http://127.0.0.33:2379"],
        InstanceId = "router-1",
    };

    private static void Https(ClusterOptions options) =>
        options.Endpoints = options.Endpoints.Select(endpoint => endpoint.Replace("http://", "https://", StringComparison.Ordinal)).ToList();
}
