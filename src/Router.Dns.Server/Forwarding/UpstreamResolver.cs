using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Router.Dns.Server.Diagnostics;

namespace Router.Dns.Server.Forwarding;

/// <summary>
/// Asks upstream resolvers: UDP first, TCP when the answer comes back truncated; a per-attempt timeout; on failure
/// the next upstream (Polly retry + timeout, driven by the injected <see cref="TimeProvider"/>). Anti-spoofing: a
/// fresh random query ID per attempt (RandomNumberGenerator), sent from one of a few shared sockets whose random
/// source ports change every <see cref="UpstreamUdpSocket.MaxUses"/> queries (<see cref="UpstreamUdpSockets"/>), and
/// a response only counts when its ID and question match; anything else is ignored while the attempt waits.
/// </summary>
internal sealed partial class UpstreamResolver
{
    private readonly IReadOnlyList<IPEndPoint> _upstreams;
    private readonly ResiliencePipeline<DnsMessage> _pipeline;
    private readonly ILogger _logger;
    private readonly UpstreamUdpSockets _udp;
    private int _preferred;

    /// <summary>A resolver for <paramref name="upstreams"/>; <paramref name="udp"/> is the server's shared upstream sockets (null: its own).</summary>
    public UpstreamResolver(IReadOnlyList<IPEndPoint> upstreams, TimeSpan attemptTimeout, int attempts, TimeProvider timeProvider, ILogger logger,
        UpstreamUdpSockets? udp = null)
    {
        _upstreams = upstreams;
        _logger = logger;
        _udp = udp ?? new UpstreamUdpSockets(logger);
        var builder = new ResiliencePipelineBuilder<DnsMessage> { TimeProvider = timeProvider };

        // Polly rejects MaxRetryAttempts = 0: with a single attempt (Forwarding:Attempts = 1) there is no retry at all.
        if (attempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<DnsMessage>
            {
                MaxRetryAttempts = attempts - 1,
                Delay = TimeSpan.Zero,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder<DnsMessage>()
                    .Handle<SocketException>()
                    .Handle<TimeoutRejectedException>()
                    .Handle<UpstreamProtocolException>()
                    .HandleResult(static response => response.ResponseCode is DnsResponseCode.ServerFailure or DnsResponseCode.Refused),
            });
        }

        _pipeline = builder.AddTimeout(attemptTimeout).Build();
    }

    public IReadOnlyList<IPEndPoint> Upstreams => _upstreams;

    /// <summary>
    /// Resolves <paramref name="question"/> upstream. Returns the response (possibly SERVFAIL from upstream), or null
    /// when no upstream answered.
    /// </summary>
    public ValueTask<DnsMessage?> QueryAsync(DnsQuestion question, bool checkingDisabled, CancellationToken cancellationToken) =>
        QueryAsync(question, checkingDisabled, activity: null, cancellationToken);

    /// <summary>
    /// Resolves <paramref name="question"/> upstream. Returns the response (possibly SERVFAIL from upstream), or null
    /// when no upstream answered. <paramref name="activity"/> (the forward's span, when recorded) gets the upstream that
    /// answered and an event for each one that failed.
    /// </summary>
    public async ValueTask<DnsMessage?> QueryAsync(DnsQuestion question, bool checkingDisabled, Activity? activity, CancellationToken cancellationToken)
    {
        if (_upstreams.Count == 0)
        {
            return null;
        }

        var state = new AttemptState(this, question, checkingDisabled, Volatile.Read(ref _preferred), activity);
        try
        {
            return await _pipeline.ExecuteAsync(
                static (state, token) => state.Resolver.AttemptAsync(state, token), state, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or TimeoutRejectedException or UpstreamProtocolException)
        {
            Log.AllUpstreamsFailed(_logger, question.Name.ToString(), question.Type, ex.Message);
            return null;
        }
    }

    private async ValueTask<DnsMessage> AttemptAsync(AttemptState state, CancellationToken cancellationToken)
    {
        int index = (state.Start + state.Attempt++) % _upstreams.Count;
        var upstream = _upstreams[index];
        try
        {
            var response = await QueryUdpAsync(upstream, state.Question, state.CheckingDisabled, cancellationToken).ConfigureAwait(false)
                ?? await QueryTcpAsync(upstream, state.Question, state.CheckingDisabled, cancellationToken).ConfigureAwait(false);
            if (response.ResponseCode is not (DnsResponseCode.ServerFailure or DnsResponseCode.Refused))
            {
                Volatile.Write(ref _preferred, index);
            }

            DnsActivitySource.Answered(state.Activity, upstream, state.Attempt);
            return response;
        }
        catch (Exception ex) when (ex is SocketException or UpstreamProtocolException)
        {
            Log.UpstreamFailed(_logger, upstream, ex.Message);
            DnsActivitySource.UpstreamFailed(state.Activity, upstream, ex.Message);
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.UpstreamFailed(_logger, upstream, "timed out");
            DnsActivitySource.UpstreamFailed(state.Activity, upstream, "timed out");
            throw;
        }
    }

    /// <summary>One UDP exchange on a shared socket; null when the answer was truncated and TCP must follow.</summary>
    private ValueTask<DnsMessage?> QueryUdpAsync(IPEndPoint upstream, DnsQuestion question, bool checkingDisabled, CancellationToken cancellationToken) =>
        _udp.Reserve(upstream).QueryAsync(question, checkingDisabled, cancellationToken);

    private async ValueTask<DnsMessage> QueryTcpAsync(IPEndPoint upstream, DnsQuestion question, bool checkingDisabled, CancellationToken cancellationToken)
    {
        ushort id = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(DnsLimits.MaxMessageLength + 2);
        try
        {
            int length = WriteQuery(buffer.AsSpan(2), id, question, checkingDisabled);
            buffer[0] = (byte)(length >> 8);
            buffer[1] = (byte)length;
            using var socket = new Socket(upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(upstream, cancellationToken).ConfigureAwait(false);
            await socket.SendAsync(buffer.AsMemory(0, length + 2), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            await ReceiveExactlyAsync(socket, buffer.AsMemory(0, 2), cancellationToken).ConfigureAwait(false);
            int responseLength = buffer[0] << 8 | buffer[1];
            await ReceiveExactlyAsync(socket, buffer.AsMemory(0, responseLength), cancellationToken).ConfigureAwait(false);
            return IsAnswerTo(buffer.AsSpan(0, responseLength), id, question, out var response)
                ? response
                : throw new UpstreamProtocolException($"{upstream} answered over TCP with a message that does not match the query");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async ValueTask ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new UpstreamProtocolException("the upstream closed the TCP connection mid-message");
            }

            buffer = buffer[read..];
        }
    }

    // RFC 1035 §4.1.1 + RFC 6891: a recursive query with our EDNS payload size; no Client Subnet is sent upstream.
    internal static int WriteQuery(Span<byte> destination, ushort id, DnsQuestion question, bool checkingDisabled)
    {
        var query = new DnsMessage
        {
            Id = id,
            OpCode = DnsOpCode.Query,
            RecursionDesired = true,
            CheckingDisabled = checkingDisabled,
            Edns = new DnsEdns { UdpPayloadSize = DnsLimits.DefaultEdnsPayloadSize },
        };
        query.Questions.Add(question);
        return query.TryWrite(destination, out int written) ? written : throw new InvalidOperationException("A query always fits.");
    }

    // RFC 5452 §9.1: accept an answer only when ID, question name, type and class all match.
    internal static bool IsAnswerTo(ReadOnlySpan<byte> data, ushort id, DnsQuestion question, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DnsMessage? response)
    {
        if (DnsMessage.TryRead(data, out response) != DnsParseError.None || response is null ||
            !response.IsResponse || response.Id != id || response.Questions.Count != 1 ||
            !response.Questions[0].Name.Equals(question.Name) || response.Questions[0].Type != question.Type ||
            response.Questions[0].Class != question.Class)
        {
            response = null;
            return false;
        }

        return true;
    }

    internal static void LogSpoofedResponse(ILogger logger, IPEndPoint upstream) => Log.SpoofedResponse(logger, upstream);

    private sealed class AttemptState(UpstreamResolver resolver, DnsQuestion question, bool checkingDisabled, int start, Activity? activity)
    {
        public Activity? Activity { get; } = activity;

        public UpstreamResolver Resolver { get; } = resolver;

        public DnsQuestion Question { get; } = question;

        public bool CheckingDisabled { get; } = checkingDisabled;

        public int Start { get; } = start;

        public int Attempt { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.UpstreamFailed, EventName = nameof(EventIds.UpstreamFailed), Level = LogLevel.Warning,
            Message = "Upstream {Upstream} failed: {Reason}; trying the next.")]
        public static partial void UpstreamFailed(ILogger logger, IPEndPoint upstream, string reason);

        [LoggerMessage(EventId = EventIds.AllUpstreamsFailed, EventName = nameof(EventIds.AllUpstreamsFailed), Level = LogLevel.Error,
            Message = "No upstream answered {Name} {Type}: {Reason}; answering SERVFAIL.")]
        public static partial void AllUpstreamsFailed(ILogger logger, string name, DnsRecordType type, string reason);

        [LoggerMessage(EventId = EventIds.UpstreamSpoofedResponse, EventName = nameof(EventIds.UpstreamSpoofedResponse), Level = LogLevel.Warning,
            Message = "Ignored a UDP message from {Upstream} that does not answer our query (ID or question mismatch).")]
        public static partial void SpoofedResponse(ILogger logger, IPEndPoint upstream);
    }
}

/// <summary>An upstream answered with something that is not an answer to our query.</summary>
internal sealed class UpstreamProtocolException(string message) : Exception(message);
