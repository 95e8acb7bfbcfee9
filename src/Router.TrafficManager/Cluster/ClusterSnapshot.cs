namespace Router.TrafficManager.Cluster;

/// <summary>
/// What the store says at one moment: whether it can be reached, the live instances, their views and the manual
/// settings. Immutable; the store publishes a new one with every change.
/// </summary>
/// <param name="State">Whether this instance follows the store.</param>
/// <param name="Since">When <paramref name="State"/> began.</param>
/// <param name="Reason">Why the instance answers by its own view (<see cref="ClusterStoreState.LocalView"/>); null otherwise.</param>
/// <param name="Members">
/// The live instances, ordered by id: this one included once it is registered (not while another live instance holds
/// its id, nor in the local view, where the list is empty).
/// </param>
/// <param name="Views">The views of live instances, by instance id (ordinal). A view of an instance that is not live is left out.</param>
/// <param name="Settings">Every manual setting the store holds (the last ones seen while it cannot be reached).</param>
/// <param name="Revision">The store's revision this snapshot reflects (0 before the first contact).</param>
public sealed record ClusterSnapshot(
    ClusterStoreState State, DateTimeOffset Since, string? Reason, IReadOnlyList<ClusterMember> Members,
    IReadOnlyDictionary<string, InstanceView> Views, IReadOnlyList<ManualSetting> Settings, long Revision)
{
    /// <summary>Before the first contact with the store.</summary>
    public static ClusterSnapshot Starting(DateTimeOffset since) =>
        new(ClusterStoreState.Starting, since, "not yet connected to the cluster store", [], new Dictionary<string, InstanceView>(StringComparer.Ordinal), [], 0);
}
