using Router.Cli.Commands;

namespace Router.Cli;

/// <summary>The <c>router</c> executable.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        try
        {
            return await RunAsync(args, Console.Out, Console.Error, cancellation.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The contract's exit code for a runtime failure is 1; left unhandled, the runtime aborts with 134 (SIGABRT).
            await Console.Error.WriteLineAsync($"router: unexpected failure: {ex}").ConfigureAwait(false);
            return ExitCodes.RuntimeFailure;
        }
    }

    /// <summary>Parses the command line and runs a command; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return args.Length == 0 ? ExitCodes.InvalidInput : ExitCodes.Success;
        }

        if (args[0] is "--version" or "version")
        {
            await output.WriteLineAsync($"router {typeof(Program).Assembly.GetName().Version}").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        string command = args[0];
        if (command is "status" or "explain" or "release")
        {
            // These talk to a running router's admin API and take their own options (--admin, --token, --client).
            return command switch
            {
                "status" => await StatusCommand.RunAsync(args[1..], output, error, Environment.GetEnvironmentVariable, cancellationToken).ConfigureAwait(false),
                "explain" => await ExplainCommand.RunAsync(args[1..], output, error, Environment.GetEnvironmentVariable, cancellationToken).ConfigureAwait(false),
                _ => await ReleaseCommand.RunAsync(args[1..], output, error, Environment.GetEnvironmentVariable, cancellationToken).ConfigureAwait(false),
            };
        }

        string? config = null;
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] is "--config" or "-c" && i + 1 < args.Length)
            {
                config = args[++i];
            }
            else if (args[i].StartsWith("--config=", StringComparison.Ordinal))
            {
                config = args[i]["--config=".Length..];
            }
            else
            {
                await error.WriteLineAsync($"router {command}: unexpected argument '{args[i]}'\n\n{Usage}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }
        }

        switch (command)
        {
            case "serve":
                return await ServeCommand.RunAsync(config, output, error, cancellationToken).ConfigureAwait(false);

            case "validate":
                if (config is null)
                {
                    await error.WriteLineAsync("router validate: --config FILE is required").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                return await ValidateCommand.RunAsync(config, output).ConfigureAwait(false);

            default:
                await error.WriteLineAsync($"router: unknown command '{command}'\n\n{Usage}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
        }
    }

    private const string Usage = """
        router: health-aware DNS failover for geo-replicated services

        Usage:
          router serve [--config FILE]     run the roles FILE configures; without FILE, a built-in demo on 127.0.0.1:5353
          router validate --config FILE    check FILE; print every error as 'path: reason' (exit 2 when invalid)
          router status [--admin URL]      profiles and endpoints of a running router: status, enabled, failures, last change
          router explain NAME [--client IP] [--admin URL]
                                           why NAME resolves as it does for that client: candidates, latencies, the rule
          router release PROFILE ENDPOINT [--admin URL]
                                           return an endpoint that failback holds back after a recovery to answers
                                           (status, explain, release: --token TOKEN or ROUTER_ADMIN_TOKEN; --help for more)
          router --version

        Configuration keys can be overridden by environment variables: Router__Dns__Listen__0=127.0.0.1:5353
        Exit codes: 0 ok, 1 runtime failure, 2 invalid input or configuration.
        """;
}
