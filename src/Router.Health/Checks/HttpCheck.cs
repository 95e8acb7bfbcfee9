using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Router.Http;

namespace Router.Health.Checks;

/// <summary>
/// Sends one HTTP request and checks the status code and, optionally, that the body contains a text. Redirects are
/// not followed (a 302 is a status like any other), no proxy is used (the probe must reach the dependency itself)
/// and cookies are not kept.
/// </summary>
/// <remarks>
/// One <see cref="SocketsHttpHandler"/> per check, so the check reuses connections between probes but never
/// shares them with other checks; <see cref="SocketsHttpHandler.PooledConnectionLifetime"/> is short so that a
/// dependency that moved (DNS change, failover) is reached at its new address within seconds. Dispose the check
/// when a configuration reload replaces it. Thread-safe.
/// </remarks>
internal sealed class HttpCheck : IResourceCheck, IDisposable
{
    /// <summary>How much of a body <see cref="HttpCheckSettings.BodyContains"/> looks at.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>How long a pooled connection is reused at most.</summary>
    public static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromSeconds(30);

    private const string UserAgent = "router-health";

    private readonly TimeProvider _timeProvider;
    private readonly HttpMessageInvoker _invoker;

    public HttpCheck(HttpCheckSettings settings, TimeProvider timeProvider)
        : this(settings, timeProvider, CreateHandler(settings.ConnectTimeout), disposeHandler: true)
    {
    }

    /// <summary>For tests: sends through <paramref name="handler"/>.</summary>
    internal HttpCheck(HttpCheckSettings settings, TimeProvider timeProvider, HttpMessageHandler handler, bool disposeHandler)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(handler);
        Settings = settings;
        _timeProvider = timeProvider;
        _invoker = new HttpMessageInvoker(handler, disposeHandler);
    }

    public string Type => CheckTypes.Http;

    public HttpCheckSettings Settings { get; }

    public Task<CheckResult> CheckAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        CheckExecution.RunAsync(_timeProvider, timeout, ProbeAsync, Describe, cancellationToken);

    public void Dispose() => _invoker.Dispose();

    /// <summary>
    /// The handler of an HTTP-speaking check (Http, Registry): connections renewed every
    /// <see cref="PooledConnectionLifetime"/>, no redirects followed, no proxy, no cookies, no decompression.
    /// </summary>
    internal static SocketsHttpHandler CreateHandler(TimeSpan? connectTimeout) => new()
    {
        PooledConnectionLifetime = PooledConnectionLifetime,
        PooledConnectionIdleTimeout = PooledConnectionLifetime,
        ConnectTimeout = connectTimeout ?? Timeout.InfiniteTimeSpan,
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    };

    private async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(Settings.Method, Settings.Url);
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        ConfiguredHeaders.Apply(request, Settings.Headers);

        if (Settings.Authorization is not null)
        {
            request.Headers.Authorization = Settings.Authorization;
        }

        using var response = await _invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
        int status = (int)response.StatusCode;
        if (!Settings.ExpectedStatusCodes.Any(range => range.Contains(status)))
        {
            return string.Create(CultureInfo.InvariantCulture, $"status {status}, expected {StatusCodeRange.Format(Settings.ExpectedStatusCodes)}");
        }

        if (Settings.BodyContains is { Length: > 0 } expected)
        {
            var (body, truncated) = await ReadBodyAsync(response.Content, cancellationToken).ConfigureAwait(false);
            if (!body.Contains(expected, StringComparison.Ordinal))
            {
                return truncated
                    ? $"body does not contain '{expected}' (in its first {MaxBodyBytes / 1024} KiB)"
                    : $"body does not contain '{expected}'";
            }
        }

        return null;
    }

    /// <summary>Reads at most <see cref="MaxBodyBytes"/>, whatever Content-Length says.</summary>
    private static async Task<(string Body, bool Truncated)> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxBodyBytes + 1);
        try
        {
            var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                int length = await stream.ReadAtLeastAsync(buffer.AsMemory(0, MaxBodyBytes + 1), MaxBodyBytes + 1,
                    throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                bool truncated = length > MaxBodyBytes;
                return (Encoding.UTF8.GetString(buffer, 0, Math.Min(length, MaxBodyBytes)), truncated);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// An HTTP client error in words (<c>connection refused</c>, see <see cref="FailureWording.DescribeHttpError"/>; else the
    /// innermost message), or null when it is not one (then it is ours: Inconclusive).
    /// </summary>
    internal static string? Describe(Exception exception) =>
        exception is HttpRequestException or IOException
            ? FailureWording.DescribeHttpError(exception) ?? FailureWording.Innermost(exception)
            : null;
}
