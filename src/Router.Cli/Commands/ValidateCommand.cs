using Router.Cli.Configuration;

namespace Router.Cli.Commands;

/// <summary><c>router validate --config FILE</c>: exit 0 when valid, else every error as <c>path: reason</c> and exit 2.</summary>
internal static class ValidateCommand
{
    public static async Task<int> RunAsync(string configPath, TextWriter output)
    {
        var loaded = RouterConfigurationLoader.Load(configPath);
        if (loaded.IsValid)
        {
            await output.WriteLineAsync($"{configPath}: valid").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        foreach (string message in loaded.Errors)
        {
            await output.WriteLineAsync(message).ConfigureAwait(false);
        }

        return ExitCodes.InvalidInput;
    }
}
