using Router.Health.Checks;
using Router.Health.Configuration;

namespace Router.Health.Topology;

/// <summary>
/// The registry → resource map of one configuration, immutable. Probing cost follows the resources; a registry
/// lookup is one dictionary probe by span (no allocation).
/// </summary>
internal sealed partial class HealthTopology
{
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private HealthTopology(ResourceDefinition[] resources, RegistryDefinition[] registries, Dictionary<string, int> byName, string[] zoneNames)
    {
        Resources = resources;
        Registries = registries;
        ZoneNames = zoneNames;
        _lookup = byName.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public ResourceDefinition[] Resources { get; }

    /// <summary>Every zone a pool names, in order of first use; a zone's index is its bit in zone masks.</summary>
    public string[] ZoneNames { get; }

    public RegistryDefinition[] Registries { get; }

    public bool TryFindRegistry(ReadOnlySpan<char> name, out int index) => _lookup.TryGetValue(name, out index);

    /// <summary>Releases what checks hold (an HTTP check's handler) once nothing probes with them any more.</summary>
    public static void DisposeChecks(IEnumerable<ResourceDefinition> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        foreach (var probe in resources.SelectMany(resource => resource.Probes))
        {
            (probe.Check as IDisposable)?.Dispose();
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
            var (resource, checks) = walked.Resources[i];
            if (resource.Instances.Count == 0)
            {
                var timeout = TimeSpan.FromSeconds(resource.Check.TimeoutSeconds ?? defaultTimeout);
                resources[i] = new ResourceDefinition(resource.Id!, resource.Kind!.Value, [new ResourceProbe(build(checks[0]), timeout)], Fingerprint(resource));
                continue;
            }

            var probes = new ResourceProbe[checks.Length];
            for (int j = 0; j < probes.Length; j++)
            {
                var instance = resource.Instances[j];
                probes[j] = new ResourceProbe(build(checks[j]), TimeSpan.FromSeconds(instance.Check.TimeoutSeconds ?? defaultTimeout),
                    instance.Zone!, Array.IndexOf(walked.ZoneNames, instance.Zone));
            }

            resources[i] = new ResourceDefinition(resource.Id!, resource.Kind!.Value, probes, Fingerprint(resource), MinHealthyOf(resource));
        }

        return new HealthTopology(resources, walked.Registries, walked.ByName, walked.ZoneNames);
    }

    /// <summary>
    /// The one pass over the section that finds its errors: resource ids and kinds, each check through
    /// <paramref name="check"/>, registry names and references. Null when it added an error.
    /// </summary>
    private static Walked<TCheck>? Walk<TCheck>(HealthOptions options, string path, List<string> errors, Func<CheckOptions, string, List<string>, TCheck?> check)
        where TCheck : class
    {
        int errorCount = errors.Count;
        var resources = new List<(ResourceOptions Options, TCheck[] Checks)>(options.Resources.Count);
        var resourceIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var zoneNames = new List<string>();
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

            var parsed = resource.Instances.Count == 0
                ? WalkCheck(resource, resourcePath, errors, check)
                : WalkInstances(resource, resourcePath, errors, check, zoneNames);
            if (!ok || parsed is null)
            {
                continue;
            }

            resourceIndex[resource.Id!] = resources.Count;
            resources.Add((resource, parsed));
        }

        // The file is read once per options object: validation reads it, building the live topology reuses the rows.
        var table = ReadRegistriesFile(options, path, errors);
        int inline = options.Registries.Count;
        var registries = new RegistryDefinition[inline + (table?.Rows.Count ?? 0)];
        var byName = new Dictionary<string, int>(registries.Length, StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < inline; i++)
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

            int registryErrors = errors.Count;
            registries[i] = new RegistryDefinition(
                registry.Name,
                Resolve(registry.Storage, ResourceKind.Storage),
                Resolve(registry.Cache, ResourceKind.Cache),
                Resolve(registry.Auth, ResourceKind.Auth),
                Resolve(registry.Container, ResourceKind.Container),
                Resolve(registry.Metadata, ResourceKind.Metadata),
                registry.DeepEvaluation);
            // Zones are checked against the dependencies, so only when each one named resolved (a resource with errors
            // of its own is reported there).
            string?[] named = [registry.Storage, registry.Cache, registry.Auth, registry.Container, registry.Metadata]; // in ResourceKind order
            if (registry.Zones.Count > 0 && errors.Count == registryErrors
                && Enumerable.Range(0, RegistryDefinition.KindCount).All(k => string.IsNullOrWhiteSpace(named[k]) || registries[i][(ResourceKind)k] >= 0))
            {
                registries[i] = registries[i] with { Zones = WalkRegistryZones(registry.Zones, registries[i], resources, zoneNames, registryPath, errors) };
            }

            int Resolve(string? id, ResourceKind kind)
            {
                int index = ResolveResource(id, kind, resourceIndex, resources, options, path, out string? error);
                if (error is not null)
                {
                    errors.Add($"{registryPath}:{kind}: {error}");
                }

                return index;
            }
        }

        if (table is not null)
        {
            WalkFile(table, inline, registries, byName, resourceIndex, resources, options, path, errors);
        }

        return errors.Count == errorCount ? new Walked<TCheck>(resources, registries, byName, [.. zoneNames]) : null;
    }

    /// <summary>
    /// The registries of <c>Health:RegistriesFile</c>, read on the first walk of <paramref name="options"/> and kept on
    /// it (<see cref="HealthOptions.RegistriesFromFile"/>); null when none is configured or it could not be read.
    /// </summary>
    private static RegistryTable? ReadRegistriesFile(HealthOptions options, string path, List<string> errors)
    {
        if (options.RegistriesFromFile is null && !string.IsNullOrWhiteSpace(options.RegistriesFile))
        {
            options.RegistriesFromFile = RegistriesFileReader.Read(Path.GetFullPath(options.RegistriesFile), $"{path}:RegistriesFile", errors);
        }

        return options.RegistriesFromFile;
    }

    /// <summary>
    /// The rows of the registries file into <paramref name="registries"/> after the <paramref name="inline"/> ones, by
    /// the rules of the inline list; errors as <c>Health:RegistriesFile:LINE:Key</c>, bounded. Each distinct resource
    /// id is looked up once, not once per row.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void WalkFile<TCheck>(RegistryTable table, int inline, RegistryDefinition[] registries, Dictionary<string, int> byName,
        Dictionary<string, int> resourceIndex, List<(ResourceOptions Options, TCheck[] Checks)> resources, HealthOptions options, string path,
        List<string> errors)
    {
        var sink = new RegistriesFileErrors(errors, $"{path}:RegistriesFile", table.FileName);
        // Each distinct id is looked up once: its resource index, or -1 (no such resource: an error) or -2 (a resource
        // with errors of its own, already reported).
        var found = new int[table.ResourceIds.Length];
        for (int i = 0; i < found.Length; i++)
        {
            string id = table.ResourceIds[i];
            found[i] = resourceIndex.TryGetValue(id, out int index) ? index : options.Resources.Any(r => r.Id == id) ? -2 : -1;
        }

        Span<int> indices = stackalloc int[RegistryDefinition.KindCount];
        for (int r = 0; r < table.Rows.Count; r++)
        {
            var row = table.Rows[r];
            if (string.IsNullOrWhiteSpace(row.Name))
            {
                sink.Add(row.Line, nameof(RegistryOptions.Name), "required");
                continue;
            }

            if (!byName.TryAdd(row.Name, inline + r))
            {
                int first = byName[row.Name];
                string where = first < inline ? $"{path}:Registries:{first}" : $"line {table.Rows[first - inline].Line}";
                sink.Add(row.Line, nameof(RegistryOptions.Name), $"'{row.Name}' is configured twice (also at {where})");
                continue;
            }

            ReadOnlySpan<int> ids = [row.Storage, row.Cache, row.Auth, row.Container, row.Metadata]; // in ResourceKind order
            for (int k = 0; k < RegistryDefinition.KindCount; k++)
            {
                var kind = (ResourceKind)k;
                int id = ids[k];
                indices[k] = id < 0 ? -1 : found[id];
                if (indices[k] == -1 && id >= 0)
                {
                    sink.Add(row.Line, kind.ToString(), NotAResource(table.ResourceIds[id], path));
                }
                else if (indices[k] >= 0 && resources[indices[k]].Options.Kind!.Value is var resourceKind && resourceKind != kind)
                {
                    sink.Add(row.Line, kind.ToString(), WrongKind(table.ResourceIds[id], resourceKind, kind));
                    indices[k] = -1;
                }

                indices[k] = Math.Max(indices[k], -1);
            }

            registries[inline + r] = new RegistryDefinition(row.Name, indices[0], indices[1], indices[2], indices[3], indices[4], row.DeepEvaluation);
        }

        sink.Complete();
    }

    /// <summary>
    /// The index of resource <paramref name="id"/> for a registry's <paramref name="kind"/>, or -1 with the
    /// <paramref name="error"/> to report (none when the id is unset, or names a resource with errors of its own).
    /// </summary>
    private static int ResolveResource<TCheck>(string? id, ResourceKind kind, Dictionary<string, int> resourceIndex,
        List<(ResourceOptions Options, TCheck[] Checks)> resources, HealthOptions options, string path, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(id))
        {
            return -1;
        }

        if (!resourceIndex.TryGetValue(id, out int index))
        {
            // Only report a missing resource when it is not merely one with errors of its own.
            if (!options.Resources.Any(r => r.Id == id))
            {
                error = NotAResource(id, path);
            }

            return -1;
        }

        var resourceKind = resources[index].Options.Kind!.Value;
        if (resourceKind != kind)
        {
            error = WrongKind(id, resourceKind, kind);
            return -1;
        }

        return index;
    }

    private static string NotAResource(string id, string path) => $"'{id}' is not a resource in {path}:Resources";

    private static string WrongKind(string id, ResourceKind actual, ResourceKind expected) => $"'{id}' is a {actual} resource, not {expected}";

    /// <summary>
    /// Every setting of a resource's check (of each instance's, with its zone, and the pool's minimum), so that a reload
    /// keeps a resource's state only when its checks are the same.
    /// </summary>
    private static string Fingerprint(ResourceOptions resource) => resource.Instances.Count == 0
        ? resource.Kind + "\u001f" + CheckFingerprint(resource.Check)
        : string.Join('\u001e', resource.Instances.Select(i => i.Zone + "\u001f" + CheckFingerprint(i.Check)).Prepend($"{resource.Kind} pool {MinHealthyOf(resource)}"));

    /// <summary>
    /// Every setting of one check. A new <see cref="CheckOptions"/> key must be added here (a test sets each key in turn
    /// and fails otherwise).
    /// </summary>
    private static string CheckFingerprint(CheckOptions check)
    {
        return string.Join('\u001f', check.Type, check.TimeoutSeconds, check.Path, check.Url, check.Method,
            string.Join(',', check.Headers.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => h.Key + "=" + h.Value)),
            check.Username, check.Password, check.BearerToken, string.Join(',', check.ExpectedStatusCodes), check.BodyContains,
            check.Endpoint, check.ConnectionString, check.Query, check.Repository, check.Reference, check.LatencyBudgetMilliseconds,
            check.Name, check.RecordType, string.Join(',', check.Servers), string.Join(',', check.ExpectAddresses));
    }

    /// <summary>What one pass over the section found: each valid resource with what its check became, the registries, their index by name.</summary>
    private sealed record Walked<TCheck>(List<(ResourceOptions Options, TCheck[] Checks)> Resources, RegistryDefinition[] Registries,
        Dictionary<string, int> ByName, string[] ZoneNames);
}
