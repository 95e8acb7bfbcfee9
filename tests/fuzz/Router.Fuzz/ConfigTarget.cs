using Router.Cli.Configuration;

namespace Router.Fuzz;

/// <summary>
/// The configuration file as <c>router validate</c> and the reload watcher read it: <see cref="RouterConfigurationLoader.Load"/>
/// (JSON, shape check, binding, every section's validation). Neither caller catches anything: bytes in, errors out.
/// </summary>
/// <remarks>Invariant: a result without errors has options, and no error is empty.</remarks>
internal static class ConfigTarget
{
    private static readonly Lazy<string> FilePath = new(() =>
    {
        string directory = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        string path = Path.Combine(directory, $"router-fuzz-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    });

    public static void Run(byte[] input)
    {
        File.WriteAllBytes(FilePath.Value, input);
        var loaded = RouterConfigurationLoader.Load(FilePath.Value);
        FuzzInvariantException.Check(loaded.Errors.Count > 0 || loaded.Options is not null, "no errors and no options");
        foreach (string error in loaded.Errors)
        {
            FuzzInvariantException.Check(!string.IsNullOrWhiteSpace(error), "an empty error");
        }
    }
}
