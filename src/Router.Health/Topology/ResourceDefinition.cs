using Router.Health.Configuration;

namespace Router.Health.Topology;

/// <summary>
/// One resource to probe: one check, or a zone pool of several (<see cref="Probes"/>, one per zone, each with its own
/// state machine), Healthy while at least <see cref="MinHealthy"/> of them are.
/// </summary>
/// <param name="Id">The resource's id.</param>
/// <param name="Kind">What registries use it as.</param>
/// <param name="Probes">What is probed: one element for a single resource, one per zone for a pool (in configuration order).</param>
/// <param name="CheckFingerprint">Every setting of the checks: a reload keeps the state only when it is unchanged.</param>
/// <param name="MinHealthy">For a pool, the instances that must be healthy; 0 for a single resource.</param>
internal sealed record ResourceDefinition(string Id, ResourceKind Kind, ResourceProbe[] Probes, string CheckFingerprint, int MinHealthy = 0)
{
    /// <summary>Whether this is a zone pool (its state is made of its instances' states).</summary>
    public bool IsPool => MinHealthy > 0;
}
