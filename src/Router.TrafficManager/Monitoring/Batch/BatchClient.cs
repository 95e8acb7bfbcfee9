using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Router.Http;

namespace Router.TrafficManager.Monitoring.Batch;

/// <summary>
/// Fetches batch documents: one <c>GET</c> of the origin's document, full or a long poll (<c>?since=V&amp;wait=W</c> with
/// <c>If-None-Match: "V"</c>), its body read with a cap and parsed. Never throws for what the network or the monitor
/// does: every failure is a <see cref="BatchExchangeKind.Failed"/> exchange saying why.
/// </summary>
/// <remarks>
/// Unlike endpoint probes, connections are pooled (one origin is asked again and again). The connect step goes through
/// <see cref="ProbeConnector"/>, so a connect failure (refused, connect timeout: what lets the fallback run) is told
/// apart from a later one. Deadlines run on the injected <see cref="TimeProvider"/>. Thread-safe.
/// </remarks>
internal sealed class BatchClient : IDisposable
{
    /// <summary>The <c>User-Agent</c> of batch requests.</summary>
    public const string UserAgent = "Router-TrafficManager-Batch-Monitor";

    private static readonly HttpRequestOptionsKey<TimeSpan> ConnectBudgetKey = new("Router.TrafficManager.BatchConnectBudget");

    private readonly TimeProvider _timeProvider;
    private readonly ProbeConnector _connector;
    private readonly HttpClient _client;

    /// <param name="timeProvider">The clock for deadlines.</param>
    /// <param name="handler">For tests: sends requests through this handler (not disposed here); null for the real one.</param>
    public BatchClient(TimeProvider timeProvider, HttpMessageHandler? handler = null)
    {
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _connector = new ProbeConnector(timeProvider);
        _client = handler is null ? new HttpClient(CreateHandler(), disposeHandler: true) : new HttpClient(handler, disposeHandler: false);
        _client.Timeout = Timeout.InfiniteTimeSpan;
    }

    public void Dispose() => _client.Dispose();

    /// <summary>
    /// Asks <paramref name="origin"/> for its document: the full one when <paramref name="since"/> is null, else a long
    /// poll of <paramref name="wait"/>. The deadline is <c>TimeoutSeconds</c> plus the wait.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<BatchExchange> FetchAsync(BatchOrigin origin, BatchPollerSettings settings, long? since, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string path = since is { } version
            ? string.Create(CultureInfo.InvariantCulture, $"{origin.Path}{(origin.Path.Contains('?', StringComparison.Ordinal) ? '&' : '?')}since={version}&wait={FailureWording.Seconds(wait)}")
            : origin.Path;
        if (!HttpProbeAttempt.TryBuildUri(origin.Protocol, origin.Host, origin.Port, path, out var uri))
        {
            return BatchExchange.Failure($"'{origin.Host}' with port {origin.Port} and path '{origin.Path}' is not a valid URL");
        }

        var timeout = settings.Timeout + (since is null ? TimeSpan.Zero : wait);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri) { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        ConfiguredHeaders.Apply(request, settings.Headers);
        if (since is { } current)
        {
            request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(string.Create(CultureInfo.InvariantCulture, $"\"{current}\"")));
        }

        request.Options.Set(ConnectBudgetKey, settings.Timeout);
        using var deadline = new CancellationTokenSource(timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                return new BatchExchange(BatchExchangeKind.NotModified, null, null, false, status);
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                return BatchExchange.Failure(string.Create(CultureInfo.InvariantCulture, $"batch document answered status {status}"), statusCode: status);
            }

            return await ReadDocumentAsync(response, settings.MaxBytes, linked.Token).ConfigureAwait(false);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (Exception) when (deadline.IsCancellationRequested)
        {
            return BatchExchange.Failure(EndpointProber.TimedOut(timeout));
        }
        catch (HttpRequestException ex)
        {
            return HttpProbeAttempt.TryDescribeConnectFailure(ex, out string? error, out bool fallbackEligible)
                ? BatchExchange.Failure(error!, fallbackEligible)
                : BatchExchange.Failure(HttpProbeAttempt.DescribeFailure(ex));
        }
        catch (IOException ex)
        {
            return BatchExchange.Failure(HttpProbeAttempt.DescribeFailure(ex));
        }
    }

    /// <summary>The body, at most <paramref name="maxBytes"/> (its <c>Content-Length</c> checked first, then what arrives), parsed.</summary>
    private static async Task<BatchExchange> ReadDocumentAsync(HttpResponseMessage response, long maxBytes, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is long length && length > maxBytes)
        {
            return BatchExchange.Failure(TooBig(length.ToString(CultureInfo.InvariantCulture), maxBytes), statusCode: 200);
        }

        int capacity = (int)Math.Min(response.Content.Headers.ContentLength ?? 64 * 1024, maxBytes) + 1;
        byte[] buffer = RoundArrays<byte>.Pool.Rent(Math.Max(capacity, 4096));
        try
        {
            int used = 0;
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                while (true)
                {
                    if (used == buffer.Length)
                    {
                        var bigger = RoundArrays<byte>.Pool.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
                        buffer.AsSpan(0, used).CopyTo(bigger);
                        RoundArrays<byte>.Pool.Return(buffer);
                        buffer = bigger;
                    }

                    int read = await stream.ReadAsync(buffer.AsMemory(used), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    used += read;
                    if (used > maxBytes)
                    {
                        return BatchExchange.Failure(TooBig("more than " + maxBytes.ToString(CultureInfo.InvariantCulture), maxBytes), statusCode: 200);
                    }
                }
            }

            return BatchDocumentParser.TryParse(buffer.AsSpan(0, used), out var document, out string? error)
                ? new BatchExchange(BatchExchangeKind.Document, document, null, false, 200)
                : BatchExchange.Failure(error!, statusCode: 200);
        }
        finally
        {
            RoundArrays<byte>.Pool.Return(buffer);
        }
    }

    private static string TooBig(string size, long maxBytes) =>
        string.Create(CultureInfo.InvariantCulture, $"batch document of {size} bytes is over MaxBatchBytes ({maxBytes})");

    private SocketsHttpHandler CreateHandler() => HttpProbeAttempt.CreateHandler(ConnectAsync, TimeSpan.FromMinutes(5));

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var budget = context.InitialRequestMessage.Options.TryGetValue(ConnectBudgetKey, out var value) ? value : ProbeSettings.MaxTimeout;
        var socket = await _connector.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, budget, cancellationToken).ConfigureAwait(false);
        return new NetworkStream(socket, ownsSocket: true);
    }
}
