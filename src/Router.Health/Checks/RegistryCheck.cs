using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Router.Health.Checks;

/// <summary>
/// Pulls the metadata of a canary image the way a registry client (docker, skopeo) does, over the distribution API:
/// <c>GET /v2/&lt;repository&gt;/manifests/&lt;reference&gt;</c> (answering a 401's Basic or Bearer challenge),
/// the first manifest of an index, then <c>HEAD /v2/&lt;repository&gt;/blobs/&lt;digest&gt;</c> of the config blob
/// (or the first layer), following one redirect to blob storage. Passes only when every step succeeds. This type is
/// the pull flow; a 401 is answered by <see cref="RegistryAuthentication"/>, a manifest body read by
/// <see cref="RegistryManifest"/>.
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
    private readonly TimeProvider _timeProvider;
    private readonly HttpMessageInvoker _invoker;
    private readonly RegistryAuthentication _authentication;

    public RegistryCheck(RegistryCheckSettings settings, TimeProvider timeProvider)
        : this(settings, timeProvider, HttpCheck.CreateHandler(settings.ConnectTimeout), disposeHandler: true)
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
        _authentication = new RegistryAuthentication(settings, _invoker);
    }

    public string Type => CheckTypes.Registry;

    public RegistryCheckSettings Settings { get; }

    public Task<CheckResult> CheckAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        CheckExecution.RunAsync(_timeProvider, timeout, ProbeAsync, HttpCheck.Describe, cancellationToken);

    public void Dispose() => _invoker.Dispose();

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
            foreach (string mediaType in RegistryManifest.ManifestMediaTypes)
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

            if (response.Content.Headers.ContentLength is > RegistryManifest.MaxManifestBytes)
            {
                return ManifestRead.Failed(TooLarge(response.Content.Headers.ContentLength.Value));
            }

            var (body, truncated) = await RegistryHttp.ReadLimitedAsync(response.Content, RegistryManifest.MaxManifestBytes, cancellationToken).ConfigureAwait(false);
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

            return RegistryManifest.Parse(body, response.Content.Headers.ContentType?.MediaType);
        }

        static string TooLarge(long length) =>
            string.Create(CultureInfo.InvariantCulture, $"manifest GET 200: {length} bytes or more, larger than a manifest may be ({RegistryManifest.MaxManifestBytes / (1024 * 1024)} MiB)");
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
            request.Headers.TryAddWithoutValidation("User-Agent", RegistryHttp.UserAgent);
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

        var (authorization, failure) = await _authentication.AuthorizeAsync(challenges, cancellationToken).ConfigureAwait(false);
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
        request.Headers.TryAddWithoutValidation("User-Agent", RegistryHttp.UserAgent);
        request.Headers.Authorization = authorization;
        return await _invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }


    /// <summary>"manifest GET 404 (MANIFEST_UNKNOWN): storage wiped?", "manifest GET 500 (UNKNOWN): unknown error".</summary>
    private static async Task<string> DescribeStatusAsync(string step, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        int status = (int)response.StatusCode;
        var (body, _) = await RegistryHttp.ReadLimitedAsync(response.Content, RegistryHttp.MaxSmallBodyBytes, cancellationToken).ConfigureAwait(false);
        var (code, message) = ReadRegistryError(body);
        var text = new StringBuilder(step).Append(' ').Append(status.ToString(CultureInfo.InvariantCulture));
        if (code is not null)
        {
            text.Append(" (").Append(RegistryHttp.Printable(code)).Append(')');
        }

        if (status == 404)
        {
            // The canary was pushed once; if the registry no longer knows it, its storage lost it.
            text.Append(": storage wiped?");
        }
        else if (message is not null)
        {
            text.Append(": ").Append(RegistryHttp.Printable(message));
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
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not a registry error body (a proxy's HTML page; InvalidOperationException: a string that is not valid
            // UTF-8): the status says enough.
        }

        return (null, null);

        static string? String(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
    }


    /// <summary>The credentials one probe settled on; not shared between probes.</summary>
    private sealed class Session
    {
        public AuthenticationHeaderValue? Authorization { get; set; }
    }
}
