using Router.Cluster.Configuration;
using Router.Dns.Server.Configuration;
using Router.Health.Configuration;
using Router.TrafficManager.Configuration;

namespace Router.Cli.Configuration;

/// <summary>The whole configuration file. A role runs when its section is present.</summary>
internal sealed class RouterOptions
{
    /// <summary>The DNS server (<c>Dns</c>); null when the file has no such section.</summary>
    public DnsServerOptions? Dns { get; set; }

    /// <summary>The deep health monitor (<c>Health</c>); null when the file has no such section.</summary>
    public HealthOptions? Health { get; set; }

    /// <summary>The traffic manager (<c>TrafficManager</c>), answered by the DNS server; null when absent.</summary>
    public TrafficManagerOptions? TrafficManager { get; set; }

    /// <summary>The admin API (<c>Admin</c>); null when absent.</summary>
    public AdminOptions? Admin { get; set; }

    /// <summary>
    /// The store shared with other router instances (<c>Cluster</c>): agreed endpoint status and manual settings on
    /// etcd; null when absent (one instance with its local state file).
    /// </summary>
    public ClusterOptions? Cluster { get; set; }

    /// <summary>OpenTelemetry export (<c>Telemetry</c>); null when absent (the <c>OTEL_*</c> variables alone decide).</summary>
    public TelemetryOptions? Telemetry { get; set; }
}
