using System.Globalization;
using System.Net.Http.Headers;
using Npgsql;
using Router.Health.Configuration;
using Router.Http;

namespace Router.Health.Checks;

/// <summary>
/// Parses and validates one <c>Check</c> section into a <see cref="CheckDefinition"/>: plain data, nothing live (no
/// handler, socket or data source), so <c>router validate</c> and a configuration reload can run it freely. Every
/// problem is reported, each as <c>"{path}:Key: reason"</c> (<c>Health:Resources:2:Check:Url: required for Type Http</c>),
/// so an operator sees all of them at once. <see cref="CheckFactory"/> builds the live check from the result.
/// </summary>
/// <remarks>
/// Keys that the chosen <c>Type</c> does not use are errors too (<c>Url</c> on a <c>Redis</c> check): a key that
/// is silently ignored is usually a mistake in the type or in the key. The timeout a check runs with is the
/// caller's (<c>Check:TimeoutSeconds</c>, else <c>Evaluation:TimeoutSeconds</c>); this parser only validates the
/// override and passes it on where a client needs it up front (the HTTP connect timeout).
/// </remarks>
internal static class CheckSettingsParser
{
    /// <summary>The largest <c>TimeoutSeconds</c> accepted.</summary>
    public const double MaxTimeoutSeconds = 3600;

    private static readonly string TypeList = string.Join(", ", CheckTypes.All);

    // Which keys each type uses; Type, TimeoutSeconds and LatencyBudgetMilliseconds apply to all.
    private static readonly (string Key, Func<CheckOptions, bool> IsSet, string[] UsedBy)[] TypeKeys =
    [
        (nameof(CheckOptions.Path), o => !string.IsNullOrEmpty(o.Path), [CheckTypes.Filesystem]),
        (nameof(CheckOptions.Url), o => !string.IsNullOrEmpty(o.Url), [CheckTypes.Http, CheckTypes.Registry]),
        (nameof(CheckOptions.Method), o => !string.IsNullOrEmpty(o.Method), [CheckTypes.Http]),
        (nameof(CheckOptions.Headers), o => o.Headers is { Count: > 0 }, [CheckTypes.Http]),
        (nameof(CheckOptions.Username), o => !string.IsNullOrEmpty(o.Username), [CheckTypes.Http, CheckTypes.Registry]),
        (nameof(CheckOptions.Password), o => !string.IsNullOrEmpty(o.Password), [CheckTypes.Http, CheckTypes.Redis, CheckTypes.Registry]),
        (nameof(CheckOptions.BearerToken), o => !string.IsNullOrEmpty(o.BearerToken), [CheckTypes.Http]),
        (nameof(CheckOptions.ExpectedStatusCodes), o => o.ExpectedStatusCodes is { Count: > 0 }, [CheckTypes.Http]),
        (nameof(CheckOptions.BodyContains), o => !string.IsNullOrEmpty(o.BodyContains), [CheckTypes.Http]),
        (nameof(CheckOptions.Endpoint), o => !string.IsNullOrEmpty(o.Endpoint), [CheckTypes.Tcp, CheckTypes.Redis]),
        (nameof(CheckOptions.ConnectionString), o => !string.IsNullOrEmpty(o.ConnectionString), [CheckTypes.Postgres]),
        (nameof(CheckOptions.Query), o => !string.IsNullOrEmpty(o.Query), [CheckTypes.Postgres]),
        (nameof(CheckOptions.Repository), o => !string.IsNullOrEmpty(o.Repository), [CheckTypes.Registry]),
        (nameof(CheckOptions.Reference), o => !string.IsNullOrEmpty(o.Reference), [CheckTypes.Registry]),
        (nameof(CheckOptions.Name), o => !string.IsNullOrEmpty(o.Name), [CheckTypes.Dns]),
        (nameof(CheckOptions.RecordType), o => !string.IsNullOrEmpty(o.RecordType), [CheckTypes.Dns]),
        (nameof(CheckOptions.Servers), o => o.Servers is { Count: > 0 }, [CheckTypes.Dns]),
        (nameof(CheckOptions.ExpectAddresses), o => o.ExpectAddresses is { Count: > 0 }, [CheckTypes.Dns]),
    ];

    /// <summary>
    /// The settings <paramref name="options"/> describe, or null after adding every problem to
    /// <paramref name="errors"/>. <paramref name="path"/> is the section's key path (<c>Health:Resources:2:Check</c>).
    /// Never throws for bad configuration.
    /// </summary>
    public static CheckDefinition? TryParse(CheckOptions options, string path, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(errors);
        int before = errors.Count;

        if (options.TimeoutSeconds is double timeout && !(timeout > 0 && timeout <= MaxTimeoutSeconds))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"{path}:TimeoutSeconds: must be greater than 0 and at most {MaxTimeoutSeconds} (got {timeout})"));
        }

        var budget = ValidateLatencyBudget(options, path, errors);
        if (string.IsNullOrWhiteSpace(options.Type))
        {
            errors.Add($"{path}:Type: required (one of {TypeList})");
            return null;
        }

        string? type = CheckTypes.All.FirstOrDefault(t => string.Equals(t, options.Type.Trim(), StringComparison.OrdinalIgnoreCase));
        if (type is null)
        {
            errors.Add($"{path}:Type: '{options.Type}' is not one of {TypeList}");
            return null;
        }

        foreach (var (key, isSet, usedBy) in TypeKeys)
        {
            if (isSet(options) && !usedBy.Contains(type))
            {
                errors.Add($"{path}:{key}: not used by Type {type}");
            }
        }

        ICheckSettings? settings = type switch
        {
            CheckTypes.Filesystem => ParseFilesystem(options, path, errors, before),
            CheckTypes.Http => ParseHttp(options, path, errors, before),
            CheckTypes.Tcp => ParseTcp(options, path, errors, before),
            CheckTypes.Redis => ParseRedis(options, path, errors, before),
            CheckTypes.Registry => ParseRegistry(options, path, errors, before),
            CheckTypes.Dns => ParseDns(options, path, errors, before),
            _ => ParsePostgres(options, path, errors, before),
        };

        // The budget is one rule for every type, applied around the check rather than inside each.
        return settings is null || errors.Count != before ? null : new CheckDefinition(settings, budget);
    }

    /// <summary>
    /// <c>LatencyBudgetMilliseconds</c>: greater than 0 and less than the check's timeout. Only an explicit
    /// <c>TimeoutSeconds</c> is known here; the relation to <c>Evaluation:TimeoutSeconds</c> is
    /// <see cref="HealthOptionsValidator"/>'s to check.
    /// </summary>
    private static TimeSpan? ValidateLatencyBudget(CheckOptions options, string path, List<string> errors)
    {
        if (options.LatencyBudgetMilliseconds is not double milliseconds)
        {
            return null;
        }

        if (!(milliseconds > 0 && milliseconds < MaxTimeoutSeconds * 1000))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"{path}:LatencyBudgetMilliseconds: must be greater than 0 and less than the check's timeout (got {milliseconds})"));
            return null;
        }

        if (options.TimeoutSeconds is double timeout && timeout > 0 && milliseconds >= timeout * 1000)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"{path}:LatencyBudgetMilliseconds: must be less than TimeoutSeconds ({timeout * 1000} ms)"));
            return null;
        }

        return TimeSpan.FromMilliseconds(milliseconds);
    }

    private static FilesystemCheckSettings? ParseFilesystem(CheckOptions options, string path, List<string> errors, int before)
    {
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            errors.Add($"{path}:Path: required for Type Filesystem");
        }
        else if (options.Path.Contains('\0', StringComparison.Ordinal) || !System.IO.Path.IsPathFullyQualified(options.Path))
        {
            errors.Add($"{path}:Path: '{options.Path}' is not an absolute path");
        }

        return errors.Count == before ? new FilesystemCheckSettings(options.Path!) : null;
    }

    private static HttpCheckSettings? ParseHttp(CheckOptions options, string path, List<string> errors, int before)
    {
        Uri? url = null;
        if (string.IsNullOrWhiteSpace(options.Url))
        {
            errors.Add($"{path}:Url: required for Type Http");
        }
        else if (!Uri.TryCreate(options.Url, UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{path}:Url: '{options.Url}' is not an absolute http or https URL");
        }
        else if (!string.IsNullOrEmpty(url.UserInfo))
        {
            // Not echoed: it holds a password.
            errors.Add($"{path}:Url: must not carry credentials (they are not sent); use Username and Password");
        }

        var method = HttpMethod.Get;
        if (!string.IsNullOrEmpty(options.Method))
        {
            if (IsToken(options.Method))
            {
                method = HttpMethod.Parse(options.Method);
            }
            else
            {
                errors.Add($"{path}:Method: '{options.Method}' is not an HTTP method");
            }
        }

        bool hasUser = !string.IsNullOrEmpty(options.Username);
        bool hasPassword = !string.IsNullOrEmpty(options.Password);
        bool hasToken = !string.IsNullOrEmpty(options.BearerToken);
        var headers = ValidateHeaders(options, path, hasUser || hasPassword || hasToken, errors);

        AuthenticationHeaderValue? authorization = null;
        if (hasToken && (hasUser || hasPassword))
        {
            errors.Add($"{path}:BearerToken: cannot be combined with Username/Password");
        }
        else if (hasToken)
        {
            if (options.BearerToken!.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                errors.Add($"{path}:BearerToken: must not contain spaces or control characters");
            }
            else
            {
                authorization = HttpCheckSettings.Bearer(options.BearerToken!);
            }
        }
        else if (hasPassword && !hasUser)
        {
            errors.Add($"{path}:Username: required when Password is set");
        }
        else if (hasUser)
        {
            if (options.Username!.Contains(':', StringComparison.Ordinal))
            {
                errors.Add($"{path}:Username: must not contain ':' (RFC 7617)");
            }
            else
            {
                authorization = HttpCheckSettings.Basic(options.Username, options.Password);
            }
        }

        var expected = new List<StatusCodeRange>();
        for (int i = 0; i < options.ExpectedStatusCodes.Count; i++)
        {
            string entry = options.ExpectedStatusCodes[i];
            if (StatusCodeRange.TryParse(entry, out var range))
            {
                expected.Add(range);
            }
            else
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{path}:ExpectedStatusCodes:{i}: '{entry}' is not a status code or range ({StatusCodeRange.LowestStatusCode}-{StatusCodeRange.HighestStatusCode}, like \"200\" or \"200-299\")"));
            }
        }

        if (!string.IsNullOrEmpty(options.BodyContains) && method == HttpMethod.Head)
        {
            errors.Add($"{path}:BodyContains: a HEAD response has no body");
        }

        if (errors.Count != before)
        {
            return null;
        }

        return new HttpCheckSettings
        {
            Url = url!,
            Method = method,
            Headers = headers,
            Authorization = authorization,
            ExpectedStatusCodes = expected.Count > 0 ? expected : [HttpCheckSettings.DefaultStatusCodeRange],
            BodyContains = string.IsNullOrEmpty(options.BodyContains) ? null : options.BodyContains,
            ConnectTimeout = options.TimeoutSeconds is double seconds ? TimeSpan.FromSeconds(seconds) : null,
        };
    }

    private static RegistryCheckSettings? ParseRegistry(CheckOptions options, string path, List<string> errors, int before)
    {
        Uri? url = null;
        if (string.IsNullOrWhiteSpace(options.Url))
        {
            errors.Add($"{path}:Url: required for Type Registry (the registry's base URL, like http://127.0.0.11:5000)");
        }
        else if (!Uri.TryCreate(options.Url, UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{path}:Url: '{options.Url}' is not an absolute http or https URL");
        }
        else if (!string.IsNullOrEmpty(url.UserInfo))
        {
            errors.Add($"{path}:Url: must not carry credentials (they are not sent); use Username and Password");
        }
        else if (url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            errors.Add($"{path}:Url: '{options.Url}' must not have a query or fragment (give the registry's base URL, like http://127.0.0.11:5000)");
        }
        else if (url.AbsolutePath.TrimEnd('/').EndsWith("/v2", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{path}:Url: '{options.Url}' is the API root; give the registry's base URL (like http://127.0.0.11:5000): /v2/ is added");
        }

        if (string.IsNullOrEmpty(options.Repository))
        {
            errors.Add($"{path}:Repository: required for Type Registry (the canary image's repository, like canary)");
        }
        else if (!DistributionNames.IsRepository(options.Repository))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"{path}:Repository: '{options.Repository}' is not a repository name (lower-case components like canary or team/canary: a-z, 0-9 and single '.', '_', '__' or dashes between them, joined by '/', at most {DistributionNames.MaxRepositoryLength} characters)"));
        }

        if (!string.IsNullOrEmpty(options.Reference) && !DistributionNames.IsReference(options.Reference))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"{path}:Reference: '{options.Reference}' is neither a tag (A-Z, a-z, 0-9, '_', '.', '-', not starting with '.' or '-', at most {DistributionNames.MaxTagLength} characters) nor a digest (sha256: and 64 lower-case hex digits)"));
        }

        bool hasUser = !string.IsNullOrEmpty(options.Username);
        if (!string.IsNullOrEmpty(options.Password) && !hasUser)
        {
            errors.Add($"{path}:Username: required when Password is set");
        }
        else if (hasUser && options.Username!.Contains(':', StringComparison.Ordinal))
        {
            errors.Add($"{path}:Username: must not contain ':' (RFC 7617)");
        }

        if (errors.Count != before)
        {
            return null;
        }

        string baseText = url!.GetLeftPart(UriPartial.Path);
        return new RegistryCheckSettings
        {
            BaseUrl = new Uri(baseText.EndsWith('/') ? baseText : baseText + "/"),
            Repository = options.Repository!,
            Reference = string.IsNullOrEmpty(options.Reference) ? RegistryCheckSettings.DefaultReference : options.Reference,
            Username = hasUser ? options.Username : null,
            Password = hasUser ? options.Password : null,
            ConnectTimeout = options.TimeoutSeconds is double seconds ? TimeSpan.FromSeconds(seconds) : null,
        };
    }

    private static List<KeyValuePair<string, string>> ValidateHeaders(CheckOptions options, string path, bool hasCredentials, List<string> errors)
    {
        var headers = new List<KeyValuePair<string, string>>();
        if (options.Headers is null)
        {
            return headers;
        }

        using var probe = new HttpRequestMessage();
        foreach (var (name, value) in options.Headers)
        {
            string key = $"{path}:Headers:{name}";
            if (!IsToken(name))
            {
                errors.Add($"{key}: '{name}' is not a valid header name");
                continue;
            }

            if (value is null || value.Any(c => c is '\r' or '\n' or '\0'))
            {
                errors.Add($"{key}: the value must be set and must not contain line breaks");
                continue;
            }

            if (string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase))
            {
                try
                {
                    probe.Headers.Host = value;
                }
                catch (FormatException)
                {
                    errors.Add($"{key}: '{value}' is not a valid host");
                    continue;
                }
            }
            else if (string.Equals(name, "Authorization", StringComparison.OrdinalIgnoreCase) && hasCredentials)
            {
                errors.Add($"{key}: conflicts with Username/Password/BearerToken");
                continue;
            }
            else if (!probe.Headers.TryAddWithoutValidation(name, value))
            {
                errors.Add($"{key}: '{name}' cannot be sent as a request header (a content header on a request without a body)");
                continue;
            }

            headers.Add(new KeyValuePair<string, string>(name, value));
        }

        return headers;
    }

    private static TcpCheckSettings? ParseTcp(CheckOptions options, string path, List<string> errors, int before)
    {
        var endpoint = ValidateEndpoint(options, path, CheckTypes.Tcp, errors);
        return errors.Count == before ? new TcpCheckSettings(endpoint!) : null;
    }

    private static RedisCheckSettings? ParseRedis(CheckOptions options, string path, List<string> errors, int before)
    {
        var endpoint = ValidateEndpoint(options, path, CheckTypes.Redis, errors);
        return errors.Count == before ? new RedisCheckSettings(endpoint!, string.IsNullOrEmpty(options.Password) ? null : options.Password) : null;
    }

    private static HostEndpoint? ValidateEndpoint(CheckOptions options, string path, string type, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(options.Endpoint))
        {
            errors.Add($"{path}:Endpoint: required for Type {type}");
            return null;
        }

        if (!HostEndpoint.TryParse(options.Endpoint, out var endpoint))
        {
            errors.Add($"{path}:Endpoint: '{options.Endpoint}' is not host:port (like 127.0.0.1:6379, cache.internal:6379 or [::1]:6379)");
            return null;
        }

        return endpoint;
    }

    private static DnsCheckSettings? ParseDns(CheckOptions options, string path, List<string> errors, int before)
    {
        var settings = DnsCheckSettings.TryCreate(options, path, errors);
        return errors.Count == before ? settings : null;
    }

    private static PostgresCheckSettings? ParsePostgres(CheckOptions options, string path, List<string> errors, int before)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add($"{path}:ConnectionString: required for Type Postgres");
        }
        else
        {
            // The connection string is never echoed: it may hold a password.
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.Host))
                {
                    errors.Add($"{path}:ConnectionString: has no Host");
                }
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException or KeyNotFoundException or InvalidOperationException)
            {
                errors.Add($"{path}:ConnectionString: not a valid Npgsql connection string: {ex.Message}");
            }
        }

        if (options.Query is not null && string.IsNullOrWhiteSpace(options.Query))
        {
            errors.Add($"{path}:Query: must not be empty (leave it out for {PostgresCheck.DefaultQuery})");
        }

        return errors.Count == before ? new PostgresCheckSettings(options.ConnectionString!, options.Query) : null;
    }

    /// <summary>An RFC 9110 token (<c>tchar</c>): header names and methods.</summary>
    private static bool IsToken(string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));
}
