namespace Router.Cli.Commands;

/// <summary>
/// <c>router release PROFILE ENDPOINT [--admin URL] [--token TOKEN]</c>: returns an endpoint that failback holds back
/// after a recovery to answers, through <c>POST /api/profiles/{p}/endpoints/{e}/release</c>.
/// </summary>
internal static class ReleaseCommand
{
    public const string Usage = """
        Usage: router release PROFILE ENDPOINT [--admin URL] [--token TOKEN]

        Releases an endpoint that its profile's failback mode (Monitor:Failback Manual or HoldDown) holds back after a
        recovery: it is answered again from the next query, when eligible.

          --admin URL     the admin API (Admin:Listen) [default: http://127.0.0.1:8053]
          --token TOKEN   the admin API's bearer token [default: $ROUTER_ADMIN_TOKEN]

        Exit codes: 0 released, 1 the admin API could not be reached or failed, 2 invalid arguments, no such
        endpoint, or an endpoint that is not held back.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, Func<string, string?> environment,
        CancellationToken cancellationToken)
    {
        var options = new StatusCommand.AdminConnectionOptions();
        var names = new List<string>(2);
        switch (options.TryParseAll(args, names, out string? problem))
        {
            case StatusCommand.ArgumentResult.Help:
                await output.WriteLineAsync(Usage).ConfigureAwait(false);
                return ExitCodes.Success;
            case StatusCommand.ArgumentResult.Invalid:
                return await InvalidAsync(error, $"{problem}\n\n{Usage}").ConfigureAwait(false);
        }

        if (names.Count > 2)
        {
            return await InvalidAsync(error, $"unexpected argument '{names[2]}'\n\n{Usage}").ConfigureAwait(false);
        }

        if (names.Count < 2 || names.Any(string.IsNullOrWhiteSpace))
        {
            return await InvalidAsync(error, $"PROFILE and ENDPOINT are required\n\n{Usage}").ConfigureAwait(false);
        }

        if (!options.TryResolve(environment, out var connection, out string? invalid))
        {
            return await InvalidAsync(error, invalid!).ConfigureAwait(false);
        }

        string path = $"api/profiles/{Uri.EscapeDataString(names[0])}/endpoints/{Uri.EscapeDataString(names[1])}/release";
        var response = await StatusCommand.SendAsync(connection, HttpMethod.Post, path, cancellationToken).ConfigureAwait(false);
        if (response.Failure is not null)
        {
            await error.WriteLineAsync($"router release: {response.Failure}").ConfigureAwait(false);
            return response.ClientError ? ExitCodes.InvalidInput : ExitCodes.RuntimeFailure;
        }

        using var document = response.Document!;
        var endpoint = document.RootElement;
        await output.WriteLineAsync(
            $"released {names[0]}/{StatusCommand.Text(endpoint, "name")}: status {StatusCommand.StatusText(endpoint)}; answered again when eligible").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> InvalidAsync(TextWriter error, string message)
    {
        await error.WriteLineAsync($"router release: {message}").ConfigureAwait(false);
        return ExitCodes.InvalidInput;
    }
}
