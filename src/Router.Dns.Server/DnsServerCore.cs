using Router.Dns.Server.Configuration;
using Router.Dns.Server.Diagnostics;
using Router.Dns.Server.Pipeline;

namespace Router.Dns.Server;

/// <summary>What the listeners share: the current pipeline (swapped atomically on reload), pools, limits, clock.</summary>
internal sealed class DnsServerCore(DnsPipeline pipeline, DnsTcpOptions tcp, int maxDeferred, DnsServerMetrics metrics, TimeProvider timeProvider)
{
    private DnsPipeline _pipeline = pipeline;
    private DnsTcpOptions _tcp = tcp;

    public DnsPipeline Pipeline
    {
        get => Volatile.Read(ref _pipeline);
        set => Volatile.Write(ref _pipeline, value);
    }

    public DnsRequestContextPool ContextPool { get; } = new();

    /// <summary>The TCP limits; a reload swaps them for connections accepted from then on.</summary>
    public DnsTcpOptions Tcp
    {
        get => Volatile.Read(ref _tcp);
        set => Volatile.Write(ref _tcp, value);
    }

    public int MaxDeferred { get; set; } = maxDeferred;

    public DnsServerMetrics Metrics { get; } = metrics;

    public TimeProvider TimeProvider { get; } = timeProvider;
}
