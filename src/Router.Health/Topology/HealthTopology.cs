using Router.Health.Checks;
using Router.Health.Configuration;

namespace Router.Health.Topology;

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
    /// Adds every error of <paramref name="options"/> to <paramref name="errors"/>, with its key path, exactly as
    /// <see cref="Build"/> would, from plain data: each check is parsed into its settings
    /// (<see cref="CheckSettingsParser"/>) and none is built. What <c>router validate</c> and a reload's validation run.
    /// </summary>
    public static void Validate(HealthOptions options, string path, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        _ = Walk(options, path, errors, CheckSettingsParser.TryParse);
    }

    /// <summary>
    /// Builds the topology with live checks, adding every error with its key path (<c>Health:Registries:3:Cache: ...</c>).
    /// Returns null when there were errors; then no check was built. <paramref name="checkFactory"/> (tests) replaces
    /// parsing and building a check.
    /// </summary>
    public static HealthTopology? Build(HealthOptions options, TimeProvider timeProvider, string path, List<string> errors,
        Func<CheckOptions, string, List<string>, IResourceCheck?>? checkFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (checkFactory is not null)
        {
            return Walk(options, path, errors, checkFactory) is { } made ? Assemble(options, made, check => check) : null;
        }

        // Every section is parsed before any check is built, so a section with errors builds nothing.
        return Walk(options, path, errors, CheckSettingsParser.TryParse) is { } parsed
            ? Assemble(options, parsed, definition => CheckFactory.Create(definition, timeProvider))
            : null;
    }

    private static HealthTopology Assemble<TCheck>(HealthOptions options, Walked<TCheck> walked, Func<TCheck, IResourceCheck> build)
    {
        double defaultTimeout = options.Evaluation.TimeoutSeconds;
        var resources = new ResourceDefinition[walked.Resources.Count];
        for (int i = 0; i < resources.Length; i++)
        {
            var (resource, check) = walked.Resources[i];
            var timeout = TimeSpan.FromSeconds(resource.Check.TimeoutSeconds ?? defaultTimeout);
            resources[i] = new ResourceDefinition(resource.Id!, resource.Kind!.Value, build(check), timeout, Fingerprint(resource));
        }

        return new HealthTopology(resources, walked.Registries, walked.ByName);
    }

    /// <summary>
    /// The one pass over the section that finds its errors: resource ids and kinds, each check through
    /// <paramref name="check"/>, registry names and references. Null when it added an error.
    /// </summary>
    private static Walked<TCheck>? Walk<TCheck>(HealthOptions options, string path, List<string> errors, Func<CheckOptions, string, List<string>, TCheck?> check)
        where TCheck : class
    {
        int errorCount = errors.Count;
        var resources = new List<(ResourceOptions Options, TCheck Check)>(options.Resources.Count);
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

            var parsed = check(resource.Check, $"{resourcePath}:Check", errors);
            if (!ok || parsed is null)
            {
                continue;
            }

            resourceIndex[resource.Id!] = resources.Count;
            resources.Add((resource, parsed));
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

                var resourceKind = resources[index].Options.Kind!.Value;
                if (resourceKind != kind)
                {
                    errors.Add($"{registryPath}:{kind}: '{id}' is a {resourceKind} resource, not {kind}");
                    return -1;
                }

                return index;
            }
        }

        return errors.Count == errorCount ? new Walked<TCheck>(resources, registries, byName) : null;
    }

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

    /// <summary>What one pass over the section found: each valid resource with what its check became, the registries, their index by name.</summary>
    private sealed record Walked<TCheck>(List<(ResourceOptions Options, TCheck Check)> Resources, RegistryDefinition[] Registries, Dictionary<string, int> ByName);
}
