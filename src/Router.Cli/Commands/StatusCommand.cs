using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Router.Cli.Commands;

/// <summary>
/// <c>router status [--admin URL] [--token TOKEN]</c>: the profiles and endpoints of a running router, from its admin
/// API (<c>GET /api/profiles</c>), as a table. Also holds the admin API client both this and <see cref="ExplainCommand"/> use.
/// </summary>
internal static class StatusCommand
{
    /// <summary>Where <c>Admin:Listen</c> is by default.</summary>
    public const string DefaultAdminUrl = "http://127.0.0.1:8053";

    /// <summary>The environment variable the bearer token is read from when <c>--token</c> is not given.</summary>
    public const string TokenEnvironmentVariable = "ROUTER_ADMIN_TOKEN";

    public const string Usage = """
        Usage: router status [--admin URL] [--token TOKEN]

        Prints every traffic manager profile of a running router with its endpoints: target, status, enabled flag,
        consecutive probe failures, the last probe and the last status change.

          --admin URL     the admin API (Admin:Listen) [default: http://127.0.0.1:8053]
          --token TOKEN   the admin API's bearer token [default: $ROUTER_ADMIN_TOKEN]

        Exit codes: 0 ok, 1 the admin API could not be reached or failed, 2 invalid arguments.
        """;

    /// <summary>How long a request to the admin API may take.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, Func<string, string?> environment,
        CancellationToken cancellationToken)
    {
        var options = new AdminConnectionOptions();
        for (int i = 0; i < args.Count; i++)
        {
            switch (options.TryParse(args, ref i, out string? problem))
            {
                case ArgumentResult.Help:
                    await output.WriteLineAsync(Usage).ConfigureAwait(false);
                    return ExitCodes.Success;
                case ArgumentResult.Consumed:
                    continue;
                case ArgumentResult.Invalid:
                    await error.WriteLineAsync($"router status: {problem}").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                default:
                    await error.WriteLineAsync($"router status: unexpected argument '{args[i]}'\n\n{Usage}").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
            }
        }

        if (!options.TryResolve(environment, out var connection, out string? invalid))
        {
            await error.WriteLineAsync($"router status: {invalid}").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        var response = await GetJsonAsync(connection, "api/profiles", cancellationToken).ConfigureAwait(false);
        if (response.Failure is not null)
        {
            await error.WriteLineAsync($"router status: {response.Failure}").ConfigureAwait(false);
            return ExitCodes.RuntimeFailure;
        }

        using var document = response.Document!;
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            await error.WriteLineAsync($"router status: {connection.BaseAddress}api/profiles did not answer a JSON array").ConfigureAwait(false);
            return ExitCodes.RuntimeFailure;
        }

        // A clustered router also says whether it answers by the agreed status or its own view; 404: it runs alone.
        var cluster = await GetJsonAsync(connection, "api/cluster", cancellationToken).ConfigureAwait(false);
        using (cluster.Document)
        {
            if (cluster.Document is { } clusterDocument)
            {
                await output.WriteLineAsync(FormatCluster(clusterDocument.RootElement)).ConfigureAwait(false);
            }
        }

        await output.WriteAsync(FormatProfiles(document.RootElement)).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>
    /// The line <c>router status</c> prints for a <c>/api/cluster</c> answer: <c>cluster: connected, 3 instances (router-1,
    /// router-2, router-3), quorum Majority</c>, or <c>cluster: local view since TIME (REASON)</c>.
    /// </summary>
    internal static string FormatCluster(JsonElement cluster)
    {
        var store = cluster.TryGetProperty("store", out var s) ? s : default;
        string state = Text(store, "state");
        var instances = cluster.TryGetProperty("instances", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(i => Text(i, "instanceId")).ToList()
            : [];
        string self = Text(cluster, "instanceId");
        return state switch
        {
            "Connected" => $"cluster: connected, {instances.Count} instance{(instances.Count == 1 ? "" : "s")} ({string.Join(", ", instances)}), quorum {Text(cluster, "quorum")}; this is {self}",
            "LocalView" => $"cluster: local view since {Time(store, "since")} ({Text(store, "reason")})",
            _ => $"cluster: {state.ToLowerInvariant()} as {self} since {Time(store, "since")} ({Text(store, "reason")}); answering by its own view",
        };
    }

    /// <summary>The table <c>router status</c> prints for a <c>/api/profiles</c> answer.</summary>
    internal static string FormatProfiles(JsonElement profiles)
    {
        if (profiles.GetArrayLength() == 0)
        {
            return "No profiles: this router runs no TrafficManager section.\n";
        }

        var rows = new List<string[]>();
        foreach (var profile in profiles.EnumerateArray())
        {
            string profileName = Text(profile, "name");
            var endpoints = profile.TryGetProperty("endpoints", out var list) && list.ValueKind == JsonValueKind.Array ? list : default;
            if (endpoints.ValueKind != JsonValueKind.Array || endpoints.GetArrayLength() == 0)
            {
                rows.Add([profileName, "-", "-", "-", "-", "-", "-", "-", ""]);
                continue;
            }

            foreach (var endpoint in endpoints.EnumerateArray())
            {
                rows.Add(
                [
                    profileName,
                    Text(endpoint, "name"),
                    Text(endpoint, "target"),
                    StatusText(endpoint),
                    YesNo(endpoint, "enabled") + (endpoint.TryGetProperty("enabledOverride", out var over) && over.ValueKind is JsonValueKind.True or JsonValueKind.False ? " (admin)" : ""),
                    Text(endpoint, "consecutiveFailures"),
                    LastProbe(endpoint),
                    Time(endpoint, "lastStatusChange"),
                    Views(endpoint),
                ]);
            }
        }

        // The VIEWS column (each live instance's view, in a cluster) only when some endpoint has views.
        bool clustered = rows.Any(r => r[^1].Length > 0);
        return clustered
            ? Table(["PROFILE", "ENDPOINT", "TARGET", "STATUS", "ENABLED", "FAILURES", "LAST PROBE", "LAST CHANGE", "VIEWS"], rows)
            : Table(["PROFILE", "ENDPOINT", "TARGET", "STATUS", "ENABLED", "FAILURES", "LAST PROBE", "LAST CHANGE"], [.. rows.Select(r => r[..^1])]);
    }

    /// <summary>The status, with <c>(held)</c> when failback holds the endpoint back, and the reason of a hold or maintenance.</summary>
    internal static string StatusText(JsonElement endpoint)
    {
        string status = Text(endpoint, "status");
        bool held = endpoint.TryGetProperty("held", out var h) && h.ValueKind == JsonValueKind.True;
        string reason = endpoint.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : string.Empty;
        return (held ? status + " (held)" : status) + (reason.Length > 0 && status == "Maintenance" ? $": {reason}" : string.Empty);
    }

    /// <summary>
    /// Every live instance's view of an endpoint, in a cluster (<c>router-1 Online, router-3 Degraded (3 failures)</c>);
    /// empty for a single instance.
    /// </summary>
    internal static string Views(JsonElement element)
    {
        if (!element.TryGetProperty("views", out var views) || views.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        return string.Join(", ", views.EnumerateArray().Select(view =>
        {
            string failures = view.TryGetProperty("consecutiveFailures", out var count) && count.ValueKind == JsonValueKind.Number && count.GetInt32() > 0
                ? $" ({count.GetInt32()} failure{(count.GetInt32() == 1 ? "" : "s")})"
                : "";
            return $"{Text(view, "instance")} {Text(view, "status")}{failures}";
        }));
    }

    private static string LastProbe(JsonElement endpoint)
    {
        if (!endpoint.TryGetProperty("lastProbe", out var probe) || probe.ValueKind != JsonValueKind.Object)
        {
            return "-";
        }

        bool succeeded = probe.TryGetProperty("succeeded", out var ok) && ok.ValueKind == JsonValueKind.True;
        string? status = probe.TryGetProperty("statusCode", out var code) && code.ValueKind == JsonValueKind.Number ? code.GetRawText() : null;
        string? failure = probe.TryGetProperty("error", out var message) && message.ValueKind == JsonValueKind.String ? message.GetString() : null;
        string result = succeeded ? "ok" + (status is null ? "" : " " + status) : failure ?? (status is null ? "failed" : "failed " + status);
        string duration = probe.TryGetProperty("durationMs", out var ms) && ms.ValueKind == JsonValueKind.Number
            ? $", {ms.GetDouble().ToString("0.#", CultureInfo.InvariantCulture)} ms"
            : "";
        string fallback = probe.TryGetProperty("fallback", out var usedFallback) && usedFallback.ValueKind == JsonValueKind.True ? " (fallback)" : "";
        return $"{Time(probe, "time")} {result}{duration}{fallback}";
    }

    /// <summary>A property as text: strings as they are, numbers and booleans as JSON writes them, <c>-</c> for null or missing.</summary>
    internal static string Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString() ?? "-",
                JsonValueKind.Null or JsonValueKind.Undefined => "-",
                _ => value.GetRawText(),
            }
            : "-";

    internal static string YesNo(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) ? value.ValueKind switch
        {
            JsonValueKind.True => "yes",
            JsonValueKind.False => "no",
            _ => "-",
        } : "-";

    /// <summary>A timestamp property in UTC, to the second (<c>2025-03-01 10:00:30Z</c>).</summary>
    internal static string Time(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetDateTimeOffset(out var time)
            ? time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : "-";

    /// <summary>Left-aligned columns two spaces apart; trailing spaces trimmed.</summary>
    internal static string Table(string[] headers, List<string[]> rows)
    {
        int[] widths = [.. headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length)))];
        var builder = new StringBuilder();
        foreach (var row in rows.Prepend(headers))
        {
            var line = new StringBuilder();
            for (int i = 0; i < row.Length; i++)
            {
                line.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            }

            builder.Append(line.ToString().TrimEnd()).Append('\n');
        }

        return builder.ToString();
    }

    /// <summary>
    /// GETs <paramref name="pathAndQuery"/> (relative to the admin URL) and parses the JSON answer. Failures come back
    /// as a message naming the URL; <see cref="AdminResponse.ClientError"/> says whether the server blamed the request (4xx
    /// other than 401/403).
    /// </summary>
    internal static Task<AdminResponse> GetJsonAsync(AdminConnection connection, string pathAndQuery, CancellationToken cancellationToken) =>
        SendAsync(connection, HttpMethod.Get, pathAndQuery, cancellationToken);

    /// <summary>As <see cref="GetJsonAsync"/>, with <paramref name="method"/> (a <c>POST</c> is sent without a body).</summary>
    internal static async Task<AdminResponse> SendAsync(AdminConnection connection, HttpMethod method, string pathAndQuery, CancellationToken cancellationToken)
    {
        var url = new Uri(connection.BaseAddress, pathAndQuery);
        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), UseProxy = false };
        using var http = new HttpClient(handler) { Timeout = RequestTimeout };
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (connection.Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", connection.Token);
        }

        HttpResponseMessage response;
        string body;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            return AdminResponse.Failed($"cannot reach the admin API at {connection.BaseAddress}: {ex.Message} (is 'router serve' running with an Admin section? use --admin URL)");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return AdminResponse.Failed($"the admin API at {connection.BaseAddress} did not answer within {RequestTimeout.TotalSeconds:0} s");
        }
        catch (OperationCanceledException)
        {
            return AdminResponse.Failed("cancelled");
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                string hint = connection.Token is null
                    ? $"set {TokenEnvironmentVariable} or pass --token"
                    : "the token given (--token or " + TokenEnvironmentVariable + ") was not accepted";
                return AdminResponse.Failed($"the admin API at {connection.BaseAddress} refused the request ({(int)response.StatusCode}): {hint}");
            }

            string? serverError = ErrorMessage(body);
            if (!response.IsSuccessStatusCode)
            {
                int status = (int)response.StatusCode;
                string message = serverError ?? $"{status} {response.ReasonPhrase}";
                return status is >= 400 and < 500
                    ? AdminResponse.Rejected(message, status)
                    : AdminResponse.Failed($"the admin API at {url} failed: {status} {message}");
            }

            try
            {
                return AdminResponse.Ok(JsonDocument.Parse(body));
            }
            catch (JsonException)
            {
                return AdminResponse.Failed($"{url} did not answer JSON; is {connection.BaseAddress} Router's admin API?");
            }
        }
    }

    private static string? ErrorMessage(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error)
                ? error.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The outcome of one admin API request.</summary>
    /// <param name="Document">The JSON answer, when the request succeeded.</param>
    /// <param name="Failure">Why there is no answer, naming the URL.</param>
    /// <param name="Status">The HTTP status code of a 4xx answer the server blamed on the request.</param>
    internal sealed record AdminResponse(JsonDocument? Document, string? Failure, int? Status)
    {
        /// <summary>The server answered 4xx: the request (a name, a client address) was wrong, not the connection.</summary>
        public bool ClientError => Status is not null;

        public static AdminResponse Ok(JsonDocument document) => new(document, null, null);

        public static AdminResponse Failed(string message) => new(null, message, null);

        public static AdminResponse Rejected(string message, int status) => new(null, message, status);
    }

    /// <summary>Where the admin API is and the token to send.</summary>
    internal sealed record AdminConnection(Uri BaseAddress, string? Token);

    internal enum ArgumentResult
    {
        NotMine,
        Consumed,
        Help,
        Invalid,
    }

    /// <summary>The <c>--admin</c> and <c>--token</c> options both commands take (and <c>-h</c>/<c>--help</c>).</summary>
    internal sealed class AdminConnectionOptions
    {
        public string? Admin { get; private set; }

        public string? Token { get; private set; }

        /// <summary>Reads <c>args[i]</c> (and its value); <paramref name="i"/> is left on the last argument used.</summary>
        public ArgumentResult TryParse(IReadOnlyList<string> args, ref int i, out string? problem)
        {
            problem = null;
            string arg = args[i];
            if (arg is "-h" or "--help")
            {
                return ArgumentResult.Help;
            }

            foreach (string name in (string[])["--admin", "--token"])
            {
                string? value;
                if (arg == name)
                {
                    if (i + 1 >= args.Count)
                    {
                        problem = $"{name} needs a value";
                        return ArgumentResult.Invalid;
                    }

                    value = args[++i];
                }
                else if (arg.StartsWith(name + "=", StringComparison.Ordinal))
                {
                    value = arg[(name.Length + 1)..];
                }
                else
                {
                    continue;
                }

                if (name == "--admin")
                {
                    Admin = value;
                }
                else
                {
                    Token = value;
                }

                return ArgumentResult.Consumed;
            }

            return ArgumentResult.NotMine;
        }

        /// <summary>
        /// Reads every argument: the options of the connection here, the others (not starting with <c>-</c>) into
        /// <paramref name="positional"/>. <see cref="ArgumentResult.Help"/> or <see cref="ArgumentResult.Invalid"/> (with
        /// <paramref name="problem"/>) stop at once; otherwise <see cref="ArgumentResult.Consumed"/>.
        /// </summary>
        public ArgumentResult TryParseAll(IReadOnlyList<string> args, List<string> positional, out string? problem)
        {
            for (int i = 0; i < args.Count; i++)
            {
                var result = TryParse(args, ref i, out problem);
                if (result is ArgumentResult.Help or ArgumentResult.Invalid)
                {
                    return result;
                }

                if (result == ArgumentResult.NotMine)
                {
                    if (args[i].StartsWith('-'))
                    {
                        problem = $"unexpected argument '{args[i]}'";
                        return ArgumentResult.Invalid;
                    }

                    positional.Add(args[i]);
                }
            }

            problem = null;
            return ArgumentResult.Consumed;
        }

        /// <summary>The admin URL (<c>http://</c> assumed when no scheme is given) and the token (<c>--token</c>, else the environment).</summary>
        public bool TryResolve(Func<string, string?> environment, out AdminConnection connection, out string? problem)
        {
            string text = string.IsNullOrWhiteSpace(Admin) ? DefaultAdminUrl : Admin.Trim();
            if (!text.Contains("://", StringComparison.Ordinal))
            {
                text = "http://" + text;
            }

            connection = new AdminConnection(new Uri(DefaultAdminUrl + "/"), null);
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) ||
                uri.Host.Length == 0)
            {
                problem = $"--admin '{Admin}' is not an http://HOST:PORT URL";
                return false;
            }

            string? token = string.IsNullOrEmpty(Token) ? environment(TokenEnvironmentVariable) : Token;
            connection = new AdminConnection(new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/"), string.IsNullOrEmpty(token) ? null : token);
            problem = null;
            return true;
        }
    }
}
