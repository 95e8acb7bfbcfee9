using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Router.Health.Checks;

/// <summary>What one <see cref="RegistryCheck"/> pulls; built and validated by <see cref="CheckFactory"/>.</summary>
internal sealed record RegistryCheckSettings
{
    /// <summary>The tag pulled when <c>Reference</c> is not set.</summary>
    public const string DefaultReference = "latest";

    /// <summary>The registry's base URL (http or https, path ending in <c>/</c>); <c>v2/…</c> is resolved against it.</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>The canary's repository, valid by <see cref="DistributionNames.IsRepository"/>.</summary>
    public required string Repository { get; init; }

    /// <summary>A tag or digest. <value>The default value is <c>latest</c>.</value></summary>
    public string Reference { get; init; } = DefaultReference;

    /// <summary>Basic credentials for the registry (Basic challenge) or its token endpoint (Bearer challenge); null for anonymous.</summary>
    public string? Username { get; init; }

    /// <summary>The password of <see cref="Username"/>.</summary>
    public string? Password { get; init; }

    /// <summary>The TCP connect timeout of the handler; null leaves connecting bounded by the probe's timeout alone.</summary>
    public TimeSpan? ConnectTimeout { get; init; }
}

/// <summary>
/// Pulls the metadata of a canary image the way a registry client (docker, skopeo) does, over the distribution API:
/// <c>GET /v2/&lt;repository&gt;/manifests/&lt;reference&gt;</c> (answering a 401's Basic or Bearer challenge),
/// the first manifest of an index, then <c>HEAD /v2/&lt;repository&gt;/blobs/&lt;digest&gt;</c> of the config blob
/// (or the first layer), following one redirect to blob storage. Passes only when every step succeeds.
/// </summary>
/// <remarks>
/// <para>
/// Why a pull and not <c>GET /v2/</c>: a registry whose storage was wiped, made unreadable or corrupted, or whose
/// credentials or token service broke, still answers its API root. Only reading a manifest and a blob goes through
/// storage (and, for blobs, through the blob-descriptor cache) as a client's pull does.
/// </para>
/// <para>
/// Every probe starts anonymous and authenticates on the challenge it gets, fetching a fresh token each time: the
/// auth path (htpasswd or token service) is part of what is checked, and nothing is cached between probes. A
/// manifest fetched by digest (the reference, or an index entry) must hash to that digest, and a manifest's
/// <c>Docker-Content-Digest</c> must match its content; a blob's <c>Content-Length</c> must match the manifest's
/// size. Credentials go to the registry and to the token realm it names, never to a redirect target on another
/// origin (pre-signed storage URLs refuse them). No proxy, no cookies, no automatic redirects.
/// </para>
/// <para>
/// One <see cref="SocketsHttpHandler"/> per check, pooled connections living at most
/// <see cref="HttpCheck.PooledConnectionLifetime"/>. Stateless between probes; thread-safe. Dispose it when a
/// configuration reload replaces it.
/// </para>
/// </remarks>
internal sealed class RegistryCheck : IResourceCheck, IDisposable
{
    /// <summary>The largest manifest read (the distribution API's own limit for a manifest).</summary>
    public const int MaxManifestBytes = 4 * 1024 * 1024;

    /// <summary>The most read of an error body or a token answer.</summary>
    public const int MaxSmallBodyBytes = 64 * 1024;

    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>What a manifest GET accepts: image manifests and indexes, OCI and Docker v2 (not schema 1).</summary>
    public static readonly IReadOnlyList<string> ManifestMediaTypes = [OciManifest, DockerManifest, OciIndex, DockerManifestList];

    private const string UserAgent = "router-health";
    private const int MaxReportedMessageLength = 200;

    private readonly TimeProvider _timeProvider;
    private readonly HttpMessageInvoker _invoker;

    public RegistryCheck(RegistryCheckSettings settings, TimeProvider timeProvider)
        : this(settings, timeProvider, CreateHandler(settings), disposeHandler: true)
    {
    }

    /// <summary>For tests: sends through <paramref name="handler"/>.</summary>
    internal RegistryCheck(RegistryCheckSettings settings, TimeProvider timeProvider, HttpMessageHandler handler, bool disposeHandler)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(handler);
        Settings = settings;
        _timeProvider = timeProvider;
        _invoker = new HttpMessageInvoker(handler, disposeHandler);
    }

    public string Type => CheckTypes.Registry;

    public RegistryCheckSettings Settings { get; }

    public Task<CheckResult> CheckAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        CheckExecution.RunAsync(_timeProvider, timeout, ProbeAsync, HttpCheck.Describe, cancellationToken);

    public void Dispose() => _invoker.Dispose();

    private static SocketsHttpHandler CreateHandler(RegistryCheckSettings settings) => new()
    {
        PooledConnectionLifetime = HttpCheck.PooledConnectionLifetime,
        PooledConnectionIdleTimeout = HttpCheck.PooledConnectionLifetime,
        ConnectTimeout = settings.ConnectTimeout ?? Timeout.InfiniteTimeSpan,
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
    };

    private async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        var session = new Session();
        var manifest = await GetManifestAsync(session, Settings.Reference, cancellationToken).ConfigureAwait(false);
        if (manifest.Failure is not null)
        {
            return manifest.Failure;
        }

        if (manifest.IsIndex)
        {
            // A client picks its platform; any one entry reads the same storage, so the first will do.
            if (manifest.Child is not { } child)
            {
                return "manifest GET 200: the index lists no manifests";
            }

            manifest = await GetManifestAsync(session, child.Digest, cancellationToken).ConfigureAwait(false);
            if (manifest.Failure is not null)
            {
                return manifest.Failure;
            }

            if (manifest.IsIndex)
            {
                return $"manifest GET 200: the index's first entry {child.Digest} is another index";
            }
        }

        if (manifest.Blob is not { } blob)
        {
            return "manifest GET 200: the manifest names no config or layer blob";
        }

        return await HeadBlobAsync(session, blob, cancellationToken).ConfigureAwait(false);
    }

    private Uri Api(string relative) => new(Settings.BaseUrl, "v2/" + Settings.Repository + "/" + relative);

    private async Task<ManifestRead> GetManifestAsync(Session session, string reference, CancellationToken cancellationToken)
    {
        var url = Api("manifests/" + reference);
        var (response, failure) = await SendAsync(session, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            foreach (string mediaType in ManifestMediaTypes)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
            }

            return request;
        }, cancellationToken).ConfigureAwait(false);
        if (response is null)
        {
            return ManifestRead.Failed(failure!);
        }

        using (response)
        {
            int status = (int)response.StatusCode;
            if (status != 200)
            {
                return ManifestRead.Failed(await DescribeStatusAsync("manifest GET", response, cancellationToken).ConfigureAwait(false));
            }

            if (response.Content.Headers.ContentLength is > MaxManifestBytes)
            {
                return ManifestRead.Failed(TooLarge(response.Content.Headers.ContentLength.Value));
            }

            var (body, truncated) = await ReadLimitedAsync(response.Content, MaxManifestBytes, cancellationToken).ConfigureAwait(false);
            if (truncated)
            {
                return ManifestRead.Failed(TooLarge(body.Length));
            }

            string content = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
            if (reference.StartsWith("sha256:", StringComparison.Ordinal) && reference != content)
            {
                return ManifestRead.Failed($"manifest GET 200: the content's digest is {content}, not the {reference} asked for");
            }

            if (response.Headers.TryGetValues("Docker-Content-Digest", out var digests)
                && digests.FirstOrDefault() is { } declared && declared.StartsWith("sha256:", StringComparison.Ordinal) && declared != content)
            {
                return ManifestRead.Failed($"manifest GET 200: the content's digest is {content}, Docker-Content-Digest says {declared}");
            }

            return ParseManifest(body, response.Content.Headers.ContentType?.MediaType);
        }

        static string TooLarge(long length) =>
            string.Create(CultureInfo.InvariantCulture, $"manifest GET 200: {length} bytes or more, larger than a manifest may be ({MaxManifestBytes / (1024 * 1024)} MiB)");
    }

    /// <summary>Reads what the probe needs of an image manifest or an index; anything else is a failure reason.</summary>
    internal static ManifestRead ParseManifest(byte[] body, string? contentType)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ManifestRead.Failed("manifest GET 200: the body is not a JSON object");
            }

            if (root.TryGetProperty("schemaVersion", out var schema) && schema.ValueKind == JsonValueKind.Number && schema.TryGetInt32(out int version) && version == 1)
            {
                return ManifestRead.Failed("manifest GET 200: a schema 1 manifest (not supported: push the canary as an OCI or Docker v2 image)");
            }

            string mediaType = root.TryGetProperty("mediaType", out var declared) && declared.ValueKind == JsonValueKind.String
                ? declared.GetString()!
                : contentType ?? "no media type";

            if (root.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array)
            {
                if (manifests.GetArrayLength() == 0)
                {
                    return ManifestRead.Index(null);
                }

                return TryDescriptor(manifests[0], "the index's first entry", out var child, out string? failure)
                    ? ManifestRead.Index(child)
                    : ManifestRead.Failed(failure!);
            }

            bool hasConfig = root.TryGetProperty("config", out var config) && config.ValueKind == JsonValueKind.Object;
            bool hasLayers = root.TryGetProperty("layers", out var layers) && layers.ValueKind == JsonValueKind.Array;
            if (!hasConfig && !hasLayers)
            {
                return ManifestRead.Failed($"manifest GET 200: not an image manifest or index ({mediaType})");
            }

            Descriptor? blob = null;
            if (hasConfig)
            {
                if (!TryDescriptor(config, "the config", out blob, out string? failure))
                {
                    return ManifestRead.Failed(failure!);
                }
            }
            else if (layers.GetArrayLength() > 0 && !TryDescriptor(layers[0], "the first layer", out blob, out string? failure))
            {
                return ManifestRead.Failed(failure!);
            }

            return ManifestRead.Image(blob);
        }
        catch (JsonException)
        {
            return ManifestRead.Failed("manifest GET 200: the body is not valid JSON");
        }
    }

    private static bool TryDescriptor(JsonElement element, string what, out Descriptor? descriptor, out string? failure)
    {
        descriptor = null;
        failure = null;
        string? digest = element.ValueKind == JsonValueKind.Object && element.TryGetProperty("digest", out var d) && d.ValueKind == JsonValueKind.String
            ? d.GetString()
            : null;
        if (!DistributionNames.IsDigest(digest))
        {
            failure = $"manifest GET 200: {what} has no valid digest";
            return false;
        }

        long? size = element.TryGetProperty("size", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out long value) && value >= 0 ? value : null;
        descriptor = new Descriptor(digest!, size);
        return true;
    }

    private async Task<string?> HeadBlobAsync(Session session, Descriptor blob, CancellationToken cancellationToken)
    {
        var url = Api("blobs/" + blob.Digest);
        var (response, failure) = await SendAsync(session, () => new HttpRequestMessage(HttpMethod.Head, url), cancellationToken).ConfigureAwait(false);
        if (response is null)
        {
            return failure;
        }

        using (response)
        {
            int status = (int)response.StatusCode;
            if (status == 200)
            {
                return CheckSize(response, blob, atRedirect: false);
            }

            if (!IsRedirect(status))
            {
                return status == 404 ? "blob HEAD 404: storage wiped?" : string.Create(CultureInfo.InvariantCulture, $"blob HEAD {status}");
            }

            // Blob storage behind a redirect (S3, a CDN): follow it once, as a client would for the GET.
            if (response.Headers.Location is not { } location)
            {
                return string.Create(CultureInfo.InvariantCulture, $"blob HEAD {status} without a Location");
            }

            var target = location.IsAbsoluteUri ? location : new Uri(url, location);
            if (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps)
            {
                return string.Create(CultureInfo.InvariantCulture, $"blob HEAD {status} to a location that is not http or https");
            }

            using var request = new HttpRequestMessage(HttpMethod.Head, target);
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            if (Uri.Compare(target, url, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0)
            {
                request.Headers.Authorization = session.Authorization;
            }

            using var redirected = await _invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
            int final = (int)redirected.StatusCode;
            if (final == 200)
            {
                return CheckSize(redirected, blob, atRedirect: true);
            }

            return IsRedirect(final)
                ? "blob HEAD redirected more than once"
                : string.Create(CultureInfo.InvariantCulture, $"blob HEAD {final} at the redirect target {target.Authority}");
        }
    }

    private static string? CheckSize(HttpResponseMessage response, Descriptor blob, bool atRedirect) =>
        response.Content.Headers.ContentLength is long length && blob.Size is long expected && length != expected
            ? string.Create(CultureInfo.InvariantCulture, $"blob HEAD 200{(atRedirect ? " at the redirect target" : string.Empty)}: {length} bytes, the manifest says {expected}")
            : null;

    private static bool IsRedirect(int status) => status is 301 or 302 or 303 or 307 or 308;

    /// <summary>
    /// Sends a request made by <paramref name="create"/>, answering one 401 challenge; later requests of the probe
    /// reuse the credentials. Returns the response (the caller disposes it) or a failure reason.
    /// </summary>
    private async Task<(HttpResponseMessage? Response, string? Failure)> SendAsync(Session session, Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        var response = await SendOnceAsync(create, session.Authorization, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return (response, null);
        }

        bool sentCredentials = session.Authorization is not null;
        var challenges = response.Headers.WwwAuthenticate.ToList();
        response.Dispose();
        if (sentCredentials)
        {
            return (null, "auth rejected: 401");
        }

        var (authorization, failure) = await AuthorizeAsync(challenges, cancellationToken).ConfigureAwait(false);
        if (authorization is null)
        {
            return (null, failure);
        }

        session.Authorization = authorization;
        response = await SendOnceAsync(create, authorization, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            return (null, "auth rejected: 401");
        }

        return (response, null);
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> create, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        using var request = create();
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        request.Headers.Authorization = authorization;
        return await _invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Answers a 401: a Bearer challenge with a token from its realm (preferred), a Basic one with the credentials.</summary>
    private async Task<(AuthenticationHeaderValue? Authorization, string? Failure)> AuthorizeAsync(List<AuthenticationHeaderValue> challenges, CancellationToken cancellationToken)
    {
        var bearer = challenges.FirstOrDefault(c => string.Equals(c.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase));
        if (bearer is not null)
        {
            return await FetchTokenAsync(ParseAuthParameters(bearer.Parameter), cancellationToken).ConfigureAwait(false);
        }

        if (challenges.Any(c => string.Equals(c.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)))
        {
            return Settings.Username is null
                ? (null, "auth rejected: 401 (the registry asks for Basic credentials; set Username and Password)")
                : (HttpCheckSettings.Basic(Settings.Username, Settings.Password), null);
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
            return (null, $"auth rejected: 401 with a Bearer challenge whose realm is not an http or https URL ({Printable(realm ?? "none")})");
        }

        var query = new StringBuilder(realmUri.Query.TrimStart('?'));
        if (challenge.TryGetValue("service", out string? service))
        {
            Append(query, "service", service);
        }

        Append(query, "scope", challenge.GetValueOrDefault("scope") ?? $"repository:{Settings.Repository}:pull");
        using var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(realmUri) { Query = query.ToString() }.Uri);
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (Settings.Username is not null)
        {
            request.Headers.Authorization = HttpCheckSettings.Basic(Settings.Username, Settings.Password);
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

        var (body, truncated) = await ReadLimitedAsync(response.Content, MaxSmallBodyBytes, cancellationToken).ConfigureAwait(false);
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

    private static string? ReadToken(byte[] body)
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
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The auth-params of a challenge (RFC 9110 §11.2: <c>name=token</c> or <c>name="quoted string"</c>, comma
    /// separated); names case-insensitive, the first of a repeated name wins. Malformed input ends the parse.
    /// </summary>
    internal static Dictionary<string, string> ParseAuthParameters(string? parameters)
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

    /// <summary>"manifest GET 404 (MANIFEST_UNKNOWN): storage wiped?", "manifest GET 500 (UNKNOWN): unknown error".</summary>
    private static async Task<string> DescribeStatusAsync(string step, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        int status = (int)response.StatusCode;
        var (body, _) = await ReadLimitedAsync(response.Content, MaxSmallBodyBytes, cancellationToken).ConfigureAwait(false);
        var (code, message) = ReadRegistryError(body);
        var text = new StringBuilder(step).Append(' ').Append(status.ToString(CultureInfo.InvariantCulture));
        if (code is not null)
        {
            text.Append(" (").Append(Printable(code)).Append(')');
        }

        if (status == 404)
        {
            // The canary was pushed once; if the registry no longer knows it, its storage lost it.
            text.Append(": storage wiped?");
        }
        else if (message is not null)
        {
            text.Append(": ").Append(Printable(message));
        }

        return text.ToString();
    }

    /// <summary>The first entry of a distribution error body, <c>{"errors":[{"code":…,"message":…}]}</c>, if that is what it is.</summary>
    private static (string? Code, string? Message) ReadRegistryError(byte[] body)
    {
        if (body.Length == 0)
        {
            return (null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
                && errors.GetArrayLength() > 0 && errors[0].ValueKind == JsonValueKind.Object)
            {
                var first = errors[0];
                return (String(first, "code"), String(first, "message"));
            }
        }
        catch (JsonException)
        {
            // Not a registry error body (a proxy's HTML page): the status says enough.
        }

        return (null, null);

        static string? String(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
    }

    /// <summary>Text from the other side, made safe for a one-line reason: control characters dropped, length capped.</summary>
    private static string Printable(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxReportedMessageLength));
        foreach (char c in text)
        {
            if (builder.Length == MaxReportedMessageLength)
            {
                return builder.Append('…').ToString();
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString();
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes, whatever Content-Length says; truncated when there was more.</summary>
    private static async Task<(byte[] Body, bool Truncated)> ReadLimitedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            byte[] chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = await stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit + 1 - buffer.Length)), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    buffer.Write(chunk, 0, read);
                    if (buffer.Length > limit)
                    {
                        return (buffer.ToArray()[..limit], true);
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            return (buffer.ToArray(), false);
        }
    }

    /// <summary>A blob or manifest a manifest points at.</summary>
    internal sealed record Descriptor(string Digest, long? Size);

    /// <summary>What one manifest GET found: a failure reason, an index (its first entry), or an image manifest (the blob to HEAD).</summary>
    internal sealed record ManifestRead(string? Failure, bool IsIndex, Descriptor? Child, Descriptor? Blob)
    {
        public static ManifestRead Failed(string failure) => new(failure, false, null, null);

        public static ManifestRead Index(Descriptor? child) => new(null, true, child, null);

        public static ManifestRead Image(Descriptor? blob) => new(null, false, null, blob);
    }

    /// <summary>The credentials one probe settled on; not shared between probes.</summary>
    private sealed class Session
    {
        public AuthenticationHeaderValue? Authorization { get; set; }
    }
}
