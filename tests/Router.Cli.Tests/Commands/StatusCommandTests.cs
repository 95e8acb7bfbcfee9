using System.Net;
using Router.Cli.Commands;
using Router.Testing;

namespace Router.Cli.Tests.Commands;

/// <summary><c>router status</c> against the real admin API over a fake traffic manager.</summary>
public sealed class StatusCommandTests : IDisposable
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
    public async Task RunAsync_RunningRouter_PrintsTableOfEveryEndpointAndReturnsZero()
    {
        // Arrange
        await using var admin = await FakeAdminServer.StartAsync();

        // Act
        int exit = await RunAsync(NoEnvironment, "--admin", admin.Url);

        // Assert
        Assert.Equal(0, exit);
        Assert.Empty(_error.ToString());
        Assert.Equal(
            """
            PROFILE  ENDPOINT    TARGET                 STATUS    ENABLED     FAILURES  LAST PROBE                                                    LAST CHANGE
            contoso  eastus      127.0.0.11             Online    yes         0         2025-03-01 10:00:30Z ok 200, 12.5 ms                          2025-03-01 10:00:00Z
            contoso  westeurope  127.0.0.12             Degraded  yes         4         2025-03-01 10:00:31Z timeout after 10 s, 10000 ms (fallback)  2025-03-01 10:00:31Z
            contoso  eastasia    eastasia.example.test  Disabled  no (admin)  0         -                                                             2025-03-01 10:05:00Z
            empty    -           -                      -         -           -         -                                                             -

            """.ReplaceLineEndings("\n"),
            _output.ToString());
    }

    [Fact]
    public async Task RunAsync_NoTrafficManager_SaysSoAndReturnsZero()
    {
        // Arrange
        await using var admin = await FakeAdminServer.StartAsync(withTrafficManager: false);

        // Act
        int exit = await RunAsync(NoEnvironment, "--admin", admin.Url);

        // Assert
        Assert.Equal(0, exit);
        Assert.Equal("No profiles: this router runs no TrafficManager section.\n", _output.ToString());
    }

    [Fact]
    public async Task RunAsync_TokenFromEnvironment_IsSent()
    {
        // Arrange
        await using var admin = await FakeAdminServer.StartAsync(token: FakeAdminServer.Token);

        // Act
        int exit = await RunAsync(name => name == "ROUTER_ADMIN_TOKEN" ? FakeAdminServer.Token : null, "--admin", admin.Url);

        // Assert
        Assert.Equal(0, exit);
        Assert.Contains("eastus", _output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_TokenOption_WinsOverEnvironment()
    {
        // Arrange
        await using var admin = await FakeAdminServer.StartAsync(token: FakeAdminServer.Token);

        // Act
        int exit = await RunAsync(_ => "stale-environment-token", "--admin", admin.Url, "--token", FakeAdminServer.Token);

        // Assert
        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task RunAsync_TokenRequiredButMissing_Returns1AndSaysHowToPassIt()
    {
        // Arrange
        await using var admin = await FakeAdminServer.StartAsync(token: FakeAdminServer.Token);

        // Act
        int exit = await RunAsync(NoEnvironment, "--admin", admin.Url);

        // Assert
        Assert.Equal(1, exit);
        Assert.Equal($"router status: the admin API at {admin.Url}/ refused the request (401): set ROUTER_ADMIN_TOKEN or pass --token\n", _error.ToString());
        Assert.Empty(_output.ToString());
    }

    [Fact]
    public async Task RunAsync_WrongToken_Returns1()
    {
        // Arrange
        await using var admin = await FakeAdminServer.StartAsync(token: FakeAdminServer.Token);

        // Act
        int exit = await RunAsync(NoEnvironment, "--admin", admin.Url, "--token", "not-the-token-0123456789");

        // Assert
        Assert.Equal(1, exit);
        Assert.Contains("was not accepted", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NothingListening_Returns1NamingTheUrl()
    {
        // Arrange: a port that was free a moment ago, so the connection is refused.
        var endpoint = Loopback.FreeEndpoint();
        string url = $"http://127.0.0.1:{endpoint.Port}";

        // Act
        int exit = await RunAsync(NoEnvironment, "--admin", url);

        // Assert
        Assert.Equal(1, exit);
        Assert.StartsWith($"router status: cannot reach the admin API at {url}/: ", _error.ToString(), StringComparison.Ordinal);
        Assert.Contains("--admin URL", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NotAnAdminApi_Returns1()
    {
        // Arrange: something that answers HTTP, but not JSON.
        using var listener = new HttpListenerLike();

        // Act
        int exit = await RunAsync(NoEnvironment, "--admin", listener.Url);

        // Assert
        Assert.Equal(1, exit);
        Assert.Contains("did not answer JSON", _error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--admin")]
    [InlineData("--token")]
    [InlineData("--admin", "ftp://127.0.0.1:8053")]
    [InlineData("--admin", "http://")]
    [InlineData("--config", "router.json")]
    [InlineData("extra")]
    public async Task RunAsync_BadArguments_Returns2(params string[] args)
    {
        // Act
        int exit = await RunAsync(NoEnvironment, args);

        // Assert
        Assert.Equal(2, exit);
        Assert.StartsWith("router status: ", _error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task RunAsync_Help_PrintsUsageAndReturnsZero(string flag)
    {
        // Act
        int exit = await RunAsync(NoEnvironment, flag);

        // Assert
        Assert.Equal(0, exit);
        Assert.StartsWith("Usage: router status [--admin URL] [--token TOKEN]", _output.ToString(), StringComparison.Ordinal);
    }

    private Task<int> RunAsync(Func<string, string?> environment, params string[] args) =>
        StatusCommand.RunAsync(args, _output, _error, environment, CancellationToken.None);

    /// <summary>A loopback TCP server that answers every request with a plain-text 200 (not Router's admin API).</summary>
    private sealed class HttpListenerLike : IDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();

        public HttpListenerLike()
        {
            _listener.Start();
            _ = ServeAsync();
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }

        private async Task ServeAsync()
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    var stream = client.GetStream();
                    var buffer = new byte[4096];
                    _ = await stream.ReadAsync(buffer, _stop.Token);
                    byte[] response = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"u8.ToArray();
                    await stream.WriteAsync(response, _stop.Token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException or IOException)
            {
                // Stopped.
            }
        }
    }

    [Theory]
    [InlineData("""{"status": "Online", "held": false, "reason": null}""", "Online")]
    [InlineData("""{"status": "Online", "held": true, "reason": "failback Manual: recovered"}""", "Online (held)")]
    [InlineData("""{"status": "Maintenance", "held": false, "reason": "kernel upgrade"}""", "Maintenance: kernel upgrade")]
    [InlineData("""{"status": "Maintenance"}""", "Maintenance")]
    public void StatusText_HeldAndMaintenance_Shown(string endpoint, string expected)
    {
        using var document = System.Text.Json.JsonDocument.Parse(endpoint);

        Assert.Equal(expected, StatusCommand.StatusText(document.RootElement));
    }
}

