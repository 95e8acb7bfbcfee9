namespace Router.TrafficManager.Cluster;

/// <summary>Whether an instance answers by the agreed status or by its own view.</summary>
public enum ClusterStoreState
{
    /// <summary>Not yet in contact with the store: the instance answers by its own view.</summary>
    Starting,

    /// <summary>Registered, and following the store: the instance answers by the agreed status.</summary>
    Connected,

    /// <summary>The store cannot be reached (or this instance is cut off from its quorum): the instance answers by its own view.</summary>
    LocalView,
}
