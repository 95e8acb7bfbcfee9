using Router.Health.Configuration;

namespace Router.Health.Topology;

/// <summary>The checks of a resource, zone pools (<c>Instances</c>, <c>MinHealthy</c>) and registries' <c>Zones</c>.</summary>
internal sealed partial class HealthTopology
{
    /// <summary>Distinct zones in one configuration at most: a zone is a bit of a 64-bit mask.</summary>
    public const int MaxZones = 64;

    private static readonly string EmptyCheckFingerprint = CheckFingerprint(new CheckOptions());

    /// <summary>A pool's <c>MinHealthy</c>, by default a majority of its instances.</summary>
    private static int MinHealthyOf(ResourceOptions resource) => resource.MinHealthy ?? ((resource.Instances.Count / 2) + 1);

    /// <summary>A single resource's <c>Check</c>, through <paramref name="check"/>; null when it has errors.</summary>
    private static TCheck[]? WalkCheck<TCheck>(ResourceOptions resource, string resourcePath, List<string> errors,
        Func<CheckOptions, string, List<string>, TCheck?> check)
        where TCheck : class
    {
        if (resource.MinHealthy is not null)
        {
            errors.Add($"{resourcePath}:MinHealthy: only for a zone pool (a resource with Instances)");
        }

        var parsed = check(resource.Check, $"{resourcePath}:Check", errors);
        return parsed is null || resource.MinHealthy is not null ? null : [parsed];
    }

    /// <summary>
    /// A zone pool's instances: each zone given once, each check through <paramref name="check"/>, no <c>Check</c> of
    /// its own, <c>MinHealthy</c> within 1 and the number of instances; new zones are added to <paramref name="zoneNames"/>.
    /// Null when it has errors.
    /// </summary>
    private static TCheck[]? WalkInstances<TCheck>(ResourceOptions resource, string resourcePath, List<string> errors,
        Func<CheckOptions, string, List<string>, TCheck?> check, List<string> zoneNames)
        where TCheck : class
    {
        int errorCount = errors.Count;
        if (CheckFingerprint(resource.Check) != EmptyCheckFingerprint)
        {
            errors.Add($"{resourcePath}:Check: a resource has either Check or Instances, not both");
        }

        int count = resource.Instances.Count;
        if (resource.MinHealthy is int min && (min < 1 || min > count))
        {
            errors.Add($"{resourcePath}:MinHealthy: must be 1-{count} (the number of instances)");
        }

        var checks = new TCheck[count];
        var zones = new HashSet<string>(StringComparer.Ordinal);
        for (int j = 0; j < count; j++)
        {
            string instancePath = $"{resourcePath}:Instances:{j}";
            var instance = resource.Instances[j];
            if (string.IsNullOrWhiteSpace(instance.Zone))
            {
                errors.Add($"{instancePath}:Zone: required (the instance's availability zone, e.g. \"1\")");
            }
            else if (!zones.Add(instance.Zone))
            {
                errors.Add($"{instancePath}:Zone: '{instance.Zone}' is used by another instance of this resource");
            }
            else if (!zoneNames.Contains(instance.Zone))
            {
                if (zoneNames.Count == MaxZones)
                {
                    errors.Add($"{instancePath}:Zone: '{instance.Zone}' is one zone too many (at most {MaxZones} distinct zones)");
                }
                else
                {
                    zoneNames.Add(instance.Zone);
                }
            }

            checks[j] = check(instance.Check, $"{instancePath}:Check", errors)!;
        }

        return errors.Count == errorCount ? checks : null;
    }

    /// <summary>
    /// A registry's <c>Zones</c>: each given once, not empty, and every zonal dependency of the registry (a pool) with an
    /// instance in each; null (and errors) otherwise.
    /// </summary>
    private static RegistryZones? WalkRegistryZones<TCheck>(List<string> zones, in RegistryDefinition registry,
        List<(ResourceOptions Options, TCheck[] Checks)> resources, List<string> zoneNames, string registryPath, List<string> errors)
    {
        int errorCount = errors.Count;
        var zonal = new List<ResourceOptions>();
        for (int k = 0; k < RegistryDefinition.KindCount; k++)
        {
            int index = registry[(ResourceKind)k];
            if (index >= 0 && resources[index].Options.Instances.Count > 0)
            {
                zonal.Add(resources[index].Options);
            }
        }

        if (zonal.Count == 0)
        {
            errors.Add($"{registryPath}:Zones: the registry has no zonal dependency (a resource with Instances) for zones to apply to");
            return null;
        }

        ulong mask = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int z = 0; z < zones.Count; z++)
        {
            string zonePath = $"{registryPath}:Zones:{z}";
            string zone = zones[z];
            if (string.IsNullOrWhiteSpace(zone))
            {
                errors.Add($"{zonePath}: empty (a zone name, e.g. \"1\")");
                continue;
            }

            if (!seen.Add(zone))
            {
                errors.Add($"{zonePath}: '{zone}' is listed twice");
                continue;
            }

            foreach (var resource in zonal.Where(r => !r.Instances.Any(i => i.Zone == zone)))
            {
                errors.Add($"{zonePath}: {resource.Kind} '{resource.Id}' has no instance in zone '{zone}'");
            }

            int bit = zoneNames.IndexOf(zone);
            if (bit >= 0)
            {
                mask |= 1UL << bit;
            }
        }

        return errors.Count == errorCount ? new RegistryZones(mask, zones) : null;
    }
}
