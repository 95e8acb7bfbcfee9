using System.Net;
using Router.Cli.Commands;
using Router.Testing;

namespace Router.Cli.Tests.Commands;

/// <summary><c>router explain</c> against the real admin API over a fake traffic manager.</summary>
public sealed class ExplainCommandTests : IDisposable
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    public void Dispose()
    {
        _output.Dispose();
        _error.Dispose();
    }

    [Fact]
    public async Task RunAsync_ProfileAndClient_PrintsCandidatesRuleAndAnswer()
    {
        // Arrange
        await using var admin = await FakeAdminServer.StartAsync();

        // Act
        int exit = await RunAsync(NoEnvironment, "contoso", "--client", "10.1.2.3", "--admin", admin.Url);

        // Assert
        Assert.Equal(0, exit);
        Assert.Empty(_error.ToString());
        Assert.Equal(("contoso", IPAddress.Parse("10.1.2.3")), Assert.Single(admin.Control!.ExplainCalls));
        Assert.Equal(
            """
            name:    contoso
            profile: contoso (Performance)
            client:  10.1.2.3
            matched: 10.0.0.0/8

              ENDPOINT    TARGET                 LOCATION    STATUS    ENABLED  ELIGIBLE  LATENCY  PRIORITY  WEIGHT  NOTE
            * eastus      127.0.0.11             eastus      Online    yes      yes       10 ms    1         1       lowest latency
              westeurope  127.0.0.12             westeurope  Degraded  yes      no        80.5 ms  2         1       degraded
              eastasia    eastasia.example.test  eastasia    Disabled  no       no        -        3         1       disabled

            rule:    lowest latency among eligible endpoints: eastus 10 ms
            answer:  A 127.0.0.11 (TTL 30, ECS scope /8)

            """.ReplaceLineEndings("\n"),
            _output.ToString());
    }

    [Fact]
    public async Task RunAsync_WithoutClient_RoutesForThisHost()
    {
        // Arrange
        await using var admin = await FakeAdminServer.StartAsync();

        // Act
        int exit = await RunAsync(NoEnvironment, $"--admin={admin.Url}", "contoso");

        // Assert
        Assert.Equal(0, exit);
        Assert.Equal(IPAddress.Loopback, Assert.Single(admin.Control!.ExplainCalls).Client);
        Assert.Contains("client:  127.0.0.1\n", _output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_IPv6Client_IsPassedThrough()
    {
        // Arrange
        await using var admin = await FakeAdminServer.StartAsync();

        // Act
        int exit = await RunAsync(NoEnvironment, "contoso", "--client=2001:db8::1", "--admin", admin.Url);

        // Assert
        Assert.Equal(0, exit);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), Assert.Single(admin.Control!.ExplainCalls).Client);
    }

    [Fact]
    public async Task RunAsync_NameNotOurs_Returns2WithTheServersReason()
    {
        // Arrange
        await using var admin = await FakeAdminServer.StartAsync();

        // Act
        int exit = await RunAsync(NoEnvironment, "www.example.com", "--client", "10.1.2.3", "--admin", admin.Url);

        // Assert
        Assert.Equal(2, exit);
        Assert.Equal("router explain: 'www.example.com' is not a name this router answers (no such profile)\n", _error.ToString());
        Assert.Empty(_output.ToString());
    }

    [Fact]
    public async Task RunAsync_AdminApiFails_Returns1()
    {
        // Arrange
        await using var admin = await FakeAdminServer.StartAsync();
        admin.Control!.FailExplain = true;

        // Act
        int exit = await RunAsync(NoEnvironment, "contoso", "--admin", admin.Url);

        // Assert
        Assert.Equal(1, exit);
        Assert.StartsWith($"router explain: the admin API at {admin.Url}/api/explain?name=contoso failed: 500", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NothingListening_Returns1NamingTheUrl()
    {
        // Arrange
        string url = $"http://127.0.0.1:{Loopback.FreeEndpoint().Port}";

        // Act
        int exit = await RunAsync(NoEnvironment, "contoso", "--admin", url);

        // Assert
        Assert.Equal(1, exit);
        Assert.StartsWith($"router explain: cannot reach the admin API at {url}/: ", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_TokenRequired_UsesEnvironmentToken()
    {
        // Arrange
        await using var admin = await FakeAdminServer.StartAsync(token: FakeAdminServer.Token);

        // Act
        int without = await RunAsync(NoEnvironment, "contoso", "--admin", admin.Url);
        int with = await RunAsync(name => name == "ROUTER_ADMIN_TOKEN" ? FakeAdminServer.Token : null, "contoso", "--admin", admin.Url);

        // Assert
        Assert.Equal(1, without);
        Assert.Contains("refused the request (401)", _error.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, with);
    }

    [Theory]
    [InlineData("router explain: NAME is required")]
    [InlineData("router explain: NAME is required", "--client", "10.0.0.1")]
    [InlineData("router explain: --client 'banana' is not an IPv4 or IPv6 address", "contoso", "--client", "banana")]
    [InlineData("router explain: --client '10' is not an IPv4 or IPv6 address", "contoso", "--client", "10")]
    [InlineData("router explain: --client needs a value", "contoso", "--client")]
    [InlineData("router explain: --admin needs a value", "contoso", "--admin")]
    [InlineData("router explain: unexpected argument 'fabrikam'", "contoso", "fabrikam")]
    [InlineData("router explain: unexpected argument '--verbose'", "contoso", "--verbose")]
    [InlineData("router explain: --admin 'ftp://x' is not an http://HOST:PORT URL", "contoso", "--admin", "ftp://x")]
    public async Task RunAsync_BadArguments_Returns2WithoutAskingTheServer(string message, params string[] args)
    {
        // Act
        int exit = await RunAsync(NoEnvironment, args);

        // Assert
        Assert.Equal(2, exit);
        Assert.StartsWith(message, _error.ToString(), StringComparison.Ordinal);
    }

    private Task<int> RunAsync(Func<string, string?> environment, params string[] args) =>
        ExplainCommand.RunAsync(args, _output, _error, environment, CancellationToken.None);
}
