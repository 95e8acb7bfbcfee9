using System.Net;

namespace Router.TrafficManager.Configuration;

/// <summary>Validates the <c>Admin</c> section and reports every error as <c>path: reason</c>.</summary>
public static class AdminOptionsValidator
{
    /// <summary>The shortest bearer token accepted: 16 characters (a guessable token on an open port is no protection).</summary>
    public const int MinimumTokenLength = 16;

    /// <summary>Every error in <paramref name="options"/>, each with its key path under <paramref name="path"/>.</summary>
    /// <param name="options">The bound section.</param>
    /// <param name="path">The section's key path, the prefix of every error.</param>
    /// <param name="environment">Reads environment variables (<c>ROUTER_ADMIN_TOKEN</c>); the process environment by default.</param>
    public static IReadOnlyList<string> Validate(AdminOptions options, string path = "Admin", Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        bool listenValid = TryParseListen(options.Listen, out var listen, out string? listenError);
        if (!listenValid)
        {
            errors.Add($"{path}:Listen: {listenError}");
        }

        string tokenPath = $"{path}:BearerToken";
        if (options.BearerToken is not null)
        {
            if (TokenError(options.BearerToken) is { } error)
            {
                errors.Add($"{tokenPath}: {error}");
            }
        }
        else if (ReadEnvironmentToken(environment) is { } environmentToken)
        {
            if (TokenError(environmentToken) is { } error)
            {
                errors.Add($"{tokenPath}: {AdminOptions.TokenEnvironmentVariable} {error}");
            }
        }
        else if (listenValid && !IPAddress.IsLoopback(listen.Address))
        {
            errors.Add($"{tokenPath}: required when {path}:Listen is not a loopback address (or set {AdminOptions.TokenEnvironmentVariable})");
        }

        if (options.StateFile is not null && (string.IsNullOrWhiteSpace(options.StateFile) || options.StateFile.Contains('\0', StringComparison.Ordinal)))
        {
            errors.Add($"{path}:StateFile: must be a file path (or left out for router-state.json next to the configuration file)");
        }

        return errors;
    }

    /// <summary>
    /// Parses <c>Admin:Listen</c>: an absolute <c>http://IP:PORT</c> URL with an IP address as host (default
    /// <see cref="AdminOptions.DefaultListen"/>); port 0 lets the server pick a free port.
    /// </summary>
    /// <remarks>
    /// <c>https://</c> is refused: the section has no certificate setting, and Kestrel's development certificate is not
    /// something to serve a token-protected API with. Put a TLS proxy in front for remote access.
    /// </remarks>
    public static bool TryParseListen(string? listen, out IPEndPoint endPoint, out string? error)
    {
        string text = string.IsNullOrWhiteSpace(listen) ? AdminOptions.DefaultListen : listen.Trim();
        endPoint = new IPEndPoint(IPAddress.Loopback, 0);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error = $"'{text}' is not an http://IP:PORT URL";
            return false;
        }

        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            error = $"'{text}': https is not supported (there is no certificate setting); listen on http:// and put a TLS proxy in front";
            return false;
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            error = $"'{text}' must be just http://IP:PORT (no path, query or user)";
            return false;
        }

        if (!IPAddress.TryParse(uri.Host, out var address))
        {
            error = $"'{text}': the host must be an IP address (127.0.0.1, [::1], 0.0.0.0), not a name";
            return false;
        }

        endPoint = new IPEndPoint(address, uri.Port);
        error = null;
        return true;
    }

    /// <summary>The token the admin API requires: <see cref="AdminOptions.BearerToken"/>, else <c>ROUTER_ADMIN_TOKEN</c>; null for none.</summary>
    public static string? EffectiveToken(AdminOptions options, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.BearerToken ?? ReadEnvironmentToken(environment);
    }

    private static string? ReadEnvironmentToken(Func<string, string?>? environment)
    {
        string? value = (environment ?? Environment.GetEnvironmentVariable)(AdminOptions.TokenEnvironmentVariable);
        return string.IsNullOrEmpty(value) ? null : value;
    }

    private static string? TokenError(string token)
    {
        if (token.Length < MinimumTokenLength)
        {
            return $"must be at least {MinimumTokenLength} characters";
        }

        foreach (char c in token)
        {
            // What an Authorization header can carry unquoted (RFC 6750 b64token, plus any other visible ASCII).
            if (c is <= ' ' or > '~')
            {
                return "must be visible ASCII characters only (no spaces or control characters)";
            }
        }

        return null;
    }
}
