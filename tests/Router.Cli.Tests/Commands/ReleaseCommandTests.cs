using Router.Cli.Commands;

namespace Router.Cli.Tests.Commands;

/// <summary><c>router release</c> against the real admin API over a fake traffic manager.</summary>
public sealed class ReleaseCommandTests : IDisposable
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
    public async Task RunAsync_HeldEndpoint_PostsTheReleaseAndSaysSo()
    {
        // Arrange
        await using var admin = await FakeAdminServer.StartAsync();

        // Act
        int exit = await RunAsync("contoso", "eastus", "--admin", admin.Url);

        // Assert
        Assert.Equal(0, exit);
        Assert.Empty(_error.ToString());
        Assert.Equal(("contoso", "eastus"), Assert.Single(admin.Control!.ReleaseCalls));
        Assert.Equal("released contoso/eastus: status Online; answered again when eligible\n", _output.ToString());
    }

    [Fact]
    public async Task RunAsync_NotHeld_Returns2WithTheServersReason()
    {
        await using var admin = await FakeAdminServer.StartAsync();

        int exit = await RunAsync($"--admin={admin.Url}", "contoso", "westeurope");

        Assert.Equal(2, exit);
        Assert.Equal("router release: endpoint 'westeurope' of profile 'contoso' is not held back\n", _error.ToString());
        Assert.Empty(_output.ToString());
    }

    [Theory]
    [InlineData(new[] { "contoso" }, "PROFILE and ENDPOINT are required")]
    [InlineData(new[] { "contoso", "eastus", "extra" }, "unexpected argument 'extra'")]
    [InlineData(new[] { "contoso", "eastus", "--force" }, "unexpected argument '--force'")]
    [InlineData(new[] { "contoso", "eastus", "--admin" }, "--admin needs a value")]
    public async Task RunAsync_BadArguments_Returns2(string[] args, string message)
    {
        int exit = await RunAsync(args);

        Assert.Equal(2, exit);
        Assert.StartsWith($"router release: {message}", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_AdminApiUnreachable_Returns1()
    {
        var url = $"http://{Router.Testing.Loopback.FreeEndpoint()}";

        int exit = await RunAsync("contoso", "eastus", "--admin", url);

        Assert.Equal(1, exit);
        Assert.StartsWith($"router release: cannot reach the admin API at {url}/: ", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Program_Release_IsDispatched()
    {
        await using var admin = await FakeAdminServer.StartAsync();

        int exit = await Program.RunAsync(["release", "contoso", "eastus", "--admin", admin.Url], _output, _error, CancellationToken.None);

        Assert.Equal(0, exit);
        Assert.Single(admin.Control!.ReleaseCalls);
    }

    private Task<int> RunAsync(params string[] args) =>
        ReleaseCommand.RunAsync(args, _output, _error, NoEnvironment, CancellationToken.None);
}
