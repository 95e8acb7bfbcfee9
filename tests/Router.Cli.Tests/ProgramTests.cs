using Router.Cli.Tests.TestSupport;

namespace Router.Cli.Tests;

/// <summary><see cref="Program.RunAsync"/> in-process: the command line, exit codes and what is printed where.</summary>
public sealed class ProgramTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    public void Dispose()
    {
        _directory.Dispose();
        _output.Dispose();
        _error.Dispose();
    }

    [Fact]
    public async Task RunAsync_ValidateValidFile_ReturnsZero()
    {
        // Arrange
        string path = _directory.Write("valid.json", TestConfigs.Valid());

        // Act
        int exit = await RunAsync("validate", "--config", path);

        // Assert
        Assert.Equal(0, exit);
        Assert.Contains($"{path}: valid", _output.ToString(), StringComparison.Ordinal);
        Assert.Empty(_error.ToString());
    }

    [Theory]
    [InlineData("-c")]
    [InlineData("--config=")]
    public async Task RunAsync_ValidateWithConfigAlias_ReturnsZero(string flag)
    {
        // Arrange
        string path = _directory.Write("valid.json", TestConfigs.Valid());
        string[] args = flag.EndsWith('=') ? ["validate", flag + path] : ["validate", flag, path];

        // Act
        int exit = await RunAsync(args);

        // Assert
        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task RunAsync_ValidateFileWithManyErrors_ReturnsTwoAndPrintsEveryErrorAsPathColonReason()
    {
        // Arrange
        string path = _directory.Write("many-errors.json", TestConfigs.ManyErrors);

        // Act
        int exit = await RunAsync("validate", "--config", path);

        // Assert
        Assert.Equal(2, exit);
        var lines = Lines(_output);
        foreach (var (errorPath, reason) in TestConfigs.ManyErrorsExpected)
        {
            Assert.True(
                lines.Any(line => line.StartsWith(errorPath + ": ", StringComparison.Ordinal) && line.Contains(reason, StringComparison.Ordinal)),
                $"expected a line '{errorPath}: …{reason}…'; got:{Environment.NewLine}{_output}");
        }

        // Nothing else, and nothing reported twice.
        Assert.Equal(TestConfigs.ManyErrorsExpected.Length, lines.Count);
        Assert.Contains("Dns:Zones:0:Ttl: 'abc' is not a whole number", lines);
        Assert.Contains("TrafficManager:Profiles:0:Monitor:ToleratedFailures: must be 0-9", lines);
    }

    [Fact]
    public async Task RunAsync_ValidateFileWithUnknownKey_NamesTheKnownKeys()
    {
        // Arrange
        string path = _directory.Write("typo.json", """
            { "Dns": { "Listen": [ "127.0.0.1:0" ], "Zones": [ { "Name": "example.test",
              "Records": [ { "Name": "www", "Type": "A", "Vaule": "127.0.0.1" } ] } ] } }
            """);

        // Act
        int exit = await RunAsync("validate", "--config", path);

        // Assert
        Assert.Equal(2, exit);
        var lines = Lines(_output);
        Assert.Contains("Dns:Zones:0:Records:0:Vaule: unknown key (known here: Name, Type, Value, Ttl)", lines);
        Assert.Contains(lines, line => line.StartsWith("Dns:Zones:0:Records:0:Value: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_ValidateMissingFile_ReturnsTwoAndSaysNotFound()
    {
        // Arrange
        string path = Path.Combine(_directory.Path, "missing.json");

        // Act
        int exit = await RunAsync("validate", "--config", path);

        // Assert
        Assert.Equal(2, exit);
        Assert.Equal([$"{path}: file not found"], Lines(_output));
    }

    [Theory]
    [InlineData("{ \"Dns\": { ", "line 1, position 12: ")]
    [InlineData("{\n  \"Dns\": {\n    \"Listen\": [ \"127.0.0.1:0\" \"127.0.0.2:0\" ]\n  }\n}\n", "line 3, position ")]
    [InlineData("{ \"Dns\": { \"Listen\": [ \"127.0.0.1:0\" ] } }x", "line 1, position ")]
    [InlineData("", "line 1, position 1: ")]
    public async Task RunAsync_ValidateInvalidJson_ReturnsTwoAndSaysWhere(string content, string where)
    {
        // Arrange
        string path = _directory.Write("broken.json", content);

        // Act
        int exit = await RunAsync("validate", "--config", path);

        // Assert
        var line = Assert.Single(Lines(_output));
        Assert.Equal(2, exit);
        Assert.StartsWith($"{path}: not valid JSON: {where}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ValidateFileWithNoRole_ReturnsTwo()
    {
        // Arrange
        string path = _directory.Write("empty.json", "{ }");

        // Act
        int exit = await RunAsync("validate", "--config", path);

        // Assert
        Assert.Equal(2, exit);
        Assert.Contains(Lines(_output), line => line.StartsWith("Dns: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_ValidateFileWithMisspelledSection_ReturnsTwoAndNamesTheSections()
    {
        // Arrange
        string path = _directory.Write("typo.json", """{ "Dsn": { "Listen": [ "127.0.0.1:0" ] } }""");

        // Act
        int exit = await RunAsync("validate", "--config", path);

        // Assert
        Assert.Equal(2, exit);
        Assert.Equal(["Dsn: unknown section (known: Dns, TrafficManager, Health, Admin, Cluster, Telemetry, Logging)"], Lines(_output));
    }

    [Theory]
    [InlineData("""{ "LogLevel": { "Default": "Loud" } }""", "Logging:LogLevel:Default")]
    [InlineData("""{ "LogLevel": { "Router.Dns": "verbose" } }""", "Logging:LogLevel:Router.Dns")]
    [InlineData("""{ "Console": { "LogLevel": { "Default": "Chatty" } } }""", "Logging:Console:LogLevel:Default")]
    public async Task RunAsync_ValidateUnknownLogLevel_ReturnsTwoWithThePath(string logging, string errorPath)
    {
        // Arrange: the logging library would throw on these when serve builds its logger.
        string path = _directory.Write("logging.json", $$"""{ "Dns": { "Listen": [ "127.0.0.1:0" ] }, "Logging": {{logging}} }""");

        // Act
        int validate = await RunAsync("validate", "--config", path);
        int serve = await RunAsync("serve", "--config", path);

        // Assert
        Assert.Equal(2, validate);
        Assert.Equal(2, serve);
        var line = Assert.Single(Lines(_output));
        Assert.StartsWith($"{errorPath}: ", line, StringComparison.Ordinal);
        Assert.EndsWith("is not a log level (Trace, Debug, Information, Warning, Error, Critical, None)", line, StringComparison.Ordinal);
        Assert.Contains(Lines(_error), l => l.StartsWith($"{errorPath}: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_ValidateKnownLogLevels_ReturnsZero()
    {
        // Arrange
        string path = _directory.Write("logging.json", """
            { "Dns": { "Listen": [ "127.0.0.1:0" ] },
              "Logging": { "LogLevel": { "Default": "warning", "Router": "Debug", "Microsoft": "" },
                           "Console": { "LogLevel": { "Default": "None" }, "FormatterName": "simple" } } }
            """);

        // Act
        int exit = await RunAsync("validate", "--config", path);

        // Assert
        Assert.True(exit == 0, _output.ToString());
    }

    [Fact]
    public async Task RunAsync_ServeMissingFile_ReturnsTwo()
    {
        // Arrange
        string path = Path.Combine(_directory.Path, "missing.json");

        // Act
        int exit = await RunAsync("serve", "--config", path);

        // Assert
        Assert.Equal(2, exit);
        Assert.Contains($"{path}: file not found", Lines(_error));
    }

    [Fact]
    public async Task RunAsync_NoArguments_PrintsUsageAndReturnsTwo()
    {
        // Act
        int exit = await RunAsync();

        // Assert
        Assert.Equal(2, exit);
        Assert.Contains("Usage:", _output.ToString(), StringComparison.Ordinal);
        Assert.Contains("router validate --config FILE", _output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task RunAsync_Help_PrintsUsageAndReturnsZero(string flag)
    {
        // Act
        int exit = await RunAsync(flag);

        // Assert
        Assert.Equal(0, exit);
        Assert.Contains("Usage:", _output.ToString(), StringComparison.Ordinal);
        Assert.Contains("router serve [--config FILE]", _output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Version_PrintsVersionAndReturnsZero()
    {
        // Act
        int exit = await RunAsync("--version");

        // Assert
        Assert.Equal(0, exit);
        Assert.StartsWith("router ", _output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_UnknownCommand_ReturnsTwoAndSaysWhich()
    {
        // Act
        int exit = await RunAsync("frobnicate", "--config", "x.json");

        // Assert
        Assert.Equal(2, exit);
        Assert.Contains("unknown command 'frobnicate'", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ValidateWithoutConfig_ReturnsTwo()
    {
        // Act
        int exit = await RunAsync("validate");

        // Assert
        Assert.Equal(2, exit);
        Assert.Contains("--config FILE is required", _error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("validate", "--config")]
    [InlineData("validate", "--config", "a.json", "extra")]
    [InlineData("serve", "--verbose")]
    public async Task RunAsync_UnexpectedArgument_ReturnsTwo(params string[] args)
    {
        // Act
        int exit = await RunAsync(args);

        // Assert
        Assert.Equal(2, exit);
        Assert.Contains("unexpected argument", _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ServeInvalidFile_ReturnsTwoAndPrintsEveryErrorOnStderr()
    {
        // Arrange
        string path = _directory.Write("many-errors.json", TestConfigs.ManyErrors);

        // Act: returns before any host or socket exists.
        int exit = await RunAsync("serve", "--config", path);

        // Assert
        Assert.Equal(2, exit);
        Assert.Empty(_output.ToString());
        var lines = Lines(_error);
        Assert.Contains("nothing was started", lines[0], StringComparison.Ordinal);
        foreach (var (errorPath, _) in TestConfigs.ManyErrorsExpected)
        {
            Assert.Contains(lines, line => line.StartsWith(errorPath + ": ", StringComparison.Ordinal));
        }
    }

    private async Task<int> RunAsync(params string[] args)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await Program.RunAsync(args, _output, _error, timeout.Token);
    }

    private static List<string> Lines(StringWriter writer) =>
        [.. writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
