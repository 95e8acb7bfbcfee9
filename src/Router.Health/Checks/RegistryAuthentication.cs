using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Router.Health.Checks;

/// <summary>
/// How <see cref="RegistryCheck"/> answers a registry's 401: a Bearer challenge with a token fetched from the realm it
/// names (the distribution "Token Authentication Specification"), a Basic one with the configured credentials. A fresh
/// token every time: nothing is cached between probes. The challenge parameters and the token answer are untrusted
/// text; their parsers return a failure value and never throw.
/// </summary>
internal sealed class RegistryAuthentication
{
    private readonly RegistryCheckSettings _settings;
    private readonly HttpMessageInvoker _invoker;

    /// <summary>Authenticates for <paramref name="settings"/>' repository, sending the token request through <paramref name="invoker"/> (not disposed here).</summary>
    public RegistryAuthentication(RegistryCheckSettings settings, HttpMessageInvoker invoker)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(invoker);
        _settings = settings;
        _invoker = invoker;
    }

    /// <summary>Answers a 401: a Bearer challenge with a token from its realm (preferred), a Basic one with the credentials.</summary>
    public async Task<(AuthenticationHeaderValue? Authorization, string? Failure)> AuthorizeAsync(List<AuthenticationHeaderValue> challenges, CancellationToken cancellationToken)
    {
        var bearer = challenges.FirstOrDefault(c => string.Equals(c.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase));
        if (bearer is not null)
        {
            return await FetchTokenAsync(ParseChallengeParameters(bearer.Parameter), cancellationToken).ConfigureAwait(false);
        }

        if (challenges.Any(c => string.Equals(c.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)))
        {
            return _settings.Username is null
                ? (null, "auth rejected: 401 (the registry asks for Basic credentials; set Username and Password)")
                : (HttpCheckSettings.Basic(_settings.Username, _settings.Password), null);
        }

        return challenges.Count == 0
            ? (null, "auth rejected: 401 without a WWW-Authenticate challenge")
            : (null, $"auth rejected: 401 with an unsupported challenge ({challenges[0].Scheme})");
    }

    /// <summary>
    /// The token dance of the distribution auth spec ("Token Authentication Specification"): GET the realm with
    /// <c>service</c> and <c>scope</c> (default <c>repository:&lt;repository&gt;:pull</c>), Basic credentials when
    /// configured (anonymous otherwise), and take <c>token</c> (or OAuth2's <c>access_token</c>) from the JSON answer.
    /// </summary>
    private async Task<(AuthenticationHeaderValue? Authorization, string? Failure)> FetchTokenAsync(Dictionary<string, string> challenge, CancellationToken cancellationToken)
    {
        if (!challenge.TryGetValue("realm", out string? realm)
            || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri)
            || (realmUri.Scheme != Uri.UriSchemeHttp && realmUri.Scheme != Uri.UriSchemeHttps))
        {
            return (null, $"auth rejected: 401 with a Bearer challenge whose realm is not an http or https URL ({RegistryHttp.Printable(realm ?? "none")})");
        }

        var query = new StringBuilder(realmUri.Query.TrimStart('?'));
        if (challenge.TryGetValue("service", out string? service))
        {
            Append(query, "service", service);
        }

        Append(query, "scope", challenge.GetValueOrDefault("scope") ?? $"repository:{_settings.Repository}:pull");
        using var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(realmUri) { Query = query.ToString() }.Uri);
        request.Headers.TryAddWithoutValidation("User-Agent", RegistryHttp.UserAgent);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (_settings.Username is not null)
        {
            request.Headers.Authorization = HttpCheckSettings.Basic(_settings.Username, _settings.Password);
        }

        using var response = await _invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
        int status = (int)response.StatusCode;
        if (status is 401 or 403)
        {
            return (null, string.Create(CultureInfo.InvariantCulture, $"auth rejected: token endpoint {status}"));
        }

        if (status != 200)
        {
            return (null, string.Create(CultureInfo.InvariantCulture, $"token endpoint {status}"));
        }

        var (body, truncated) = await RegistryHttp.ReadLimitedAsync(response.Content, RegistryHttp.MaxSmallBodyBytes, cancellationToken).ConfigureAwait(false);
        string? token = truncated ? null : ReadToken(body);
        if (token is null)
        {
            return (null, "token endpoint 200 without a token");
        }

        if (token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return (null, "token endpoint 200 with a token that cannot be sent as a bearer token");
        }

        return (HttpCheckSettings.Bearer(token), null);

        static void Append(StringBuilder query, string name, string value)
        {
            if (query.Length > 0)
            {
                query.Append('&');
            }

            query.Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
    }

    /// <summary>
    /// The token of a token endpoint's JSON answer: <c>token</c>, else OAuth2's <c>access_token</c>; null when the
    /// body holds neither as a non-empty string, or is not JSON at all. Never throws: the body is untrusted bytes.
    /// </summary>
    public static string? ReadToken(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (string name in (ReadOnlySpan<string>)["token", "access_token"])
            {
                if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } token)
                {
                    return token;
                }
            }

            return null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: GetString on a string that is not valid UTF-8 (or a lone surrogate escape).
            return null;
        }
    }

    /// <summary>
    /// The auth-params of a challenge (RFC 9110 §11.2: <c>name=token</c> or <c>name="quoted string"</c>, comma
    /// separated); names case-insensitive, the first of a repeated name wins. Malformed input ends the parse: what
    /// was read before it is the result. Never throws.
    /// </summary>
    public static Dictionary<string, string> ParseChallengeParameters(string? parameters)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var text = (parameters ?? string.Empty).AsSpan();
        int i = 0;
        while (true)
        {
            while (i < text.Length && (text[i] == ',' || text[i] == ' ' || text[i] == '\t'))
            {
                i++;
            }

            int nameStart = i;
            while (i < text.Length && text[i] != '=' && text[i] != ',' && text[i] != ' ' && text[i] != '\t')
            {
                i++;
            }

            string name = text[nameStart..i].ToString();
            while (i < text.Length && (text[i] == ' ' || text[i] == '\t'))
            {
                i++;
            }

            if (name.Length == 0 || i >= text.Length || text[i] != '=')
            {
                return result;
            }

            i++;
            while (i < text.Length && (text[i] == ' ' || text[i] == '\t'))
            {
                i++;
            }

            var value = new StringBuilder();
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    value.Append(text[i]);
                    i++;
                }

                if (i >= text.Length)
                {
                    return result;
                }

                i++;
            }
            else
            {
                while (i < text.Length && text[i] != ',' && text[i] != ' ' && text[i] != '\t')
                {
                    value.Append(text[i]);
                    i++;
                }
            }

            result.TryAdd(name, value.ToString());
        }
    }
}
