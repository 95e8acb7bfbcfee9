using System.Text.Json;
using System.Threading.Channels;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Router.Cluster.Diagnostics;
using Router.TrafficManager.Cluster;

namespace Router.Cluster.Etcd;

/// <summary><see cref="EtcdClusterStore"/>'s connected session: the watch, the keep-alive and the view writer, the first of which to fail ends it.</summary>
internal sealed partial class EtcdClusterStore
{
    /// <summary>Reads everything, watches from the next revision, and runs until the session fails (or the store stops).</summary>
    private async Task FollowAsync(EtcdSession session, CancellationToken stop)
    {
        using var follow = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var watch = session.Watch(follow.Token);

        RangeResponse range;
        using (var deadline = new CallDeadline(CallTimeout, _time, stop))
        {
            try
            {
                range = await session.RangeAsync(_prefix, deadline.Token).ConfigureAwait(false);
                await watch.RequestStream.WriteAsync(new WatchRequest
                {
                    CreateRequest = new WatchCreateRequest
                    {
                        Key = ByteString.CopyFromUtf8(_prefix),
                        RangeEnd = EtcdSession.RangeEnd(_prefix),
                        StartRevision = range.Header.Revision + 1,
                    },
                }, deadline.Token).ConfigureAwait(false);
                if (!await watch.ResponseStream.MoveNext(deadline.Token).ConfigureAwait(false) || !watch.ResponseStream.Current.Created)
                {
                    throw new EtcdSessionException("etcd did not create the watch");
                }
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException && !stop.IsCancellationRequested)
            {
                throw new EtcdSessionException("reading the store failed: " + deadline.Describe(e), e);
            }
        }

        lock (_gate)
        {
            _table.Load(range.Kvs, range.Header.Revision);
        }

        BecomeConnected(session);

        var loops = new[]
        {
            WatchLoopAsync(watch, follow.Token),
            KeepAliveLoopAsync(session, follow.Token),
            ViewLoopAsync(session, follow.Token),
        };
        var first = await Task.WhenAny(loops).ConfigureAwait(false);
        await follow.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (Exception) when (first.IsFaulted || stop.IsCancellationRequested)
        {
            // The first failure is the one reported below.
        }

        await first.ConfigureAwait(false);
        stop.ThrowIfCancellationRequested();
        throw new EtcdSessionException("the session ended");
    }

    private async Task WatchLoopAsync(AsyncDuplexStreamingCall<WatchRequest, WatchResponse> watch, CancellationToken cancellationToken)
    {
        try
        {
            while (await watch.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                var response = watch.ResponseStream.Current;
                if (response.Canceled)
                {
                    throw new EtcdSessionException("etcd cancelled the watch: " +
                        (response.CancelReason.Contains("no leader", StringComparison.OrdinalIgnoreCase)
                            ? "no leader: cut off from the etcd quorum"
                            : response.CancelReason));
                }

                if (response.CompactRevision != 0)
                {
                    throw new EtcdSessionException($"the watch fell behind a compaction (revision {response.CompactRevision}); reading everything again");
                }

                if (response.Events.Count == 0)
                {
                    continue;
                }

                ClusterSnapshot snapshot;
                lock (_gate)
                {
                    foreach (var change in response.Events)
                    {
                        _table.Apply(change);
                    }

                    _table.Advance(response.Header?.Revision ?? 0);
                    snapshot = _table.Build(_current.Since);
                }

                Announce(snapshot);
            }
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EtcdSessionException("the watch stream broke: " + EtcdFailure.Describe(e, timedOut: false, CallTimeout), e);
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new EtcdSessionException("the watch stream ended");
    }

    private async Task KeepAliveLoopAsync(EtcdSession session, CancellationToken cancellationToken)
    {
        // A third of the lease, so that one lost keep-alive does not end it; at most a second, so that a member cut off
        // from its quorum (which stops renewing leases) is noticed soon.
        var interval = TimeSpan.FromSeconds(Math.Min(GrantedSeconds / 3.0, MaxKeepAliveInterval.TotalSeconds));
        using var keepAlive = session.KeepAlive(cancellationToken);
        long tokenUsed = _time.GetTimestamp();
        while (true)
        {
            await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
            using var deadline = new CallDeadline(CallTimeout, _time, cancellationToken);
            try
            {
                await keepAlive.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = _leaseId }, deadline.Token).ConfigureAwait(false);
                if (!await keepAlive.ResponseStream.MoveNext(deadline.Token).ConfigureAwait(false))
                {
                    throw new EtcdSessionException("the keep-alive stream ended");
                }

                if (keepAlive.ResponseStream.Current.TTL <= 0)
                {
                    _leaseId = 0;
                    throw new EtcdSessionException("the lease expired; registering again under a new one");
                }

                if (!_registered)
                {
                    await TryRegisterAsync(session, cancellationToken).ConfigureAwait(false);
                }

                // etcd's simple auth token lapses after 5 minutes without a unary call (keep-alives on the stream do not
                // count), and the view is written only when it changes: a cheap read now and then keeps it valid, so
                // that an operator's write after a calm spell does not fail on it.
                if (session.Headers.Count > 0 && _time.GetElapsedTime(tokenUsed) > TokenRefreshInterval)
                {
                    await CallAsync(
                        token => session.Client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(MemberKey), CountOnly = true }, session.Headers, null, token),
                        "refreshing the auth token", cancellationToken).ConfigureAwait(false);
                    tokenUsed = _time.GetTimestamp();
                }
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new EtcdSessionException("a keep-alive failed: " + deadline.Describe(e), e);
            }
        }
    }

    private async Task ViewLoopAsync(EtcdSession session, CancellationToken cancellationToken)
    {
        // The session's lease: the keep-alive loop may clear the field when the lease ends, and a view written then
        // must not go out under no lease (it would outlive the instance).
        long lease = Interlocked.Read(ref _leaseId);
        if (lease == 0)
        {
            throw new EtcdSessionException("no lease to write the view under");
        }

        while (true)
        {
            long version = Interlocked.Read(ref _viewVersion);
            if (_registered && version != Interlocked.Read(ref _writtenViewVersion))
            {
                var view = _view!;
                byte[] value = JsonSerializer.SerializeToUtf8Bytes(view, ClusterJsonContext.Default.InstanceView);
                using var deadline = new CallDeadline(CallTimeout, _time, cancellationToken);
                try
                {
                    await session.PutAsync(ViewKey, value, lease, deadline.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is RpcException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    throw new EtcdSessionException("writing the view failed: " + deadline.Describe(e), e);
                }

                Interlocked.Exchange(ref _writtenViewVersion, version);
                continue;
            }

            await _viewSignal.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
