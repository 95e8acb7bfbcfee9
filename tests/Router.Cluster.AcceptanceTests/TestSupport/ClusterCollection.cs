namespace Router.Cluster.AcceptanceTests.TestSupport;

/// <summary>
/// Every acceptance test shares one etcd cluster, one set of health stand-ins and three routers, and runs alone: the
/// tests stop etcd members and kill routers, so no two may overlap (xunit.runner.json also runs collections one by one).
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterTopology>
{
    public const string Name = "router-cluster";
}
