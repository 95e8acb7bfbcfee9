namespace Router.Cli.Tests.Commands;

/// <summary><see cref="Program.RunAsync"/> dispatches <c>status</c> and <c>explain</c> with their own options.</summary>
public sealed class AdminCommandsProgramTests : IDisposable
{
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    public void Dispose()
    {
        _output.Dispose();
        _error.Dispose();
    }

    [Fact]
    public async Task RunAsync_Status_RunsTheStatusCommand()
    {
        // Arrange
        await using var admin = await FakeAdminServer.StartAsync();

        // Act
        int exit = await Program.RunAsync(["status", $"--admin={admin.Url}"], _output, _error, CancellationToken.None);

        // Assert
        Assert.Equal(0, exit);
        Assert.Contains("contoso  westeurope", _output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Explain_RunsTheExplainCommand()
    {
        // Arrange
        await using var admin = await FakeAdminServer.StartAsync();

        // Act
        int exit = await Program.RunAsync(["explain", "contoso", "--client", "10.9.8.7", "--admin", admin.Url], _output, _error, CancellationToken.None);

        // Assert
        Assert.Equal(0, exit);
        Assert.Contains("client:  10.9.8.7", _output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Help_ListsStatusAndExplain()
    {
        // Act
        int exit = await Program.RunAsync(["--help"], _output, _error, CancellationToken.None);

        // Assert
        Assert.Equal(0, exit);
        Assert.Contains("router status [--admin URL]", _output.ToString(), StringComparison.Ordinal);
        Assert.Contains("router explain NAME [--client IP] [--admin URL]", _output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status", "--help", "Usage: router status")]
    [InlineData("explain", "--help", "Usage: router explain")]
    public async Task RunAsync_CommandHelp_PrintsTheCommandsUsage(string command, string flag, string usage)
    {
        // Act
        int exit = await Program.RunAsync([command, flag], _output, _error, CancellationToken.None);

        // Assert
        Assert.Equal(0, exit);
        Assert.StartsWith(usage, _output.ToString(), StringComparison.Ordinal);
    }
}
