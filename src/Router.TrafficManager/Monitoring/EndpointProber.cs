using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Monitoring;

/// <summary>
/// Probes endpoints the way Traffic Manager does: an HTTP(S) <c>GET</c> of <c>{protocol}://{target}:{Port}{Path}</c>
/// with the configured headers, or a TCP connect; success is a status in <c>ExpectedStatusCodes</c> (or, for TCP, a
/// connection) within <c>TimeoutSeconds</c>.
/// </summary>
/// <remarks>
/// <para>
/// HTTP behaviour, as Traffic Manager's probes: redirects are not followed (a 301 is a failure unless it is expected),
/// HTTPS certificates are not validated (a certificate must be presented, its errors are ignored), the body is not
/// read (the response is disposed once its headers arrive), no proxy and no cookies. A <c>Host</c> header replaces the
/// URL's host in the request and in TLS SNI, not where the probe connects. Every probe opens its own connection
/// (<c>Connection: close</c>), so a dead listener is seen at once rather than through a stale pooled connection.
/// One <see cref="SocketsHttpHandler"/> serves every endpoint.
/// </para>
/// <para>
/// Monitor fail-open: when the deep probe cannot connect at all (connection refused, or no connection within the
/// connect timeout) and <see cref="MonitorOptions.Fallback"/> is set, the fallback probe runs against the same
/// target and its result is the probe's result (<see cref="ProbeResult.UsedFallback"/>) — unless, after a fallback
/// success, a second deep attempt (ending a margin before the timeout) connects to the monitor, in which case the
/// monitor's answer, or its failure to answer in time, is the result (it came back while the fallback ran). Any failure after a
/// connection was made (a 503, a reset, no response in time) is the deep probe's failure, without fallback. The
/// whole probe, fallback included, stays within <c>TimeoutSeconds</c>: with a fallback configured the deep probe may
/// spend at most half of it connecting, and the fallback gets what is left (nearly all of it after a refusal, at
/// least half after a connect timeout). Without a fallback the connect timeout is the probe timeout.
/// </para>
/// <para>
/// Timeouts run on the injected <see cref="TimeProvider"/>. Thread-safe: probes of many endpoints may run at once.
/// Parsed settings are cached per <see cref="MonitorOptions"/> instance, so treat an instance as immutable once it
/// has been probed with (configuration reloads create new instances).
/// </para>
/// </remarks>
internal sealed class EndpointProber : IEndpointProber, IDisposable
{
    /// <summary>The <c>User-Agent</c> sent unless the headers set one.</summary>
    public const string UserAgent = "Router-TrafficManager-Endpoint-Monitor";

    /// <summary>The least time a fallback's confirmation leaves before the probe's timeout.</summary>
    private static readonly TimeSpan ConfirmMinimumMargin = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest probe timeout honoured (a timer cannot be set much further out).</summary>
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    private static readonly HttpRequestOptionsKey<AttemptState> AttemptStateKey = new("Router.TrafficManager.AttemptState");

    private readonly TimeProvider _timeProvider;
    private readonly HttpClient _client;
    private readonly ConditionalWeakTable<MonitorOptions, ProbeSettings> _settings = new();

    /// <param name="timeProvider">The clock for timeouts and durations.</param>
    /// <param name="handler">For tests: sends HTTP requests through this handler (not disposed by the prober); null for the real one.</param>
    public EndpointProber(TimeProvider timeProvider, HttpMessageHandler? handler = null)
    {
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _client = handler is null
            ? new HttpClient(CreateHandler(), disposeHandler: true)
            : new HttpClient(handler, disposeHandler: false);
        _client.Timeout = Timeout.InfiniteTimeSpan;
    }

    /// <inheritdoc />
    public async Task<ProbeResult> ProbeAsync(string target, MonitorOptions monitor, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        ArgumentNullException.ThrowIfNull(monitor);
        cancellationToken.ThrowIfCancellationRequested();
        var startedAt = _timeProvider.GetUtcNow();
        long started = _timeProvider.GetTimestamp();
        var settings = _settings.GetValue(monitor, ProbeSettings.Create);
        if (settings.Error is not null)
        {
            return new ProbeResult(false, startedAt, TimeSpan.Zero, Error: settings.Error);
        }

        using var deadline = new CancellationTokenSource(settings.Timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        bool usedFallback = false;
        Task<AttemptOutcome>? running = null;
        try
        {
            var connectBudget = settings.Fallback is null ? settings.Timeout : settings.Timeout / 2;
            running = AttemptAsync(target, settings.Deep, connectBudget, linked.Token);
            var outcome = await running.WaitAsync(linked.Token).ConfigureAwait(false);
            if (outcome.ConnectFailed && settings.Fallback is not null)
            {
                usedFallback = true;
                var remaining = settings.Timeout - _timeProvider.GetElapsedTime(started);
                running = AttemptAsync(target, settings.Fallback, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromTicks(1), linked.Token);
                outcome = await running.WaitAsync(linked.Token).ConfigureAwait(false);
                if (outcome.Succeeded
                    && await ConfirmAsync(target, settings, connectBudget, started, cancellationToken).ConfigureAwait(false) is { } deep)
                {
                    // The monitor answered after all (it came back while the fallback ran): its verdict stands.
                    outcome = deep;
                    usedFallback = false;
                }
            }

            return new ProbeResult(outcome.Succeeded, startedAt, _timeProvider.GetElapsedTime(started), outcome.StatusCode,
                outcome.Succeeded ? null : outcome.Error, usedFallback);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested)
        {
            ObserveLater(running);
            throw ex as OperationCanceledException ?? new OperationCanceledException("The probe was cancelled.", ex, cancellationToken);
        }
        catch (Exception) when (deadline.IsCancellationRequested)
        {
            // After the deadline every error is a consequence of it (a socket closed by the cancellation).
            ObserveLater(running);
            return new ProbeResult(false, startedAt, _timeProvider.GetElapsedTime(started), Error: TimedOut(settings.Timeout), UsedFallback: usedFallback);
        }
        catch (Exception ex)
        {
            return new ProbeResult(false, startedAt, _timeProvider.GetElapsedTime(started), Error: Describe(ex), UsedFallback: usedFallback);
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>
    /// After a fallback success, asks the monitor once more, ending a margin before the probe's timeout: the deep
    /// probe's result when a connection to the monitor was made (its answer, or a timeout if it connected and never
    /// answered, as for any deep probe), null when no connection could be made in time, so the fallback's success stands.
    /// </summary>
    /// <remarks>
    /// A probe that began while the region was unreachable (the deep probe's connect timed out) can run its fallback
    /// just after the region came back, while the region's monitor still reports the dependencies it lost as failing;
    /// trusting the fallback then would bring the endpoint online for a probe or two before the monitor's 503s degrade
    /// it again. With the monitor dead (the fallback's purpose) the second attempt is refused at once and changes
    /// nothing. The margin (a tenth of the timeout, at least 50 ms) keeps the result ahead of any deadline the caller
    /// set at the same timeout, so a fallback success is never lost to a race between the two timers.
    /// </remarks>
    private async Task<AttemptOutcome?> ConfirmAsync(string target, ProbeSettings settings, TimeSpan connectBudget, long started, CancellationToken cancellationToken)
    {
        var margin = settings.Timeout / 10 > ConfirmMinimumMargin ? settings.Timeout / 10 : ConfirmMinimumMargin;
        var left = settings.Timeout - margin - _timeProvider.GetElapsedTime(started);
        if (left <= TimeSpan.Zero)
        {
            return null;
        }

        var state = new AttemptState(connectBudget < left ? connectBudget : left);
        using var deadline = new CancellationTokenSource(left, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        Task<AttemptOutcome>? running = null;
        try
        {
            running = AttemptAsync(target, settings.Deep, state, linked.Token);
            var outcome = await running.WaitAsync(linked.Token).ConfigureAwait(false);
            return state.Connected ? outcome : null;
        }
        catch (Exception) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            ObserveLater(running);
            return state.Connected ? AttemptOutcome.Failure(TimedOut(settings.Timeout), connectFailed: false) : null;
        }
        catch
        {
            ObserveLater(running);
            throw;
        }
    }

    /// <summary><c>timeout after 10 s</c>, <c>timeout after 0.5 s</c>.</summary>
    internal static string TimedOut(TimeSpan timeout) => $"timeout after {Seconds(timeout)} s";

    private static string Seconds(TimeSpan duration) => duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromSeconds(30),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ConnectCallback = ConnectAsync,
        SslOptions =
        {
            // As Traffic Manager: the certificate must be there, its validity is not checked.
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
        },
    };

    private Task<AttemptOutcome> AttemptAsync(string target, AttemptSettings attempt, TimeSpan connectBudget, CancellationToken cancellationToken) =>
        AttemptAsync(target, attempt, new AttemptState(connectBudget), cancellationToken);

    private Task<AttemptOutcome> AttemptAsync(string target, AttemptSettings attempt, AttemptState state, CancellationToken cancellationToken) =>
        attempt.Protocol == MonitorProtocol.Tcp
            ? TcpAttemptAsync(target, attempt, state, cancellationToken)
            : HttpAttemptAsync(target, attempt, state, cancellationToken);

    private async Task<AttemptOutcome> TcpAttemptAsync(string target, AttemptSettings attempt, AttemptState state, CancellationToken cancellationToken)
    {
        try
        {
            using var socket = await ConnectSocketAsync(target, attempt.Port, state.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            state.Connected = true;
            return AttemptOutcome.Success(null);
        }
        catch (ProbeConnectException ex)
        {
            return AttemptOutcome.Failure(ex.Message, ex.FallbackEligible);
        }
    }

    private async Task<AttemptOutcome> HttpAttemptAsync(string target, AttemptSettings attempt, AttemptState state, CancellationToken cancellationToken)
    {
        if (!TryBuildUri(attempt.Protocol, target, attempt.Port, attempt.Path, out var uri))
        {
            return AttemptOutcome.Failure($"'{target}' with port {attempt.Port} and path '{attempt.Path}' is not a valid URL", connectFailed: false);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, uri)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Headers.ConnectionClose = true;
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        foreach (var (name, value) in attempt.Headers)
        {
            if (string.Equals(name, "Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = value;
            }
            else
            {
                // Content headers (Content-Type, …) cannot go on a bodiless GET and are left out.
                request.Headers.Remove(name);
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        request.Options.Set(AttemptStateKey, state);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            return StatusRange.AnyContains(attempt.ExpectedStatusCodes, status)
                ? AttemptOutcome.Success(status)
                : AttemptOutcome.Failure(string.Create(CultureInfo.InvariantCulture,
                    $"status {status} not in {StatusRange.Format(attempt.ExpectedStatusCodes)}"), connectFailed: false, status);
        }
        catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
        {
            for (Exception? current = ex; current is not null; current = current.InnerException)
            {
                if (current is ProbeConnectException connect)
                {
                    return AttemptOutcome.Failure(connect.Message, connect.FallbackEligible);
                }

                // A handler without our connect callback (tests): a refusal can only happen while connecting.
                if (current is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
                {
                    return AttemptOutcome.Failure("connection refused", connectFailed: true);
                }
            }

            return AttemptOutcome.Failure(Describe(ex), connectFailed: false);
        }
    }

    /// <summary>The handler's connect step: our own connect, so its timeout is per probe and a failure here is known to be a connect failure.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var state = context.InitialRequestMessage.Options.TryGetValue(AttemptStateKey, out var value) ? value : null;
        var socket = await ConnectSocketAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, state?.ConnectTimeout ?? MaxTimeout, cancellationToken).ConfigureAwait(false);
        if (state is not null)
        {
            state.Connected = true;
        }

        return new NetworkStream(socket, ownsSocket: true);
    }

    /// <exception cref="ProbeConnectException">The connection could not be made.</exception>
    private async Task<Socket> ConnectSocketAsync(string host, int port, TimeSpan budget, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var deadline = new CancellationTokenSource(Clamp(budget), _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            await socket.ConnectAsync(EndPointFor(host, port), linked.Token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new ProbeConnectException($"connect timeout after {Seconds(budget)} s", fallbackEligible: true, inner: null);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new ProbeConnectException(DescribeSocketError(ex),
                fallbackEligible: ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.TimedOut, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static TimeSpan Clamp(TimeSpan timeout) =>
        timeout <= TimeSpan.Zero ? TimeSpan.FromTicks(1) : timeout > MaxTimeout ? MaxTimeout : timeout;

    private static EndPoint EndPointFor(string host, int port)
    {
        var bare = host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        return IPAddress.TryParse(bare, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(bare, port);
    }

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

    private static string Describe(Exception exception)
    {
        string? socket = null;
        for (Exception? current = exception; current is not null && socket is null; current = current.InnerException)
        {
            if (current is SocketException s)
            {
                socket = DescribeSocketError(s);
            }
        }

        if (socket is not null)
        {
            return socket;
        }

        var error = exception switch
        {
            HttpRequestException request => request.HttpRequestError,
            HttpIOException io => io.HttpRequestError,
            _ => HttpRequestError.Unknown,
        };
        return error switch
        {
            HttpRequestError.NameResolutionError => "host not found",
            HttpRequestError.SecureConnectionError => $"TLS handshake failed: {Innermost(exception)}",
            HttpRequestError.ResponseEnded => "connection closed before the response was complete",
            HttpRequestError.InvalidResponse => $"invalid HTTP response: {Innermost(exception)}",
            HttpRequestError.ConnectionError => $"connection failed: {Innermost(exception)}",
            _ => $"probe failed: {Innermost(exception)}",
        };
    }

    private static string DescribeSocketError(SocketException exception) => exception.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.ConnectionReset => "connection reset by the endpoint",
        SocketError.ConnectionAborted => "connection aborted",
        SocketError.TimedOut => "connection timed out",
        SocketError.HostNotFound or SocketError.NoData => "host not found",
        SocketError.TryAgain => "name resolution failed (try again)",
        SocketError.HostUnreachable => "host unreachable",
        SocketError.NetworkUnreachable => "network unreachable",
        SocketError.NetworkDown => "network down",
        _ => $"socket error {exception.SocketErrorCode}: {exception.Message}",
    };

    private static string Innermost(Exception exception)
    {
        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception.Message;
    }

    private static void ObserveLater(Task? abandoned) =>
        abandoned?.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>One attempt's connect timeout, and whether its connection was made (set by the connect step).</summary>
    private sealed class AttemptState(TimeSpan connectTimeout)
    {
        private volatile bool _connected;

        public TimeSpan ConnectTimeout { get; } = connectTimeout;

        public bool Connected
        {
            get => _connected;
            set => _connected = value;
        }
    }

    /// <summary>One probe attempt's outcome; <see cref="ConnectFailed"/> makes the fallback run.</summary>
    private readonly record struct AttemptOutcome(bool Succeeded, bool ConnectFailed, int? StatusCode, string? Error)
    {
        public static AttemptOutcome Success(int? statusCode) => new(true, false, statusCode, null);

        public static AttemptOutcome Failure(string error, bool connectFailed, int? statusCode = null) => new(false, connectFailed, statusCode, error);
    }

    /// <summary>The protocol, port, path, headers and expected codes of one attempt (the deep probe or the fallback).</summary>
    private sealed record AttemptSettings(
        MonitorProtocol Protocol, int Port, string Path, StatusRange[] ExpectedStatusCodes, KeyValuePair<string, string>[] Headers);

    /// <summary>A <see cref="MonitorOptions"/> parsed once.</summary>
    private sealed class ProbeSettings
    {
        private ProbeSettings(TimeSpan timeout, AttemptSettings deep, AttemptSettings? fallback, string? error)
        {
            Timeout = timeout;
            Deep = deep;
            Fallback = fallback;
            Error = error;
        }

        public TimeSpan Timeout { get; }

        public AttemptSettings Deep { get; }

        public AttemptSettings? Fallback { get; }

        /// <summary>Why these settings cannot be probed with (validation lets none of these through).</summary>
        public string? Error { get; }

        public static ProbeSettings Create(MonitorOptions monitor)
        {
            string? error = null;
            double seconds = monitor.TimeoutSeconds;
            var timeout = double.IsFinite(seconds) && seconds > 0 ? TimeSpan.FromSeconds(Math.Min(seconds, MaxTimeout.TotalSeconds)) : TimeSpan.Zero;
            if (timeout <= TimeSpan.Zero)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"invalid monitor timeout {seconds} s");
            }

            if (!StatusRange.TryParseStatusRanges(monitor.ExpectedStatusCodes, out var ranges, out string? rangeError))
            {
                error ??= $"invalid ExpectedStatusCodes: {rangeError}";
            }

            KeyValuePair<string, string>[] headers = [.. monitor.Headers];
            var deep = new AttemptSettings(monitor.Protocol, monitor.Port, monitor.Path ?? "/", ranges, headers);
            AttemptSettings? fallback = null;
            if (monitor.Fallback is { } f)
            {
                var fallbackRanges = ranges;
                if (f.ExpectedStatusCodes.Count > 0 && !StatusRange.TryParseStatusRanges(f.ExpectedStatusCodes, out fallbackRanges, out rangeError))
                {
                    error ??= $"invalid Fallback ExpectedStatusCodes: {rangeError}";
                }

                fallback = new AttemptSettings(
                    f.Protocol ?? monitor.Protocol,
                    f.Port ?? monitor.Port,
                    f.Path ?? deep.Path,
                    fallbackRanges,
                    f.Headers.Count > 0 ? [.. f.Headers] : headers);
            }

            return new ProbeSettings(timeout, deep, fallback, error);
        }
    }

    /// <summary>The connection could not be made; thrown by our connect step and wrapped by the handler.</summary>
    private sealed class ProbeConnectException(string message, bool fallbackEligible, Exception? inner) : IOException(message, inner)
    {
        /// <summary>Refused or timed out: the contract's "cannot connect at all", which lets the fallback run.</summary>
        public bool FallbackEligible { get; } = fallbackEligible;
    }
}
