namespace Router.TrafficManager.Cluster;

/// <summary>How many instances must see an endpoint <c>Degraded</c> for every instance to treat it so (<c>Cluster:Quorum</c>).</summary>
public enum QuorumRule
{
    /// <summary>More than half of the live instances with a conclusive view (one instance alone is its own majority).</summary>
    Majority,

    /// <summary>At least one of them.</summary>
    Any,

    /// <summary>Every one of them.</summary>
    All,
}
