using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;
using Router.Dns.Server.Configuration;
using Router.Dns.Server.Diagnostics;
using Router.Dns.Server.Forwarding;
using Router.Dns.Server.Pipeline;
using Router.Dns.Server.Transport;
using Router.Dns.Server.Zones;

namespace Router.Dns.Server;

/// <summary>
/// The DNS server: UDP and TCP listeners on every <c>Dns:Listen</c> address in front of one pipeline (static zones,
/// any handlers the host adds, forwarding). <see cref="Apply"/> swaps in a new configuration while running; the
/// listen addresses are fixed at start.
/// </summary>
public sealed partial class DnsServer : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly DnsServerMetrics _metrics;
    private readonly IReadOnlyList<IDnsHandler> _extraHandlers;
    private readonly List<UdpDnsListener> _udp = [];
    private readonly List<TcpDnsListener> _tcp = [];
    private readonly List<IPEndPoint> _endpoints = [];
    private readonly string _resolvConfPath;
    private DnsServerOptions _options;
    private DnsServerCore? _core;
    private DnsResponseCache? _cache;
    private DnsCacheOptions? _cacheOptions;
    private UpstreamUdpSockets? _upstreamSockets;

    /// <param name="options">A configuration that <see cref="DnsServerOptionsValidator"/> accepts.</param>
    /// <param name="loggerFactory">Where the server logs.</param>
    /// <param name="meterFactory">Where its meter comes from.</param>
    /// <param name="timeProvider">The clock for timeouts, TTL aging and the TCP idle timer.</param>
    /// <param name="extraHandlers">
    /// Handlers asked after the static zones and before forwarding. Those that are <see cref="IDnsZone"/>s are zones of the
    /// pipeline beside the static ones: each name is answered by the zone with the longest apex holding it, CNAME chains
    /// run across all of them, and they see the specific listen addresses (<see cref="DnsRequestContext.NameServers"/>).
    /// </param>
    /// <param name="resolvConfPath">Where default upstreams are read from.</param>
    public DnsServer(DnsServerOptions options, ILoggerFactory loggerFactory, IMeterFactory meterFactory, TimeProvider timeProvider,
        IReadOnlyList<IDnsHandler>? extraHandlers = null, string resolvConfPath = ResolvConf.DefaultPath)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<DnsServer>();
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _metrics = new DnsServerMetrics(meterFactory);
        _extraHandlers = extraHandlers ?? [];
        _resolvConfPath = resolvConfPath;
        _options = options;
        var errors = new List<string>();
        _endpoints.AddRange(DnsServerOptionsValidator.ListenEndpoints(options, "Dns", errors));
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        }
    }

    /// <summary>The addresses served, with actual ports once started (port 0 asks for any free port).</summary>
    public IReadOnlyList<IPEndPoint> LocalEndPoints => _endpoints;

    /// <summary>The pipeline answering now.</summary>
    public DnsPipeline Pipeline => _core?.Pipeline ?? BuildPipeline(_options, _endpoints);

    /// <summary>Binds every address (UDP first, then TCP on the same port) and starts serving.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var pipeline = BuildPipeline(_options, _endpoints);
        _core = new DnsServerCore(pipeline, _options.Tcp, _options.Forwarding.MaxConcurrent, _metrics, _timeProvider);
        int receivers = _options.UdpReceivers > 0 ? _options.UdpReceivers : Math.Max(1, Environment.ProcessorCount / 2);
        try
        {
            for (int i = 0; i < _endpoints.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (udp, tcp) = Bind(_endpoints[i], receivers);
                _udp.Add(udp);
                _tcp.Add(tcp);
                _endpoints[i] = udp.LocalEndPoint;
            }
        }
        catch
        {
            StopListeners().AsTask().GetAwaiter().GetResult();
            throw;
        }

        // Defaults read from resolv.conf must skip the ports we actually got.
        _core.Pipeline = BuildPipeline(_options, _endpoints);
        foreach (var udp in _udp)
        {
            udp.Start();
        }

        foreach (var tcp in _tcp)
        {
            tcp.Start();
            Log.ListenerStarted(_logger, tcp.LocalEndPoint, receivers);
        }

        return Task.CompletedTask;
    }

    private (UdpDnsListener Udp, TcpDnsListener Tcp) Bind(IPEndPoint endpoint, int receivers)
    {
        // With port 0 the UDP port is chosen first; TCP must get the same one, which may be taken: try a few times.
        for (int attempt = 0; ; attempt++)
        {
            var udp = new UdpDnsListener(endpoint, receivers, _core!, _loggerFactory.CreateLogger<UdpDnsListener>());
            try
            {
                var tcp = new TcpDnsListener(udp.LocalEndPoint, _core!, _loggerFactory.CreateLogger<TcpDnsListener>());
                return (udp, tcp);
            }
            catch (System.Net.Sockets.SocketException) when (endpoint.Port == 0 && attempt < 10)
            {
                udp.Dispose();
            }
            catch
            {
                udp.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// Switches to <paramref name="options"/> (already validated) for the next query; TCP limits apply to connections
    /// accepted from then on. Listen addresses cannot change while running: a change is logged and waits for a restart.
    /// </summary>
    public void Apply(DnsServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var listen = DnsServerOptionsValidator.ListenEndpoints(options, "Dns", errors);
        if (!listen.SequenceEqual(_endpoints) && !(_options.Listen.SequenceEqual(options.Listen)))
        {
            Log.ListenChangeNeedsRestart(_logger);
        }

        _options = options;
        if (_core is not null)
        {
            _core.Pipeline = BuildPipeline(options, _endpoints);
            _core.MaxDeferred = options.Forwarding.MaxConcurrent;
            _core.Tcp = options.Tcp;
        }

        Log.ConfigurationApplied(_logger, options.Zones.Count, options.Forwarding.Enabled);
    }

    private DnsPipeline BuildPipeline(DnsServerOptions options, IReadOnlyList<IPEndPoint> endpoints)
    {
        var errors = new List<string>();
        var zones = ZoneBuilder.Build(options.Zones, endpoints, "Dns:Zones", errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        }

        // Extra handlers that are zones (IDnsZone) join the static zones in the pipeline, which follows CNAME chains
        // across all of them; the others are asked after the zones, before forwarding.
        var handlers = new List<IDnsHandler>(_extraHandlers);
        ForwardingHandler? forwarder = null;
        if (options.Forwarding.Enabled)
        {
            forwarder = BuildForwarder(options.Forwarding, endpoints);
            handlers.Add(forwarder);
        }
        else
        {
            _metrics.ObserveCache(null);
        }

        return new DnsPipeline([new StaticZones(zones)], handlers, options.MaxUdpPayload, _loggerFactory.CreateLogger<DnsPipeline>(), _metrics,
            forwarder is null ? null : forwarder.IsAllowed, new NameServerGlue(endpoints.Select(e => e.Address)));
    }

    private ForwardingHandler BuildForwarder(DnsForwardingOptions options, IReadOnlyList<IPEndPoint> endpoints)
    {
        var upstreams = new List<IPEndPoint>();
        foreach (string text in options.Upstreams)
        {
            if (DnsEndpoint.TryParse(text, 53, out var upstream, out _))
            {
                upstreams.Add(upstream);
            }
        }

        if (upstreams.Count == 0)
        {
            upstreams.AddRange(ResolvConf.ReadNameservers(_resolvConfPath, endpoints));
            if (upstreams.Count == 0)
            {
                Log.NoUpstreams(_logger, _resolvConfPath);
            }
        }

        var allowed = new List<NetworkPrefix>();
        var allowedText = options.AllowedClients.Count == 0 ? ["127.0.0.0/8", "::1/128"] : options.AllowedClients;
        foreach (string text in allowedText)
        {
            if (NetworkPrefix.TryParse(text, out var prefix, out _))
            {
                allowed.Add(prefix);
            }
        }

        DnsResponseCache? cache = null;
        if (options.Cache.Enabled)
        {
            // Keep what is cached across reloads unless the cache's own settings changed.
            if (_cache is null || _cacheOptions is null || _cacheOptions.MaxEntries != options.Cache.MaxEntries)
            {
                _cache = new DnsResponseCache(options.Cache.MaxEntries, _timeProvider);
            }

            _cacheOptions = options.Cache;
            cache = _cache;
        }

        int attempts = options.Attempts > 0 ? options.Attempts : Math.Max(2, upstreams.Count);
        var resolverLogger = _loggerFactory.CreateLogger<UpstreamResolver>();
        _upstreamSockets ??= new UpstreamUdpSockets(resolverLogger);
        var resolver = new UpstreamResolver(upstreams, TimeSpan.FromSeconds(options.TimeoutSeconds), attempts, _timeProvider, resolverLogger,
            _upstreamSockets);
        var limits = new DnsCacheOptionsSnapshot((uint)options.Cache.MaxTtlSeconds, (uint)options.Cache.MaxNegativeTtlSeconds);
        _metrics.ObserveCache(cache);
        return new ForwardingHandler(allowed, resolver, cache, limits, _timeProvider, _metrics);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await StopListeners().ConfigureAwait(false);
    }

    private async ValueTask StopListeners()
    {
        foreach (var udp in _udp)
        {
            udp.Dispose();
            Log.ListenerStopped(_logger, udp.LocalEndPoint);
        }

        foreach (var tcp in _tcp)
        {
            await tcp.DisposeAsync().ConfigureAwait(false);
        }

        _udp.Clear();
        _tcp.Clear();
        _upstreamSockets?.Dispose();
        _upstreamSockets = null;
    }

    public async ValueTask DisposeAsync() => await StopListeners().ConfigureAwait(false);

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.ListenerStarted, EventName = nameof(EventIds.ListenerStarted), Level = LogLevel.Information,
            Message = "DNS listening on {Endpoint} (UDP with {Receivers} receiver(s), TCP).")]
        public static partial void ListenerStarted(ILogger logger, IPEndPoint endpoint, int receivers);

        [LoggerMessage(EventId = EventIds.ListenerStopped, EventName = nameof(EventIds.ListenerStopped), Level = LogLevel.Information,
            Message = "DNS stopped listening on {Endpoint}.")]
        public static partial void ListenerStopped(ILogger logger, IPEndPoint endpoint);

        [LoggerMessage(EventId = EventIds.ConfigurationApplied, EventName = nameof(EventIds.ConfigurationApplied), Level = LogLevel.Information,
            Message = "DNS configuration applied: {ZoneCount} zone(s), forwarding {ForwardingEnabled}.")]
        public static partial void ConfigurationApplied(ILogger logger, int zoneCount, bool forwardingEnabled);

        [LoggerMessage(EventId = EventIds.ListenChangeNeedsRestart, EventName = nameof(EventIds.ListenChangeNeedsRestart), Level = LogLevel.Warning,
            Message = "Dns:Listen changed; listen addresses change only when the server restarts.")]
        public static partial void ListenChangeNeedsRestart(ILogger logger);

        [LoggerMessage(EventId = EventIds.NoUpstreams, EventName = nameof(EventIds.NoUpstreams), Level = LogLevel.Error,
            Message = "Forwarding is on but no upstream is configured and {Path} names no usable nameserver; forwarded queries get SERVFAIL.")]
        public static partial void NoUpstreams(ILogger logger, string path);
    }
}
