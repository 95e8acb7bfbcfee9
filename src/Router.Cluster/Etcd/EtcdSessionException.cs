namespace Router.Cluster.Etcd;

/// <summary>A session with etcd cannot go on, for a reason already in words (the watch was cancelled, the lease expired).</summary>
internal sealed class EtcdSessionException : Exception
{
    public EtcdSessionException()
    {
    }

    public EtcdSessionException(string message)
        : base(message)
    {
    }

    public EtcdSessionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
