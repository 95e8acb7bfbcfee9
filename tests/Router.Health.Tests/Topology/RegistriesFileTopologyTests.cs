using Microsoft.Extensions.Time.Testing;
using Router.Health.Configuration;
using Router.Health.Tests.Monitoring;
using Router.Health.Topology;

namespace Router.Health.Tests.Topology;

/// <summary>
/// Registries from <c>Health:RegistriesFile</c> follow the rules of inline ones, with errors by file line; the file is
/// read once per options object.
/// </summary>
public sealed class RegistriesFileTopologyTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("router-topology-").FullName;

    [Fact]
    public void Build_InlineAndFileRegistries_InlineFirstThenFileEachResolved()
    {
        // Arrange
        var options = TestOptions.ContosoAndFabrikam();
        options.RegistriesFile = Write("""
            {"Name":"northwind","Storage":"sa-2","Cache":"cache","Metadata":"meta"}
            {"Name":"tailwind","Container":"api","DeepEvaluation":"Disabled"}
            """);

        // Act
        var (topology, errors) = Build(options);

        // Assert
        Assert.Empty(errors);
        Assert.Equal(["contoso", "fabrikam", "northwind", "tailwind"], topology!.Registries.Select(r => r.Name));
        var northwind = topology.Registries[2];
        Assert.Equal(["sa-2", "cache", "meta"], new[] { northwind.Storage, northwind.Cache, northwind.Metadata }.Select(i => topology.Resources[i].Id));
        Assert.Equal((-1, -1), (northwind.Auth, northwind.Container));
        Assert.Equal(DeepEvaluationMode.Disabled, topology.Registries[3].DeepEvaluation);
        Assert.True(topology.TryFindRegistry("TAILWIND", out int index));
        Assert.Equal(3, index);
    }

    [Fact]
    public void Validate_BadFileRows_EveryErrorWithItsLineAndKey()
    {
        // Arrange: a name inline and in the file, twice in the file, missing, and references that do not resolve.
        var options = TestOptions.ContosoAndFabrikam();
        options.RegistriesFile = Write("""
            {"Name":"Contoso","Storage":"sa-1"}
            {"Name":"northwind","Storage":"cache","Auth":"nope"}
            {"Storage":"sa-1"}
            {"Name":"NORTHWIND"}
            """);

        // Act
        var errors = new List<string>();
        HealthTopology.Validate(options, "Health", errors);

        // Assert
        Assert.Equal(
            [
                "Health:RegistriesFile:1:Name: 'Contoso' is configured twice (also at Health:Registries:0)",
                "Health:RegistriesFile:2:Storage: 'cache' is a Cache resource, not Storage",
                "Health:RegistriesFile:2:Auth: 'nope' is not a resource in Health:Resources",
                "Health:RegistriesFile:3:Name: required",
                "Health:RegistriesFile:4:Name: 'NORTHWIND' is configured twice (also at line 2)",
            ],
            errors);
    }

    [Fact]
    public void Validate_FileRowNamingAResourceWithErrors_OnlyTheResourceErrorReported()
    {
        // Arrange: sa-2 has no kind; the registry naming it is not blamed for that.
        var options = TestOptions.ContosoAndFabrikam();
        options.Resources[1].Kind = null;
        options.Registries.RemoveAt(1);
        options.RegistriesFile = Write("""{"Name":"northwind","Storage":"sa-2"}""");

        // Act
        var errors = new List<string>();
        HealthTopology.Validate(options, "Health", errors);

        // Assert
        Assert.Equal(["Health:Resources:1:Kind: required (Storage, Cache, Auth, Container, Metadata)"], errors);
    }

    [Fact]
    public void Build_AfterValidate_ReusesTheRowsReadWithoutReadingTheFileAgain()
    {
        // Arrange: validated, then the file is gone.
        var options = TestOptions.ContosoAndFabrikam();
        options.RegistriesFile = Write("""{"Name":"northwind","Storage":"sa-2"}""");
        var errors = new List<string>();
        HealthTopology.Validate(options, "Health", errors);
        Assert.Empty(errors);
        File.Delete(options.RegistriesFile);

        // Act
        var (topology, buildErrors) = Build(options);

        // Assert
        Assert.Empty(buildErrors);
        Assert.Equal("northwind", topology!.Registries[^1].Name);
    }

    [Fact]
    public void Validate_MissingFile_OneErrorNamingIt()
    {
        // Arrange
        var options = TestOptions.ContosoAndFabrikam();
        options.RegistriesFile = Path.Combine(_directory, "missing.jsonl");

        // Act
        var errors = new List<string>();
        HealthTopology.Validate(options, "Health", errors);

        // Assert
        Assert.Equal([$"Health:RegistriesFile: file '{options.RegistriesFile}' not found"], errors);
    }

    private string Write(string content)
    {
        string path = Path.Combine(_directory, "registries.jsonl");
        File.WriteAllText(path, content);
        return path;
    }

    private (HealthTopology? Topology, List<string> Errors) Build(HealthOptions options)
    {
        var errors = new List<string>();
        var topology = HealthTopology.Build(options, _clock, "Health", errors, (_, _, _) => new FakeCheck(_clock));
        return (topology, errors);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
