using System.Reflection;

namespace Router.Fuzz.Tests;

/// <summary>
/// Every seed of every fuzz target's corpus and every input afl-fuzz once crashed or hung on
/// (<c>tests/fuzz/TARGET/regressions</c>) goes through the same target code as under the fuzzer, without an
/// exception the production caller would not catch and without breaking the target's invariants.
/// </summary>
public sealed class FuzzRegressionTests
{
    private static readonly string FuzzDirectory = typeof(FuzzRegressionTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "FuzzDirectory").Value!;

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (string target in FuzzTargets.All.Keys.Order(StringComparer.Ordinal))
        {
            foreach (string kind in (string[])["corpus", "regressions"])
            {
                string directory = Path.Combine(FuzzDirectory, target, kind);
                if (!Directory.Exists(directory))
                {
                    continue;
                }

                foreach (string file in Directory.GetFiles(directory).Order(StringComparer.Ordinal))
                {
                    data.Add(target, Path.GetRelativePath(FuzzDirectory, file));
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Target_Input_NoUnexpectedException(string target, string relativePath)
    {
        // Arrange
        byte[] input = File.ReadAllBytes(Path.Combine(FuzzDirectory, relativePath));

        // Act
        var exception = Record.Exception(() => FuzzTargets.All[target](input));

        // Assert
        Assert.Null(exception);
    }

    [Fact]
    public void Inputs_EveryTarget_HasSeeds()
    {
        // Arrange
        var inputs = Inputs().Select(row => (string)row[0]).ToHashSet(StringComparer.Ordinal);

        // Act
        var missing = FuzzTargets.All.Keys.Where(target => !inputs.Contains(target)).ToList();

        // Assert
        Assert.Empty(missing);
    }
}
