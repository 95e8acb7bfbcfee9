using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Router.Http;
using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Monitoring;

/// <summary>
/// One HTTP(S) probe attempt, as Traffic Manager's probes: a <c>GET</c> of <c>{protocol}://{target}:{Port}{Path}</c>
/// with the configured headers; a status in the expected ranges is a success.
/// </summary>
/// <remarks>
/// Redirects are not followed (a 301 is a failure unless it is expected), HTTPS certificates are not validated (a
/// certificate must be presented, its errors are ignored), the body is not read (the response is disposed once its
/// headers arrive), no proxy and no cookies. A <c>Host</c> header replaces the URL's host in the request and in TLS
/// SNI, not where the attempt connects. Every attempt opens its own connection (<c>Connection: close</c>), through
/// <see cref="ProbeConnector"/> with the attempt's own connect timeout, so a dead listener is seen at once rather than
/// through a stale pooled connection, and a connect failure is told apart from a failure after connecting. One
/// <see cref="SocketsHttpHandler"/> serves every endpoint. Thread-safe.
/// </remarks>
internal sealed class HttpProbeAttempt : IDisposable
{
    /// <summary>The <c>User-Agent</c> sent unless the headers set one.</summary>
    public const string UserAgent = "Router-TrafficManager-Endpoint-Monitor";

    private static readonly HttpRequestOptionsKey<ProbeAttemptState> AttemptStateKey = new("Router.TrafficManager.AttemptState");

    private readonly ProbeConnector _connector;
    private readonly HttpClient _client;

    /// <param name="connector">The connect step.</param>
    /// <param name="handler">For tests: sends requests through this handler (not disposed here); null for the real one.</param>
    public HttpProbeAttempt(ProbeConnector connector, HttpMessageHandler? handler = null)
    {
        _connector = connector ?? throw new ArgumentNullException(nameof(connector));
        _client = handler is null
            ? new HttpClient(CreateHandler(), disposeHandler: true)
            : new HttpClient(handler, disposeHandler: false);
        _client.Timeout = Timeout.InfiniteTimeSpan;
    }

    public void Dispose() => _client.Dispose();

    public async Task<ProbeAttemptOutcome> RunAsync(string target, ProbeAttemptSettings attempt, ProbeAttemptState state, CancellationToken cancellationToken)
    {
        if (!TryBuildUri(attempt.Protocol, target, attempt.Port, attempt.Path, out var uri))
        {
            return ProbeAttemptOutcome.Failure($"'{target}' with port {attempt.Port} and path '{attempt.Path}' is not a valid URL", connectFailed: false);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, uri)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Headers.ConnectionClose = true;
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        ConfiguredHeaders.Apply(request, attempt.Headers);
        request.Options.Set(AttemptStateKey, state);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            return StatusCodeRange.AnyContains(attempt.ExpectedStatusCodes, status)
                ? ProbeAttemptOutcome.Success(status)
                : ProbeAttemptOutcome.Failure(string.Create(CultureInfo.InvariantCulture,
                    $"status {status} not in {StatusCodeRange.Format(attempt.ExpectedStatusCodes)}"), connectFailed: false, status);
        }
        catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return TryDescribeConnectFailure(ex, out string? error, out bool fallbackEligible)
                ? ProbeAttemptOutcome.Failure(error!, fallbackEligible)
                : ProbeAttemptOutcome.Failure(DescribeFailure(ex), connectFailed: false);
        }
    }

    /// <summary>
    /// Whether <paramref name="exception"/> says that no connection could be made: <paramref name="error"/> in words, and
    /// whether it lets the fallback run (refused or connect timeout).
    /// </summary>
    public static bool TryDescribeConnectFailure(HttpRequestException exception, out string? error, out bool fallbackEligible)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is ProbeConnector.ConnectException connect)
            {
                (error, fallbackEligible) = (connect.Message, connect.FallbackEligible);
                return true;
            }

            // A handler without our connect callback (tests): a refusal can only happen while connecting.
            if (current is SocketException { SocketErrorCode: SocketError.ConnectionRefused } refused)
            {
                (error, fallbackEligible) = (FailureWording.DescribeSocketError(refused), true);
                return true;
            }
        }

        (error, fallbackEligible) = (null, false);
        return false;
    }

    /// <summary>A probe's failure in words: <see cref="FailureWording.DescribeHttpError"/>, else <c>probe failed: …</c>.</summary>
    public static string DescribeFailure(Exception exception) =>
        FailureWording.DescribeHttpError(exception) ?? $"probe failed: {FailureWording.Innermost(exception)}";

    /// <summary><c>{scheme}://{target}:{port}{path}</c>, an IPv6 target in brackets.</summary>
    internal static bool TryBuildUri(MonitorProtocol protocol, string target, int port, string path, out Uri uri)
    {
        string scheme = protocol == MonitorProtocol.Https ? Uri.UriSchemeHttps : Uri.UriSchemeHttp;
        string host = IPAddress.TryParse(target, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6
            ? "[" + address.ToString().Replace("%", "%25", StringComparison.Ordinal) + "]"
            : target;
        string rooted = path.StartsWith('/') ? path : "/" + path;
        return Uri.TryCreate(string.Create(CultureInfo.InvariantCulture, $"{scheme}://{host}:{port}{rooted}"), UriKind.Absolute, out uri!);
    }

    private SocketsHttpHandler CreateHandler() => CreateHandler(ConnectAsync, TimeSpan.FromSeconds(30));

    /// <summary>
    /// A handler as the monitors' requests need it: no redirects, proxy, cookies or decompression; HTTPS certificates
    /// must be presented but are not validated (as Traffic Manager); connections through <paramref name="connect"/>.
    /// </summary>
    internal static SocketsHttpHandler CreateHandler(Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> connect, TimeSpan pooledConnectionLifetime) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = pooledConnectionLifetime,
        PooledConnectionIdleTimeout = pooledConnectionLifetime,
        ConnectCallback = connect,
        SslOptions =
        {
            // As Traffic Manager: the certificate must be there, its validity is not checked.
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
        },
    };

    /// <summary>The handler's connect step: the attempt's own connect timeout, and the attempt learns that it connected.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var state = context.InitialRequestMessage.Options.TryGetValue(AttemptStateKey, out var value) ? value : null;
        var socket = await _connector.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port,
            state?.ConnectTimeout ?? ProbeSettings.MaxTimeout, sends: true, cancellationToken).ConfigureAwait(false);
        if (state is not null)
        {
            state.Connected = true;
        }

        return new NetworkStream(socket, ownsSocket: true);
    }
}
