namespace Router.TrafficManager.Cluster;

/// <summary>
/// The store several router instances share (Router.Cluster implements it on etcd). It keeps this instance's membership
/// (a lease), publishes this instance's view of every endpoint, stores manual settings, and tells the traffic manager
/// what every live instance sees through <see cref="ClusterSnapshot"/>s. Nothing here is on the DNS answer path: the
/// traffic manager folds each snapshot into its routing snapshot.
/// </summary>
/// <remarks>
/// Implementations never throw from <see cref="Start"/> (but for a second call), <see cref="Publish"/> or the callback's caller: a store that
/// cannot be reached is a <see cref="ClusterStoreState.LocalView"/> snapshot with the reason, and data the store holds
/// that does not parse is logged and left out of snapshots.
/// </remarks>
public interface IClusterStore : IAsyncDisposable
{
    /// <summary>This instance's id (<c>Cluster:InstanceId</c>, by default the host name).</summary>
    string InstanceId { get; }

    /// <summary>The newest snapshot (<see cref="ClusterSnapshot.Starting"/> before the first contact).</summary>
    ClusterSnapshot Current { get; }

    /// <summary>
    /// Registers this instance and starts following the store. <paramref name="onChange"/> receives every new snapshot,
    /// one at a time, never on the caller's thread of <see cref="Publish"/> or <see cref="SetEndpointEnabledAsync"/>;
    /// <paramref name="initialView"/> is this instance's view to publish once registered.
    /// </summary>
    void Start(InstanceView initialView, Action<ClusterSnapshot> onChange);

    /// <summary>
    /// Makes <paramref name="view"/> this instance's published view. Returns at once: the store writes the newest view
    /// it was given (older ones not yet written are skipped), and writes it again after reconnecting.
    /// </summary>
    void Publish(InstanceView view);

    /// <summary>
    /// Writes a manual enable/disable for every instance to apply. Completes when the store has it, or with the reason
    /// it does not (the store cannot be reached, or this instance is cut off from its quorum): then nothing changed.
    /// </summary>
    Task<ClusterWriteResult> SetEndpointEnabledAsync(ManualSetting setting, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes <paramref name="setting"/> from the store if the store still holds it (the same flag, made at the same
    /// time): a configuration edit superseded it. A newer setting of the endpoint stays. Completes with the reason when
    /// the store cannot be reached.
    /// </summary>
    Task<ClusterWriteResult> RemoveSettingAsync(ManualSetting setting, CancellationToken cancellationToken);

    /// <summary>Revokes this instance's lease (its membership and view go at once) and stops following the store.</summary>
    Task StopAsync();
}
