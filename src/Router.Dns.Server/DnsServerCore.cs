using Router.Dns.Server.Configuration;
using Router.Dns.Server.Diagnostics;
using Router.Dns.Server.Pipeline;

namespace Router.Dns.Server;

/// <summary>What the listeners share: the current pipeline (swapped atomically on reload), pools, limits, clock.</summary>
internal sealed class DnsServerCore(DnsPipeline pipeline, DnsTcpOptions tcp, int maxDeferred, DnsServerMetrics metrics, TimeProvider timeProvider)
{
    private DnsPipeline _pipeline = pipeline;

    public DnsPipeline Pipeline
    {
        get => Volatile.Read(ref _pipeline);
        set => Volatile.Write(ref _pipeline, value);
    }

    public DnsRequestContextPool ContextPool { get; } = new();

    public DnsTcpOptions Tcp { get; } = tcp;

    public int MaxDeferred { get; set; } = maxDeferred;

    public DnsServerMetrics Metrics { get; } = metrics;

    public TimeProvider TimeProvider { get; } = timeProvider;
}
