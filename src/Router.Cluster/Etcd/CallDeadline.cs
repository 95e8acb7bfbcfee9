namespace Router.Cluster.Etcd;

/// <summary>
/// The cancellation of one call to etcd: the caller's token, or <see cref="Timeout"/> on the injected clock.
/// <see cref="TimedOut"/> tells the two apart, since gRPC reports both as a cancellation.
/// </summary>
internal sealed class CallDeadline : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;
    private readonly CancellationToken _caller;

    public CallDeadline(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        Timeout = timeout;
        _caller = cancellationToken;
        _timeout = new CancellationTokenSource(timeout, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timeout.Token);
    }

    /// <summary>How long the call may take.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The call's token.</summary>
    public CancellationToken Token => _linked.Token;

    /// <summary>Whether the timeout ended the call (and not the caller).</summary>
    public bool TimedOut => _timeout.IsCancellationRequested && !_caller.IsCancellationRequested;

    /// <summary>Why <paramref name="exception"/> ended the call, in words.</summary>
    public string Describe(Exception exception) => EtcdFailure.Describe(exception, TimedOut, Timeout);

    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }
}
