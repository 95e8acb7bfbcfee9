using Router.Cli.Tests.TestSupport;

namespace Router.Cli.Tests.Configuration;

/// <summary>
/// <c>Health:RegistriesFile</c> through the configuration loader and <c>router validate</c>: resolved against the
/// configuration file, read with the inline registries, every bad line reported by its key path.
/// </summary>
public sealed class RegistriesFileConfigurationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    /// <summary>A health monitor with four resources and one inline registry; <paramref name="registriesFile"/> as given.</summary>
    internal static string Config(string registriesFile) => $$"""
        { "Health": {
            "Region": "eastus", "Listen": "http://127.0.0.1:0",
            "Resources": [
              { "Id": "sa-1", "Kind": "Storage", "Check": { "Type": "Tcp", "Endpoint": "127.0.0.1:9" } },
              { "Id": "cache", "Kind": "Cache", "Check": { "Type": "Tcp", "Endpoint": "127.0.0.1:9" } },
              { "Id": "auth", "Kind": "Auth", "Check": { "Type": "Tcp", "Endpoint": "127.0.0.1:9" } },
              { "Id": "api", "Kind": "Container", "Check": { "Type": "Tcp", "Endpoint": "127.0.0.1:9" } } ],
            "Registries": [ { "Name": "contoso", "Storage": "sa-1" } ],
            "RegistriesFile": "{{registriesFile}}" } }
        """;

    [Fact]
    public void Load_RelativeRegistriesFile_ResolvedAgainstTheConfigurationFileAndRead()
    {
        // Arrange: the configuration and its registries in a subdirectory, loaded from elsewhere.
        Directory.CreateDirectory(Path.Combine(_directory.Path, "conf", "data"));
        _directory.Write(Path.Combine("conf", "data", "registries.jsonl"), """
            # name, then resources by kind
            {"Name":"fabrikam","Storage":"sa-1","Cache":"cache","Auth":"auth","Container":"api"}
            {"Name":"northwind","Storage":"sa-1"}
            """);
        string path = _directory.Write(Path.Combine("conf", "router.json"), Config("data/registries.jsonl"));

        // Act
        var loaded = Router.Cli.Configuration.RouterConfigurationLoader.Load(path);

        // Assert
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
        var health = loaded.Options!.Health!;
        Assert.Equal(Path.Combine(_directory.Path, "conf", "data", "registries.jsonl"), health.RegistriesFile);
        Assert.Equal(["fabrikam", "northwind"], health.RegistriesFromFile!.Rows.Select(r => r.Name));
    }

    [Fact]
    public async Task Validate_BadRegistriesFile_EveryErrorByLineAndExitTwo()
    {
        // Arrange
        _directory.Write("registries.jsonl", """
            {"Name":"fabrikam","Storage":"sa-1"}
            {"Name":"contoso","Cache":"cache"}
            {"Name":"northwind","Cache":"sa-1","Colour":"blue"}
            {"Name":"tailwind","Auth":"missing"}
            """);
        string path = _directory.Write("router.json", Config("registries.jsonl"));
        using var output = new StringWriter();
        using var error = new StringWriter();

        // Act
        int exit = await Program.RunAsync(["validate", "--config", path], output, error, CancellationToken.None);

        // Assert: the line errors first (the file is read whole before its lines are resolved), then the references.
        Assert.Equal(2, exit);
        Assert.Equal(
            [
                "Health:RegistriesFile:3:Colour: unknown key (known here: Name, Storage, Cache, Auth, Container, Metadata, DeepEvaluation)",
            ],
            Lines(output));
        File.WriteAllText(Path.Combine(_directory.Path, "registries.jsonl"), """
            {"Name":"fabrikam","Storage":"sa-1"}
            {"Name":"contoso","Cache":"cache"}
            {"Name":"northwind","Cache":"sa-1"}
            {"Name":"tailwind","Auth":"missing"}
            """);
        using var second = new StringWriter();
        Assert.Equal(2, await Program.RunAsync(["validate", "--config", path], second, error, CancellationToken.None));
        Assert.Equal(
            [
                "Health:RegistriesFile:2:Name: 'contoso' is configured twice (also at Health:Registries:0)",
                "Health:RegistriesFile:3:Cache: 'sa-1' is a Storage resource, not Cache",
                "Health:RegistriesFile:4:Auth: 'missing' is not a resource in Health:Resources",
            ],
            Lines(second));
    }

    [Fact]
    public async Task Validate_GoodRegistriesFile_ExitsZero()
    {
        // Arrange
        _directory.Write("registries.jsonl", "{\"Name\":\"fabrikam\",\"Storage\":\"sa-1\"}\r\n\r\n");
        string path = _directory.Write("router.json", Config("registries.jsonl"));
        using var output = new StringWriter();
        using var error = new StringWriter();

        // Act
        int exit = await Program.RunAsync(["validate", "--config", path], output, error, CancellationToken.None);

        // Assert
        Assert.True(exit == 0, output.ToString() + error);
    }

    [Fact]
    public async Task Validate_MissingRegistriesFile_NamesTheResolvedPath()
    {
        // Arrange
        string path = _directory.Write("router.json", Config("absent.jsonl"));
        using var output = new StringWriter();
        using var error = new StringWriter();

        // Act
        int exit = await Program.RunAsync(["validate", "--config", path], output, error, CancellationToken.None);

        // Assert
        Assert.Equal(2, exit);
        Assert.Equal([$"Health:RegistriesFile: file '{Path.Combine(_directory.Path, "absent.jsonl")}' not found"], Lines(output));
    }

    private static string[] Lines(StringWriter writer) =>
        writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    public void Dispose() => _directory.Dispose();
}
