using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Router.Cluster.Configuration;
using Router.Cluster.Etcd;
using Router.TrafficManager.Cluster;

namespace Router.Cluster;

/// <summary>Makes the <see cref="IClusterStore"/> of a <c>Cluster</c> section.</summary>
public static class ClusterStores
{
    /// <summary>
    /// The etcd store of <paramref name="options"/> (validated with <see cref="ClusterOptionsValidator"/>; an invalid
    /// section throws <see cref="ArgumentException"/> listing every error). Nothing is contacted until
    /// <see cref="IClusterStore.Start"/>.
    /// </summary>
    /// <param name="options">The <c>Cluster</c> section.</param>
    /// <param name="loggerFactory">Where the store logs (category <c>Router.Cluster</c>).</param>
    /// <param name="timeProvider">The clock of snapshots and deadlines.</param>
    /// <param name="address">What this instance says about itself in its member key (host name and admin listener); null for nothing.</param>
    /// <param name="environment">Reads <c>ROUTER_CLUSTER_PASSWORD</c>; null: the process environment.</param>
    public static IClusterStore Create(
        ClusterOptions options, ILoggerFactory loggerFactory, TimeProvider timeProvider, string? address, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(timeProvider);
        environment ??= Environment.GetEnvironmentVariable;
        var errors = ClusterOptionsValidator.Validate(options, "Cluster", environment);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid Cluster section: " + string.Join("; ", errors), nameof(options));
        }

        X509Certificate2Collection? ca = null;
        if (options.CaFile is not null)
        {
            ca = [];
            ca.ImportFromPemFile(options.CaFile);
        }

        var connection = new EtcdConnectionSettings(
            options.Endpoints.Select(endpoint => new Uri(endpoint.Trim(), UriKind.Absolute)).ToArray(),
            options.Username,
            options.Username is null ? null : options.ResolvePassword(environment),
            ca);
        return new EtcdClusterStore(options.ResolveInstanceId(), options.Prefix, options.LeaseSeconds, connection, address, loggerFactory, timeProvider);
    }
}
