namespace Router.Cli.Tests;

/// <summary>Every configuration under <c>samples/</c> stays valid as the configuration grows.</summary>
public sealed class SamplesTests
{
    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Path.Combine(RepositoryRoot(), "samples"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(RepositoryRoot(), file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Validate_Sample_ExitsZero(string relativePath)
    {
        // Arrange
        using var output = new StringWriter();
        using var error = new StringWriter();

        // Act
        int exit = await Program.RunAsync(["validate", "--config", Path.Combine(RepositoryRoot(), relativePath)], output, error, CancellationToken.None);

        // Assert
        Assert.True(exit == 0, $"{relativePath}:{Environment.NewLine}{output}{error}");
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Router.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Router.sln not found above the test assembly.");
    }
}
