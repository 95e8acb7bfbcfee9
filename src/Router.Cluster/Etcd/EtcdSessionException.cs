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

    public EtcdSessionException(string message, bool noMemberListens)
        : base(message)
    {
        NoMemberListens = noMemberListens;
    }

    /// <summary>
    /// Whether no member even took a connection (refused, reset, no such host): etcd is down, not in an election, and
    /// waiting for it to settle would only delay the local view.
    /// </summary>
    public bool NoMemberListens { get; }
}
