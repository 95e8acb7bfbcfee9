using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Router.Cli.Commands;

/// <summary>
/// <c>router explain NAME [--client IP] [--admin URL] [--token TOKEN]</c>: why NAME resolves as it does for a client —
/// the candidates, their status and latency, the rule that chose and the answer — from <c>GET /api/explain</c>.
/// </summary>
internal static class ExplainCommand
{
    public const string Usage = """
        Usage: router explain NAME [--client IP] [--admin URL] [--token TOKEN]

        Explains how a running router answers NAME (a profile name, relative like 'contoso' or fully qualified) for a
        client: every endpoint with its status, latency from the client's network and whether it was eligible, the
        rule that chose, and the records of the answer.

          --client IP     the client address to route for [default: this host's address as the admin API sees it]
          --admin URL     the admin API (Admin:Listen) [default: http://127.0.0.1:8053]
          --token TOKEN   the admin API's bearer token [default: $ROUTER_ADMIN_TOKEN]

        Exit codes: 0 ok, 1 the admin API could not be reached or failed, 2 invalid arguments or a name the router
        does not answer.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, Func<string, string?> environment,
        CancellationToken cancellationToken)
    {
        var options = new StatusCommand.AdminConnectionOptions();
        string? name = null;
        string? client = null;
        for (int i = 0; i < args.Count; i++)
        {
            switch (options.TryParse(args, ref i, out string? problem))
            {
                case StatusCommand.ArgumentResult.Help:
                    await output.WriteLineAsync(Usage).ConfigureAwait(false);
                    return ExitCodes.Success;
                case StatusCommand.ArgumentResult.Consumed:
                    continue;
                case StatusCommand.ArgumentResult.Invalid:
                    return await InvalidAsync(error, problem!).ConfigureAwait(false);
            }

            string arg = args[i];
            if (arg == "--client")
            {
                if (i + 1 >= args.Count)
                {
                    return await InvalidAsync(error, "--client needs a value").ConfigureAwait(false);
                }

                client = args[++i];
            }
            else if (arg.StartsWith("--client=", StringComparison.Ordinal))
            {
                client = arg["--client=".Length..];
            }
            else if (arg.StartsWith('-') || name is not null)
            {
                return await InvalidAsync(error, $"unexpected argument '{arg}'\n\n{Usage}").ConfigureAwait(false);
            }
            else
            {
                name = arg;
            }
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            return await InvalidAsync(error, $"NAME is required\n\n{Usage}").ConfigureAwait(false);
        }

        if (client is not null && !IsAddress(client))
        {
            return await InvalidAsync(error, $"--client '{client}' is not an IPv4 or IPv6 address").ConfigureAwait(false);
        }

        if (!options.TryResolve(environment, out var connection, out string? invalid))
        {
            return await InvalidAsync(error, invalid!).ConfigureAwait(false);
        }

        string query = "api/explain?name=" + Uri.EscapeDataString(name) + (client is null ? "" : "&client=" + Uri.EscapeDataString(client));
        var response = await StatusCommand.GetJsonAsync(connection, query, cancellationToken).ConfigureAwait(false);
        if (response.Failure is not null)
        {
            await error.WriteLineAsync($"router explain: {response.Failure}").ConfigureAwait(false);
            // A 404 (not our name) or 400 is the question's fault, not the router's.
            return response.ClientError ? ExitCodes.InvalidInput : ExitCodes.RuntimeFailure;
        }

        using var document = response.Document!;
        await output.WriteAsync(FormatExplain(document.RootElement)).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>What <c>router explain</c> prints for an <c>/api/explain</c> answer.</summary>
    internal static string FormatExplain(JsonElement report)
    {
        var builder = new StringBuilder();
        string method = StatusCommand.Text(report, "routingMethod");
        builder.Append("name:    ").Append(StatusCommand.Text(report, "name")).Append('\n');
        builder.Append("profile: ").Append(StatusCommand.Text(report, "profile")).Append(method == "-" ? "" : $" ({method})").Append('\n');
        builder.Append("client:  ").Append(StatusCommand.Text(report, "client")).Append('\n');
        string matched = StatusCommand.Text(report, "matchedNetwork");
        builder.Append("matched: ").Append(matched == "-" ? "no entry for this client" : matched).Append('\n');
        if (report.TryGetProperty("geo", out var geo) && geo.ValueKind == JsonValueKind.Object)
        {
            // Geographic: where the country database places the client, and the mapping that chose.
            string country = StatusCommand.Text(geo, "country");
            string continent = StatusCommand.Text(geo, "continent");
            string place = country == "-" && continent == "-" ? "not in the database" : $"country {country}, continent {continent}";
            builder.Append("geo:     ").Append(place).Append(" (").Append(StatusCommand.Text(geo, "database")).Append(")\n");
            string mapping = StatusCommand.Text(geo, "mapping");
            builder.Append("mapping: ").Append(mapping == "-" ? "none matches (NODATA)" : mapping).Append('\n');
        }

        builder.Append('\n');

        var rows = new List<string[]>();
        if (report.TryGetProperty("candidates", out var candidates) && candidates.ValueKind == JsonValueKind.Array)
        {
            foreach (var candidate in candidates.EnumerateArray())
            {
                bool chosen = candidate.TryGetProperty("chosen", out var c) && c.ValueKind == JsonValueKind.True;
                rows.Add(
                [
                    (chosen ? "* " : "  ") + StatusCommand.Text(candidate, "endpoint"),
                    StatusCommand.Text(candidate, "target"),
                    StatusCommand.Text(candidate, "location"),
                    StatusCommand.Text(candidate, "status"),
                    StatusCommand.YesNo(candidate, "enabled"),
                    StatusCommand.YesNo(candidate, "eligible"),
                    Latency(candidate),
                    StatusCommand.Text(candidate, "priority"),
                    StatusCommand.Text(candidate, "weight"),
                    StatusCommand.Text(candidate, "note"),
                ]);
            }
        }

        builder.Append(StatusCommand.Table(["  ENDPOINT", "TARGET", "LOCATION", "STATUS", "ENABLED", "ELIGIBLE", "LATENCY", "PRIORITY", "WEIGHT", "NOTE"], rows));

        // In a cluster, STATUS is the agreed status: which instances saw what.
        if (candidates.ValueKind == JsonValueKind.Array)
        {
            var seen = candidates.EnumerateArray()
                .Select(c => (Endpoint: StatusCommand.Text(c, "endpoint"), Views: StatusCommand.Views(c)))
                .Where(c => c.Views.Length > 0)
                .ToList();
            if (seen.Count > 0)
            {
                builder.Append('\n');
                foreach (var (endpoint, views) in seen)
                {
                    builder.Append("seen:    ").Append(endpoint).Append(": ").Append(views).Append('\n');
                }
            }
        }

        builder.Append('\n');
        builder.Append("rule:    ").Append(StatusCommand.Text(report, "rule")).Append('\n');
        if (report.TryGetProperty("nested", out var nested) && nested.ValueKind == JsonValueKind.Object)
        {
            // The chosen endpoint is a nested profile: its own decision, indented; the answer below is its answer.
            builder.Append("nested:  the chosen endpoint is profile ").Append(StatusCommand.Text(nested, "profile")).Append(", which decided:\n");
            foreach (string line in FormatExplain(nested).TrimEnd('\n').Split('\n'))
            {
                builder.Append(line.Length == 0 ? "  |" : "  | " + line).Append('\n');
            }
        }

        var answer = report.TryGetProperty("answer", out var records) && records.ValueKind == JsonValueKind.Array
            ? records.EnumerateArray().Select(r => r.GetString() ?? "").ToList()
            : [];
        string ttl = StatusCommand.Text(report, "ttl");
        string scope = StatusCommand.Text(report, "scopePrefixLength");
        string details = $"TTL {ttl}" + (scope is "-" or "0" ? "" : $", ECS scope /{scope}");
        if (answer.Count == 0)
        {
            builder.Append("answer:  no records (NODATA), ").Append(details).Append('\n');
        }
        else
        {
            builder.Append("answer:  ").Append(string.Join(", ", answer)).Append(" (").Append(details).Append(")\n");
        }

        return builder.ToString();
    }

    private static string Latency(JsonElement candidate) =>
        candidate.TryGetProperty("latencyMs", out var latency) && latency.ValueKind == JsonValueKind.Number
            ? latency.GetDouble().ToString("0.#", CultureInfo.InvariantCulture) + " ms"
            : "-";

    private static bool IsAddress(string text) =>
        IPAddress.TryParse(text, out var address) && (address.AddressFamily == AddressFamily.InterNetworkV6 || text.Count(c => c == '.') == 3);

    private static async Task<int> InvalidAsync(TextWriter error, string message)
    {
        await error.WriteLineAsync($"router explain: {message}").ConfigureAwait(false);
        return ExitCodes.InvalidInput;
    }
}
