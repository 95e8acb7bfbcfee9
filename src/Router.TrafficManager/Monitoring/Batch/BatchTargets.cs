namespace Router.TrafficManager.Monitoring.Batch;

/// <summary>The endpoints of one origin, grouped by registry. Immutable: a reload makes a new one.</summary>
internal sealed class BatchTargets
{
    private readonly Dictionary<string, RegistryGroup> _byName;

    public BatchTargets(IEnumerable<ProbeTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var lists = new Dictionary<string, List<ProbeTarget>>(StringComparer.OrdinalIgnoreCase);
        foreach (var target in targets)
        {
            string registry = BatchOrigin.RegistryOf(target);
            if (!lists.TryGetValue(registry, out var list))
            {
                lists[registry] = list = [];
            }

            list.Add(target);
            EndpointCount++;
        }

        _byName = new Dictionary<string, RegistryGroup>(lists.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (registry, list) in lists)
        {
            _byName[registry] = new RegistryGroup(registry, [.. list], $"registry '{registry}' not in the batch document");
        }
    }

    public static BatchTargets Empty { get; } = new([]);

    public int EndpointCount { get; }

    public IEnumerable<RegistryGroup> Groups => _byName.Values;

    public bool TryGet(string registry, out RegistryGroup? group) => _byName.TryGetValue(registry, out group);
}

/// <summary>The endpoints whose status is one registry's verdict.</summary>
/// <param name="Registry">The registry's name in the batch document.</param>
/// <param name="Targets">Its endpoints (one per profile and region using it).</param>
/// <param name="MissingError">The failure counted when a complete document does not list it.</param>
internal sealed record RegistryGroup(string Registry, ProbeTarget[] Targets, string MissingError);
