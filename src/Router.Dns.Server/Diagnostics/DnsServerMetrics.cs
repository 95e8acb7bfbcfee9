using System.Diagnostics.Metrics;
using Router.Dns.Server.Forwarding;
using Router.Dns.Server.Pipeline;

namespace Router.Dns.Server.Diagnostics;

/// <summary>Instrument and tag names of Router.Dns.Server.</summary>
public static class DnsTelemetryNames
{
    /// <summary>The meter name: the assembly name.</summary>
    public const string MeterName = "Router.Dns.Server";

    public const string Queries = "router.dns.queries";
    public const string Malformed = "router.dns.malformed";
    public const string TcpConnections = "router.dns.tcp.connections";
    public const string TcpEvicted = "router.dns.tcp.evicted";
    public const string ForwardDuration = "router.dns.forward.duration";
    public const string ForwardFailures = "router.dns.forward.failures";
    public const string CacheLookups = "router.dns.cache.lookups";
    public const string CacheEntries = "router.dns.cache.entries";
    public const string CacheBytes = "router.dns.cache.bytes";

    public const string TransportTag = "transport";
    public const string ResponseCodeTag = "rcode";
    public const string OutcomeTag = "outcome";

    /// <summary>The activity source name: the assembly name.</summary>
    public const string ActivitySourceName = "Router.Dns.Server";

    /// <summary>One query forwarded to the upstream resolvers (a cache hit is answered without one, as every authoritative answer is).</summary>
    public const string ForwardActivity = "router.dns.forward";

    /// <summary>An upstream that failed during a forward, with the reason; the next one is tried.</summary>
    public const string UpstreamFailedEvent = "router.dns.upstream_failed";

    /// <summary>The question's name (OpenTelemetry semantic convention).</summary>
    public const string QuestionNameAttribute = "dns.question.name";
    public const string QuestionTypeAttribute = "router.dns.question.type";
    public const string ResponseCodeAttribute = "router.dns.rcode";
    public const string AttemptsAttribute = "router.dns.attempts";
    public const string FailureReasonAttribute = "router.dns.failure";

    /// <summary>The upstream that answered (or failed), address and port (OpenTelemetry semantic conventions).</summary>
    public const string ServerAddressAttribute = "server.address";

    /// <inheritdoc cref="ServerAddressAttribute"/>
    public const string ServerPortAttribute = "server.port";
}

/// <summary>The instruments of the DNS server. Tags are bounded: transport, response code, outcome.</summary>
public sealed class DnsServerMetrics
{
    private static readonly object Udp = "udp";
    private static readonly object Tcp = "tcp";
    private static readonly object[] ResponseCodes = [.. Enumerable.Range(0, 24).Select(i => (object)((DnsResponseCode)i).ToString())];
    private static readonly object Hit = "hit";
    private static readonly object Miss = "miss";

    private readonly Counter<long> _queries;
    private readonly Counter<long> _malformed;
    private readonly UpDownCounter<long> _tcpConnections;
    private readonly Counter<long> _tcpEvicted;
    private readonly Histogram<double> _forwardDuration;
    private readonly Counter<long> _forwardFailures;
    private readonly Counter<long> _cacheLookups;
    private DnsResponseCache? _cache;

    public DnsServerMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(DnsTelemetryNames.MeterName);
        _queries = meter.CreateCounter<long>(DnsTelemetryNames.Queries, "{query}", "Queries answered, by transport and response code.");
        _malformed = meter.CreateCounter<long>(DnsTelemetryNames.Malformed, "{message}", "Messages that could not be parsed (answered FORMERR or dropped).");
        _tcpConnections = meter.CreateUpDownCounter<long>(DnsTelemetryNames.TcpConnections, "{connection}", "Open TCP connections.");
        _tcpEvicted = meter.CreateCounter<long>(DnsTelemetryNames.TcpEvicted, "{connection}", "TCP connections closed to make room under the connection limit.");
        _forwardDuration = meter.CreateHistogram<double>(DnsTelemetryNames.ForwardDuration, "s", "Time to get an answer from upstream resolvers.");
        _forwardFailures = meter.CreateCounter<long>(DnsTelemetryNames.ForwardFailures, "{query}", "Forwarded queries no upstream answered (SERVFAIL).");
        _cacheLookups = meter.CreateCounter<long>(DnsTelemetryNames.CacheLookups, "{lookup}", "Forwarding cache lookups, by outcome.");
        meter.CreateObservableGauge(DnsTelemetryNames.CacheEntries, () => (long)(Volatile.Read(ref _cache)?.Count ?? 0), "{entry}",
            "Answers in the forwarding cache (at most Dns:Forwarding:Cache:MaxEntries).");
        meter.CreateObservableGauge(DnsTelemetryNames.CacheBytes, () => Volatile.Read(ref _cache)?.Bytes ?? 0, "By",
            "Estimated managed memory of the forwarding cache's answers and keys.");
    }

    /// <summary>The forwarding cache the gauges report; null when there is none (forwarding or its cache is off).</summary>
    internal void ObserveCache(DnsResponseCache? cache) => Volatile.Write(ref _cache, cache);

    /// <summary>Counts an answered query; <paramref name="response"/> is the response message.</summary>
    public void QueryAnswered(DnsTransport transport, ReadOnlySpan<byte> response)
    {
        if (!_queries.Enabled || response.Length < DnsLimits.HeaderLength)
        {
            return;
        }

        int code = response[3] & 0xF;
        _queries.Add(1,
            new KeyValuePair<string, object?>(DnsTelemetryNames.TransportTag, transport == DnsTransport.Udp ? Udp : Tcp),
            new KeyValuePair<string, object?>(DnsTelemetryNames.ResponseCodeTag, ResponseCodes[code]));
    }

    public void Malformed(DnsTransport transport) =>
        _malformed.Add(1, new KeyValuePair<string, object?>(DnsTelemetryNames.TransportTag, transport == DnsTransport.Udp ? Udp : Tcp));

    public void TcpConnectionOpened() => _tcpConnections.Add(1);

    public void TcpConnectionClosed() => _tcpConnections.Add(-1);

    public void TcpConnectionEvicted() => _tcpEvicted.Add(1);

    public void Forwarded(TimeSpan duration, bool answered)
    {
        // Seconds, as the instrument's unit says.
        _forwardDuration.Record(duration.TotalSeconds);
        if (!answered)
        {
            _forwardFailures.Add(1);
        }
    }

    public void CacheLookup(bool hit) =>
        _cacheLookups.Add(1, new KeyValuePair<string, object?>(DnsTelemetryNames.OutcomeTag, hit ? Hit : Miss));
}
