using System.Text.Json;
using System.Threading.Channels;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Router.Cluster.Diagnostics;
using Router.TrafficManager.Cluster;

namespace Router.Cluster.Etcd;

/// <summary>
/// <see cref="IClusterStore"/> on etcd. One loop owns the session with etcd: it connects (to the first member that
/// answers a linearizable read), registers this instance under its lease, reads every key under the prefix, watches
/// from the next revision, and keeps the lease alive and the view written; the first of those to fail ends the session,
/// and the loop connects again (at once after a connected session broke, then about every 0.5 s), with a fresh channel
/// each time. Snapshots go to the receiver one at a time from a task of their own.
/// </summary>
/// <remarks>
/// The first reconnect after a connected session broke gets <see cref="RecoveryTimeout"/> before the snapshot turns
/// <see cref="ClusterStoreState.LocalView"/>: losing the member this instance talked to (the leader, say) is survived
/// by the other members once they have elected a new leader, and need not flip every answer to the local view.
/// </remarks>
internal sealed partial class EtcdClusterStore : IClusterStore
{
    /// <summary>The pause between connection attempts while etcd cannot be reached.</summary>
    internal static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>The deadline of a call to etcd (connecting, registering, reading, a keep-alive's answer) once connected.</summary>
    internal static readonly TimeSpan SteadyCallTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The deadline of a call until the first session is up: the first calls of a process also load and compile the
    /// gRPC stack (measured up to 1.3 s on an idle machine), which must not read as "etcd unreachable".
    /// </summary>
    internal static readonly TimeSpan StartupCallTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long <see cref="SetEndpointEnabledAsync"/> may take in all, before it says it failed.</summary>
    internal static readonly TimeSpan WriteTimeout = TimeSpan.FromMilliseconds(1500);

    /// <summary>How long after a connected session broke the store goes on trying before it turns to the local view (an election may be running).</summary>
    internal static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The longest time between two keep-alives of the lease.</summary>
    internal static readonly TimeSpan MaxKeepAliveInterval = TimeSpan.FromSeconds(1);

    /// <summary>How often an authenticated session makes a unary call, to keep etcd's auth token from lapsing (5 minutes unused).</summary>
    internal static readonly TimeSpan TokenRefreshInterval = TimeSpan.FromSeconds(60);

    /// <summary>The pause between attempts within <see cref="RecoveryTimeout"/>.</summary>
    internal static readonly TimeSpan RecoveryPause = TimeSpan.FromMilliseconds(100);

    private readonly EtcdConnectionSettings _connection;
    private readonly string _prefix;
    private readonly int _leaseSeconds;
    private readonly string? _address;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ClusterStateTable _table;
    private readonly Lock _gate = new();
    private readonly Channel<ClusterSnapshot> _outbox = Channel.CreateUnbounded<ClusterSnapshot>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<bool> _viewSignal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();

    private volatile ClusterSnapshot _current;
    private volatile InstanceView? _view;
    private long _viewVersion;
    private long _writtenViewVersion;

    /// <summary>Completed with the session while connected; failed with the reason when the store turns to the local view.</summary>
    private TaskCompletionSource<EtcdSession> _writable_NeedsLock = NewWritable();

    // Owned by the session loop.
    private long _leaseId;
    private DateTimeOffset _registeredAt;
    private volatile bool _registered;
    private long? _recoveringSince;
    private long _duplicateLeaseLogged;

    private Task _loop = Task.CompletedTask;
    private Task _dispatcher = Task.CompletedTask;
    private int _started;
    private int _stopped;
    private volatile bool _revokeOnStop = true;
    private volatile bool _connectedOnce;

    public EtcdClusterStore(
        string instanceId, string prefix, int leaseSeconds, EtcdConnectionSettings connection, string? address, ILoggerFactory loggerFactory, TimeProvider time)
    {
        InstanceId = instanceId;
        _prefix = prefix;
        _leaseSeconds = leaseSeconds;
        _connection = connection;
        _address = address;
        _time = time;
        _logger = loggerFactory.CreateLogger("Router.Cluster");
        _table = new ClusterStateTable(prefix, _logger);
        _current = ClusterSnapshot.Starting(time.GetUtcNow());
    }

    public string InstanceId { get; }

    /// <summary>
    /// The time to live asked of etcd: a second less than <c>LeaseSeconds</c> (at least 2 s, etcd's floor with its
    /// default timing). A lease ends its TTL after the last keep-alive, which went out at most a second before the
    /// instance died, and etcd revokes expired leases on a half-second tick: so a dead instance is gone within
    /// <c>LeaseSeconds</c> of its death (from 3 on), not up to a keep-alive interval and a tick later.
    /// </summary>
    internal int GrantedSeconds => Math.Max(2, _leaseSeconds - 1);

    /// <summary>The deadline of one call: <see cref="StartupCallTimeout"/> until the first session is up, then <see cref="SteadyCallTimeout"/>.</summary>
    internal TimeSpan CallTimeout => _connectedOnce ? SteadyCallTimeout : StartupCallTimeout;

    public ClusterSnapshot Current => _current;

    private string MemberKey => ClusterKey.Member(_prefix, InstanceId);

    private string ViewKey => ClusterKey.View(_prefix, InstanceId);

    public void Start(InstanceView initialView, Action<ClusterSnapshot> onChange)
    {
        ArgumentNullException.ThrowIfNull(initialView);
        ArgumentNullException.ThrowIfNull(onChange);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The cluster store is already started.");
        }

        Publish(initialView);
        _dispatcher = Task.Run(() => DispatchAsync(onChange));
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    public void Publish(InstanceView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        _view = view;
        Interlocked.Increment(ref _viewVersion);
        _viewSignal.Writer.TryWrite(true);
    }

    public Task StopAsync() => StopAsync(revoke: true);

    /// <summary>Stops without revoking the lease, as a killed instance would: its membership and view stay until the lease expires.</summary>
    internal Task AbandonAsync() => StopAsync(revoke: false);

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task StopAsync(bool revoke)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            await _loop.ConfigureAwait(false);
            return;
        }

        _revokeOnStop = revoke;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _outbox.Writer.TryComplete();
        await _dispatcher.ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            long attemptStarted = _time.GetTimestamp();
            var pause = RetryInterval;
            EtcdSession? session = null;
            try
            {
                session = await EtcdSession.ConnectAsync(_connection, MemberKey, CallTimeout, _time, stop).ConfigureAwait(false);
                await RegisterAsync(session, stop).ConfigureAwait(false);
                await FollowAsync(session, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                string reason = e is EtcdSessionException ? e.Message : EtcdFailure.Describe(e, timedOut: false, CallTimeout);
                if (_current.State == ClusterStoreState.Connected && Recovery(e, session, reason) is TimeSpan recoveryPause)
                {
                    // Connected a moment ago: try again at once, or shortly while an election may still be running.
                    pause = recoveryPause;
                }
                else
                {
                    _recoveringSince = null;
                    BecomeLocalView(reason.StartsWith("etcd unreachable", StringComparison.Ordinal) ? reason : "etcd unreachable: " + reason);
                }
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // Stopping: whatever the cancelled calls threw.
            }
            finally
            {
                if (stop.IsCancellationRequested)
                {
                    await LeaveAsync(session).ConfigureAwait(false);
                }

                session?.Dispose();
            }

            pause -= _time.GetElapsedTime(attemptStarted);
            if (!stop.IsCancellationRequested && pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, _time, stop).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The pause before the next attempt when a failure while connected is within the recovery window, null when it is
    /// not. The first failure opens the window (the session broke: connect again at once); failures go on being retried
    /// until <see cref="RecoveryTimeout"/> has passed, unless no member even listens (etcd is down: no reason to wait).
    /// </summary>
    private TimeSpan? Recovery(Exception failure, EtcdSession? session, string reason)
    {
        if (_recoveringSince is not long since)
        {
            ClusterLog.SessionBroken(_logger, session?.Endpoint ?? "etcd", reason);
            _recoveringSince = _time.GetTimestamp();
            ResetWritable(null);
            return TimeSpan.Zero;
        }

        bool within = failure is not EtcdSessionException { NoMemberListens: true } && _time.GetElapsedTime(since) < RecoveryTimeout;
        return within ? RecoveryPause : null;
    }

    /// <summary>Keeps this instance's lease if etcd still has it, else grants a new one; then registers under it.</summary>
    private async Task RegisterAsync(EtcdSession session, CancellationToken stop)
    {
        if (_leaseId != 0)
        {
            var ttl = await CallAsync(
                token => session.Client.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = _leaseId }, session.Headers, null, token), "reading the lease", stop).ConfigureAwait(false);
            if (ttl.TTL <= 0)
            {
                _leaseId = 0;
            }
        }

        if (_leaseId == 0)
        {
            var grant = await CallAsync(
                token => session.Client.LeaseGrantAsync(new LeaseGrantRequest { TTL = GrantedSeconds }, session.Headers, null, token), "granting a lease", stop).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(grant.Error))
            {
                throw new EtcdSessionException("etcd did not grant a lease: " + grant.Error);
            }

            _leaseId = grant.ID;
            _registeredAt = _time.GetUtcNow();
            _registered = false;
        }

        await TryRegisterAsync(session, stop).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the member key and the view under the lease, unless the member key is held by another live lease (a
    /// duplicate instance id, or this instance's previous run): then logs it once per lease and leaves it be.
    /// </summary>
    private async Task TryRegisterAsync(EtcdSession session, CancellationToken stop)
    {
        var record = new MemberRecord(InstanceId, _leaseSeconds, _registeredAt, _address);
        byte[] member = JsonSerializer.SerializeToUtf8Bytes(record, ClusterJsonContext.Default.MemberRecord);
        long version = Interlocked.Read(ref _viewVersion);
        var view = _view!;
        byte[] viewValue = JsonSerializer.SerializeToUtf8Bytes(view, ClusterJsonContext.Default.InstanceView);

        var txn = new TxnRequest();
        txn.Compare.Add(new Compare
        {
            Key = ByteString.CopyFromUtf8(MemberKey),
            Target = Compare.Types.CompareTarget.Create,
            Result = Compare.Types.CompareResult.Equal,
            CreateRevision = 0,
        });
        txn.Success.Add(PutOp(MemberKey, member));
        txn.Success.Add(PutOp(ViewKey, viewValue));
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = ByteString.CopyFromUtf8(MemberKey) } });

        var response = await CallAsync(token => session.Client.TransactionAsync(txn, session.Headers, null, token), "registering", stop).ConfigureAwait(false);
        if (!response.Succeeded)
        {
            // Held by another live lease: a duplicate (or this instance's previous run). A key under no lease is no
            // live instance's (written by hand): it is taken over.
            var existing = response.Responses.Count > 0 ? response.Responses[0].ResponseRange?.Kvs.FirstOrDefault() : null;
            if (existing is not null && existing.Lease != 0 && existing.Lease != _leaseId)
            {
                _registered = false;
                if (Interlocked.Exchange(ref _duplicateLeaseLogged, existing.Lease) != existing.Lease)
                {
                    ClusterLog.DuplicateInstanceId(_logger, InstanceId, existing.Lease, MemberKey, existing.Value.ToStringUtf8());
                }

                return;
            }

            var again = new TxnRequest();
            again.Success.Add(PutOp(MemberKey, member));
            again.Success.Add(PutOp(ViewKey, viewValue));
            await CallAsync(token => session.Client.TransactionAsync(again, session.Headers, null, token), "registering", stop).ConfigureAwait(false);
        }

        if (!_registered)
        {
            ClusterLog.Registered(_logger, InstanceId, _leaseId, _leaseSeconds);
        }

        _registered = true;
        _duplicateLeaseLogged = 0;
        Interlocked.Exchange(ref _writtenViewVersion, version);

        // A view published while this instance was not registered may be newer than the one just written; its signal
        // may have been taken meanwhile: the view loop looks again.
        _viewSignal.Writer.TryWrite(true);
    }

    /// <summary>One unary call within <see cref="CallTimeout"/>; a failure becomes an <see cref="EtcdSessionException"/> saying what failed and why.</summary>
    private async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, string what, CancellationToken stop)
    {
        using var deadline = new CallDeadline(CallTimeout, _time, stop);
        try
        {
            return await call(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException && !stop.IsCancellationRequested)
        {
            throw new EtcdSessionException($"{what} failed: {deadline.Describe(e)}", e);
        }
    }

    private RequestOp PutOp(string key, byte[] value) =>
        new() { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value), Lease = _leaseId } };

    /// <summary>Revokes the lease when stopping (not when abandoned), so that the membership and view go at once.</summary>
    private async Task LeaveAsync(EtcdSession? session)
    {
        bool revoked = false;
        if (_revokeOnStop && session is not null && _leaseId != 0)
        {
            using var deadline = new CallDeadline(CallTimeout, _time, CancellationToken.None);
            try
            {
                await session.Client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = _leaseId }, session.Headers, null, deadline.Token).ConfigureAwait(false);
                revoked = true;
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException)
            {
                ClusterLog.RevokeFailed(_logger, _leaseId, deadline.Describe(e));
            }
        }

        ResetWritable(new EtcdSessionException("the cluster store is stopped"));
        ClusterLog.Stopped(_logger, InstanceId, revoked);
    }

    private void BecomeConnected(EtcdSession session)
    {
        ClusterSnapshot snapshot;
        bool changed;
        lock (_gate)
        {
            changed = _current.State != ClusterStoreState.Connected;
            snapshot = _table.Build(changed ? _time.GetUtcNow() : _current.Since);
            if (!_writable_NeedsLock.TrySetResult(session))
            {
                _writable_NeedsLock = NewWritable();
                _writable_NeedsLock.SetResult(session);
            }
        }

        _recoveringSince = null;
        _connectedOnce = true;
        if (changed)
        {
            ClusterLog.Connected(_logger, session.Endpoint, InstanceId, _leaseId, snapshot.Revision);
        }

        Announce(snapshot);
    }

    private void BecomeLocalView(string reason)
    {
        ClusterSnapshot snapshot;
        bool changed;
        lock (_gate)
        {
            var previous = _current;
            changed = previous.State != ClusterStoreState.LocalView;
            if (!changed && string.Equals(previous.Reason, reason, StringComparison.Ordinal))
            {
                return;
            }

            snapshot = new ClusterSnapshot(
                ClusterStoreState.LocalView, changed ? _time.GetUtcNow() : previous.Since, reason, [],
                new Dictionary<string, InstanceView>(StringComparer.Ordinal), _table.Settings(), _table.Revision);
        }

        ResetWritable(new EtcdSessionException(reason));
        if (changed)
        {
            ClusterLog.Unreachable(_logger, reason);
        }

        Announce(snapshot);
    }

    /// <summary>Ends the current writable session: writers waiting get <paramref name="failure"/>, or wait for the next session when null.</summary>
    private void ResetWritable(Exception? failure)
    {
        lock (_gate)
        {
            var previous = _writable_NeedsLock;
            if (previous.Task.IsCompleted)
            {
                _writable_NeedsLock = NewWritable();
            }
            else if (failure is not null)
            {
                previous.TrySetException(failure);
                _ = previous.Task.Exception;
                _writable_NeedsLock = NewWritable();
            }
        }
    }

    private void Announce(ClusterSnapshot snapshot)
    {
        _current = snapshot;
        _outbox.Writer.TryWrite(snapshot);
    }

    private async Task DispatchAsync(Action<ClusterSnapshot> onChange)
    {
        var reader = _outbox.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            ClusterSnapshot? newest = null;
            while (reader.TryRead(out var snapshot))
            {
                newest = snapshot;
            }

            if (newest is null)
            {
                continue;
            }

            try
            {
                onChange(newest);
            }
            catch (Exception e)
            {
                ClusterLog.CallbackFailed(_logger, newest.Revision, e);
            }
        }
    }

    private static TaskCompletionSource<EtcdSession> NewWritable() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
