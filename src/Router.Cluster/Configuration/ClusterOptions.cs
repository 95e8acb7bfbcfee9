using Router.TrafficManager.Cluster;

namespace Router.Cluster.Configuration;

/// <summary>
/// The <c>Cluster</c> section: the etcd cluster several router instances share. Without it an instance runs alone.
/// </summary>
public sealed class ClusterOptions
{
    /// <summary>The environment variable that holds the password when <see cref="Password"/> is not set.</summary>
    public const string PasswordVariable = "ROUTER_CLUSTER_PASSWORD";

    /// <summary>The default of <see cref="Prefix"/>.</summary>
    public const string DefaultPrefix = "/router/";

    /// <summary>The default of <see cref="LeaseSeconds"/>.</summary>
    public const int DefaultLeaseSeconds = 10;

    /// <summary>The etcd client URLs (<c>http://127.0.0.31:2379</c>); all http:// or all https:// (TLS).</summary>
    public List<string> Endpoints { get; set; } = [];

    /// <summary>The key prefix every key of this router cluster lives under; starts and ends with <c>/</c>.</summary>
    /// <value>The default value is <c>/router/</c>.</value>
    public string Prefix { get; set; } = DefaultPrefix;

    /// <summary>This instance's id, unique in the cluster; no <c>/</c> and no white space.</summary>
    /// <value>The default value is null: the host name.</value>
    public string? InstanceId { get; set; }

    /// <summary>How many instances must see an endpoint degraded for every instance to treat it so.</summary>
    /// <value>The default value is <see cref="QuorumRule.Majority"/>.</value>
    public QuorumRule Quorum { get; set; } = QuorumRule.Majority;

    /// <summary>The time to live of this instance's lease: how long after it dies its membership and view stay.</summary>
    /// <value>The default value is 10 seconds.</value>
    public int LeaseSeconds { get; set; } = DefaultLeaseSeconds;

    /// <summary>The etcd user; null when etcd has authentication off.</summary>
    public string? Username { get; set; }

    /// <summary>The etcd user's password; when null or empty, <c>ROUTER_CLUSTER_PASSWORD</c> is read.</summary>
    public string? Password { get; set; }

    /// <summary>A PEM file of the CA that signed the etcd servers' certificates (https:// endpoints); null: the system's trust.</summary>
    public string? CaFile { get; set; }

    /// <summary>The instance id in use: <see cref="InstanceId"/>, or the host name.</summary>
    public string ResolveInstanceId() => string.IsNullOrWhiteSpace(InstanceId) ? Environment.MachineName : InstanceId;

    /// <summary>
    /// The password in use: <see cref="Password"/>, or else <paramref name="environment"/>'s
    /// <c>ROUTER_CLUSTER_PASSWORD</c>; null when neither has one. The one place that decides it.
    /// </summary>
    public string? ResolvePassword(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!string.IsNullOrEmpty(Password))
        {
            return Password;
        }

        string? fromEnvironment = environment(PasswordVariable);
        return string.IsNullOrEmpty(fromEnvironment) ? null : fromEnvironment;
    }
}
