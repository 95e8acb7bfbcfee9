using Router.Health.Checks;
using Router.Health.Configuration;

namespace Router.Health.Topology;

/// <summary>One resource to probe.</summary>
internal sealed record ResourceDefinition(string Id, ResourceKind Kind, IResourceCheck Check, TimeSpan Timeout, string CheckFingerprint);

/// <summary>
/// One registry: indices of the resources it depends on, by kind (-1: none). A value type in one array, so a
/// million registries cost tens of megabytes.
/// </summary>
internal readonly record struct RegistryDefinition(string Name, int Storage, int Cache, int Auth, int Container, int Metadata, DeepEvaluationMode? DeepEvaluation)
{
    public const int KindCount = 5;

    /// <summary>The resource index for <paramref name="kind"/>, or -1.</summary>
    public int this[ResourceKind kind] => kind switch
    {
        ResourceKind.Storage => Storage,
        ResourceKind.Cache => Cache,
        ResourceKind.Auth => Auth,
        ResourceKind.Container => Container,
        _ => Metadata,
    };
}

/// <summary>
/// The registry → resource map of one configuration, immutable. Probing cost follows the resources; a registry
/// lookup is one dictionary probe by span (no allocation).
/// </summary>
internal sealed class HealthTopology
{
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private HealthTopology(ResourceDefinition[] resources, RegistryDefinition[] registries, Dictionary<string, int> byName)
    {
        Resources = resources;
        Registries = registries;
        _lookup = byName.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public ResourceDefinition[] Resources { get; }

    public RegistryDefinition[] Registries { get; }

    public bool TryFindRegistry(ReadOnlySpan<char> name, out int index) => _lookup.TryGetValue(name, out index);

    /// <summary>Releases what checks hold (an HTTP check's handler) once nothing probes with them any more.</summary>
    public static void DisposeChecks(IEnumerable<ResourceDefinition> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        foreach (var resource in resources)
        {
            (resource.Check as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// Builds the topology, adding every error with its key path (<c>Health:Registries:3:Cache: ...</c>). Returns null
    /// when there were errors.
    /// </summary>
    public static HealthTopology? Build(HealthOptions options, TimeProvider timeProvider, string path, List<string> errors,
        Func<CheckOptions, string, List<string>, IResourceCheck?>? checkFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var createCheck = checkFactory ?? ((check, checkPath, checkErrors) => CheckFactory.TryCreate(check, checkPath, timeProvider, checkErrors));
        int errorCount = errors.Count;
        double defaultTimeout = options.Evaluation.TimeoutSeconds;

        var resources = new List<ResourceDefinition>(options.Resources.Count);
        var resourceIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < options.Resources.Count; i++)
        {
            string resourcePath = $"{path}:Resources:{i}";
            var resource = options.Resources[i];
            bool ok = true;
            if (string.IsNullOrWhiteSpace(resource.Id))
            {
                errors.Add($"{resourcePath}:Id: required");
                ok = false;
            }
            else if (resourceIndex.ContainsKey(resource.Id))
            {
                errors.Add($"{resourcePath}:Id: '{resource.Id}' is used by another resource");
                ok = false;
            }

            if (resource.Kind is null)
            {
                errors.Add($"{resourcePath}:Kind: required ({string.Join(", ", Enum.GetNames<ResourceKind>())})");
                ok = false;
            }

            var check = createCheck(resource.Check, $"{resourcePath}:Check", errors);
            if (!ok || check is null)
            {
                continue;
            }

            var timeout = TimeSpan.FromSeconds(resource.Check.TimeoutSeconds ?? defaultTimeout);
            resourceIndex[resource.Id!] = resources.Count;
            resources.Add(new ResourceDefinition(resource.Id!, resource.Kind!.Value, check, timeout, Fingerprint(resource)));
        }

        var registries = new RegistryDefinition[options.Registries.Count];
        var byName = new Dictionary<string, int>(options.Registries.Count, StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < options.Registries.Count; i++)
        {
            string registryPath = $"{path}:Registries:{i}";
            var registry = options.Registries[i];
            if (string.IsNullOrWhiteSpace(registry.Name))
            {
                errors.Add($"{registryPath}:Name: required");
                continue;
            }

            if (!byName.TryAdd(registry.Name, i))
            {
                errors.Add($"{registryPath}:Name: '{registry.Name}' is configured twice");
                continue;
            }

            registries[i] = new RegistryDefinition(
                registry.Name,
                Resolve(registry.Storage, ResourceKind.Storage),
                Resolve(registry.Cache, ResourceKind.Cache),
                Resolve(registry.Auth, ResourceKind.Auth),
                Resolve(registry.Container, ResourceKind.Container),
                Resolve(registry.Metadata, ResourceKind.Metadata),
                registry.DeepEvaluation);

            int Resolve(string? id, ResourceKind kind)
            {
                if (string.IsNullOrWhiteSpace(id))
                {
                    return -1;
                }

                if (!resourceIndex.TryGetValue(id, out int index))
                {
                    // Only report a missing resource when it is not merely one with errors of its own.
                    if (!options.Resources.Any(r => r.Id == id))
                    {
                        errors.Add($"{registryPath}:{kind}: '{id}' is not a resource in {path}:Resources");
                    }

                    return -1;
                }

                if (resources[index].Kind != kind)
                {
                    errors.Add($"{registryPath}:{kind}: '{id}' is a {resources[index].Kind} resource, not {kind}");
                    return -1;
                }

                return index;
            }
        }

        return errors.Count == errorCount ? new HealthTopology([.. resources], registries, byName) : null;
    }

    /// <summary>Identifies a resource's check configuration: state carries over a reload only while it is unchanged.</summary>
    /// <summary>
    /// Every setting of a resource's check, so that a reload keeps a resource's state only when its check is the same.
    /// A new <see cref="CheckOptions"/> key must be added here (a test sets each key in turn and fails otherwise).
    /// </summary>
    private static string Fingerprint(ResourceOptions resource)
    {
        var check = resource.Check;
        return string.Join('\u001f', resource.Kind, check.Type, check.TimeoutSeconds, check.Path, check.Url, check.Method,
            string.Join(',', check.Headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => h.Key + "=" + h.Value)),
            check.Username, check.Password, check.BearerToken, string.Join(',', check.ExpectedStatusCodes), check.BodyContains,
            check.Endpoint, check.ConnectionString, check.Query, check.Repository, check.Reference, check.LatencyBudgetMilliseconds,
            check.Name, check.RecordType, string.Join(',', check.Servers), string.Join(',', check.ExpectAddresses));
    }
}
