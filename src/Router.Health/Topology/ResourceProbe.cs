using Router.Health.Checks;

namespace Router.Health.Topology;

/// <summary>
/// One probe loop's target: a resource's check, or one zone instance's check of a pool.
/// </summary>
/// <param name="Check">The live check.</param>
/// <param name="Timeout">Its timeout (<c>Check:TimeoutSeconds</c> or <c>Evaluation:TimeoutSeconds</c>).</param>
/// <param name="Zone">The instance's zone; null for a single resource.</param>
/// <param name="ZoneBit">The zone's index in <see cref="HealthTopology.ZoneNames"/>; -1 for a single resource.</param>
internal sealed record ResourceProbe(IResourceCheck Check, TimeSpan Timeout, string? Zone = null, int ZoneBit = -1);
