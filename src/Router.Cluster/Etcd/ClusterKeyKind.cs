namespace Router.Cluster.Etcd;

/// <summary>What a key under the prefix is, by its shape.</summary>
internal enum ClusterKeyKind
{
    /// <summary>Not a shape this store writes.</summary>
    Unknown,

    /// <summary><c>{prefix}members/{id}</c>, leased.</summary>
    Member,

    /// <summary><c>{prefix}views/{id}</c>, leased.</summary>
    View,

    /// <summary><c>{prefix}settings/{profile}/{endpoint}</c>, not leased.</summary>
    Setting,
}
