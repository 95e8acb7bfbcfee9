namespace Router.Testing;

/// <summary>Finds the real programs the tests drive (knotd, dig...), on PATH or in the sbin directories root has.</summary>
public static class InstalledProgram
{
    private static readonly string[] ExtraSearchDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <summary>The full path of <paramref name="program"/>, or null when it is not installed.</summary>
    public static string? TryFind(string program)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(ExtraSearchDirectories);
        return directories.Select(directory => Path.Combine(directory, program)).FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// The full path of <paramref name="program"/>; fails the test, naming the Debian <paramref name="package"/> to
    /// install, when it is missing (tests/run-all.sh installs every one of them).
    /// </summary>
    public static string Find(string program, string package) =>
        TryFind(program) ?? throw new Xunit.Sdk.XunitException(
            $"'{program}' was not found on PATH or in /usr/sbin; install it (apt-get install {package}), as tests/run-all.sh does.");
}
