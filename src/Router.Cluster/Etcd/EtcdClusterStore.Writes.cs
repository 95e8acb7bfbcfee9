using System.Text.Json;
using System.Threading.Channels;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Router.Cluster.Diagnostics;
using Router.TrafficManager.Cluster;

namespace Router.Cluster.Etcd;

/// <summary><see cref="EtcdClusterStore"/>'s writes on behalf of the traffic manager: manual settings, put and conditionally deleted.</summary>
internal sealed partial class EtcdClusterStore
{
    public Task<ClusterWriteResult> SetEndpointEnabledAsync(ManualSetting setting, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(setting);
        byte[] value = JsonSerializer.SerializeToUtf8Bytes(setting, ClusterJsonContext.Default.ManualSetting);
        string key = ClusterKey.Setting(_prefix, setting.Profile, setting.Endpoint);
        return WriteAsync((session, token) => session.PutAsync(key, value, 0, token), cancellationToken);
    }

    public Task<ClusterWriteResult> RemoveSettingAsync(ManualSetting setting, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(setting);
        string key = ClusterKey.Setting(_prefix, setting.Profile, setting.Endpoint);
        return WriteAsync(async (session, token) =>
        {
            // Read, and delete only that revision of the key if it is still this setting: a newer one stays.
            var range = await session.Client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(key) }, session.Headers, null, token).ConfigureAwait(false);
            var current = range.Kvs.FirstOrDefault();
            if (current is null || !HoldsSetting(current.Value, setting))
            {
                return;
            }

            var txn = new TxnRequest();
            txn.Compare.Add(new Compare
            {
                Key = ByteString.CopyFromUtf8(key),
                Target = Compare.Types.CompareTarget.Mod,
                Result = Compare.Types.CompareResult.Equal,
                ModRevision = current.ModRevision,
            });
            txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(key) } });
            await session.Client.TransactionAsync(txn, session.Headers, null, token).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>Whether <paramref name="value"/> is <paramref name="setting"/> (same flag, made at the same time); garbage is not.</summary>
    private static bool HoldsSetting(ByteString value, ManualSetting setting)
    {
        try
        {
            var stored = JsonSerializer.Deserialize(value.Span, ClusterJsonContext.Default.ManualSetting);
            return stored is not null && stored.Enabled == setting.Enabled && stored.ChangedAt == setting.ChangedAt;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            return false;
        }
    }

    /// <summary>
    /// One idempotent write on the session, within <see cref="WriteTimeout"/>: in the local view it fails at once; while
    /// starting (or reconnecting) it waits for the session; <c>Unavailable</c> (an election) is retried while time allows.
    /// </summary>
    private async Task<ClusterWriteResult> WriteAsync(Func<EtcdSession, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var snapshot = _current;
        if (snapshot.State == ClusterStoreState.LocalView)
        {
            return ClusterWriteResult.Failed("the cluster store cannot be reached: " + snapshot.Reason);
        }

        using var deadline = new CallDeadline(WriteTimeout, _time, cancellationToken);
        try
        {
            while (true)
            {
                Task<EtcdSession> writable;
                lock (_gate)
                {
                    writable = _writable_NeedsLock.Task;
                }

                var session = await writable.WaitAsync(deadline.Token).ConfigureAwait(false);
                try
                {
                    await write(session, deadline.Token).ConfigureAwait(false);
                    return ClusterWriteResult.Ok;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && !deadline.Token.IsCancellationRequested)
                {
                    // An election, or a session that just broke: the same write again shortly, on the session the
                    // loop has by then, while the time allows.
                    await Task.Delay(RecoveryPause, _time, deadline.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RpcException or OperationCanceledException or EtcdSessionException or ObjectDisposedException)
        {
            string reason = e is EtcdSessionException ? e.Message : deadline.Describe(e);
            return ClusterWriteResult.Failed("the cluster store cannot be reached: " + reason);
        }
    }
}
