using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Router.Cluster.Configuration;
using Router.Dns.Server.Configuration;
using Router.Health.Configuration;
using Router.TrafficManager.Admin;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Geo;

namespace Router.Cli.Configuration;

/// <summary>The result of reading and validating a configuration: options, or every error with its key path.</summary>
internal sealed record LoadedConfiguration(RouterOptions? Options, IReadOnlyList<string> Errors, IConfigurationRoot? Root)
{
    public bool IsValid => Options is not null && Errors.Count == 0;
}

/// <summary>
/// Reads a JSON configuration file with <c>Router__</c> environment overrides, checks its shape, binds and validates
/// every section. Each load builds a fresh configuration, so a bad file never disturbs the running one.
/// </summary>
internal static class RouterConfigurationLoader
{
    /// <summary>The prefix of environment variables that override keys: <c>Router__Dns__Listen__0</c>.</summary>
    public const string EnvironmentPrefix = "Router__";

    /// <summary>
    /// The sections of the file: the roles, <c>Cluster</c> for several router instances, <c>Telemetry</c> for
    /// OpenTelemetry export, and <c>Logging</c> for log levels.
    /// </summary>
    private static readonly string[] KnownSections = ["Dns", "TrafficManager", "Health", "Admin", "Cluster", "Telemetry", "Logging"];

    public static LoadedConfiguration Load(string path)
    {
        var errors = new List<string>();
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            return new LoadedConfiguration(null, [$"{path}: file not found"], null);
        }

        IConfigurationRoot root;
        try
        {

            root = new ConfigurationBuilder()
                .Add(IndexedJsonConfigurationSource.ForFile(fullPath, setAside: TrafficManagerOptionsBinder.ProfilesPath))
                .AddEnvironmentVariables(EnvironmentPrefix)
                .Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException or System.Text.Json.JsonException)
        {
            return new LoadedConfiguration(null, [$"{path}: not valid JSON: {JsonErrorReason(ex)}"], null);
        }

        ResolveAgainstTheFile(root, Path.GetDirectoryName(fullPath)!);
        var profilesJson = root.Providers.OfType<IndexedJsonConfigurationProvider>().Single().SetAsideJson;
        return Validate(root, errors, profilesJson);
    }

    /// <summary>
    /// File names a configuration gives relative to itself: <c>Cluster:CaFile</c>, <c>Health:RegistriesFile</c> and <c>TrafficManager:GeoDatabase</c>
    /// (like <c>Admin:StateFile</c>, which <c>serve</c> resolves), so that a configuration and its files can move together.
    /// </summary>
    private static void ResolveAgainstTheFile(IConfigurationRoot root, string directory)
    {
        foreach (string key in (ReadOnlySpan<string>)["Cluster:CaFile", "Health:RegistriesFile", "TrafficManager:GeoDatabase"])
        {
            string? value = root[key];
            if (!string.IsNullOrWhiteSpace(value) && !Path.IsPathRooted(value))
            {
                root[key] = Path.GetFullPath(Path.Combine(directory, value));
            }
        }
    }

    /// <summary>Checks, binds and validates an already built configuration.</summary>
    /// <param name="root">The configuration.</param>
    /// <param name="errors">Errors found so far; a new list when null.</param>
    /// <param name="profilesJson">The file's <c>TrafficManager:Profiles</c> array when the configuration has set it aside (<see cref="TrafficManagerOptionsBinder"/>).</param>
    public static LoadedConfiguration Validate(IConfigurationRoot root, List<string>? errors = null, ReadOnlyMemory<byte>? profilesJson = null)
    {
        var found = errors ??= [];
        foreach (var section in root.GetChildren())
        {
            if (!KnownSections.Contains(section.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{section.Path}: unknown section (known: {string.Join(", ", KnownSections)})");
            }
        }

        CheckLogLevels(root.GetSection("Logging"), errors);

        var options = new RouterOptions
        {
            Dns = BindSection<DnsServerOptions>(root, "Dns", errors, dns => DnsServerOptionsValidator.Validate(dns, "Dns")),
            Health = BindSection<HealthOptions>(root, "Health", errors, health => HealthOptionsValidator.Validate(health),
                HealthOptionsBinder.Bind),
            TrafficManager = BindSection<TrafficManagerOptions>(root, "TrafficManager", errors, tm => TrafficManagerOptionsValidator.Validate(tm, "TrafficManager"),
                (section, tm) => TrafficManagerOptionsBinder.Bind(section, tm, profilesJson, found)),
            Admin = BindSection<AdminOptions>(root, "Admin", errors, admin => AdminOptionsValidator.Validate(admin, "Admin")),
            Cluster = BindSection<ClusterOptions>(root, "Cluster", errors, cluster => ClusterOptionsValidator.Validate(cluster, "Cluster")),
            Telemetry = BindSection<TelemetryOptions>(root, "Telemetry", errors, telemetry => TelemetryOptionsValidator.Validate(telemetry, "Telemetry")),
        };

        if (options.Dns is null && options.Health is null && options.Admin is null && options.TrafficManager is null && errors.Count == 0)
        {
            errors.Add("Dns: required: the file configures no role (Dns, TrafficManager, Health, Admin)");
        }

        if (options.TrafficManager is not null && options.Dns is null)
        {
            errors.Add("TrafficManager: needs the Dns section: profiles are answered by the DNS server (Dns:Listen)");
        }

        if (options.Cluster is not null && options.TrafficManager is null)
        {
            errors.Add("Cluster: needs the TrafficManager section: the instances of a cluster share endpoint status and manual settings of its profiles");
        }

        CheckZonesDoNotCollide(options, errors);
        if (options.TrafficManager?.GeoDatabase is { } geo && !string.IsNullOrWhiteSpace(geo) && !GeoDatabaseFile.TryCheck(geo, out string? geoError))
        {
            errors.Add($"TrafficManager:GeoDatabase: {geoError}");
        }

        return new LoadedConfiguration(errors.Count == 0 ? options : null, errors, root);
    }

    /// <summary>The traffic manager zone must not also be a static zone: which one would answer?</summary>
    private static void CheckZonesDoNotCollide(RouterOptions options, List<string> errors)
    {
        string? tmZone = options.TrafficManager?.Zone?.TrimEnd('.');
        if (options.Dns is null || string.IsNullOrEmpty(tmZone))
        {
            return;
        }

        for (int i = 0; i < options.Dns.Zones.Count; i++)
        {
            if (string.Equals(options.Dns.Zones[i].Name?.TrimEnd('.'), tmZone, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"Dns:Zones:{i}:Name: '{tmZone}' is TrafficManager:Zone; a zone is either static or the traffic manager's");
            }
        }
    }

    /// <summary>
    /// <c>Logging:LogLevel:CATEGORY</c> and <c>Logging:PROVIDER:LogLevel:CATEGORY</c> must name a level: the logging
    /// library throws on anything else when <c>serve</c> creates its logger, after <c>validate</c> said the file was fine.
    /// </summary>
    private static void CheckLogLevels(IConfigurationSection logging, List<string> errors)
    {
        foreach (var child in logging.GetChildren())
        {
            var levels = child.Key.Equals("LogLevel", StringComparison.OrdinalIgnoreCase) ? child : child.GetSection("LogLevel");
            foreach (var level in levels.GetChildren())
            {
                if (!string.IsNullOrEmpty(level.Value) && !Enum.TryParse<LogLevel>(level.Value, ignoreCase: true, out _))
                {
                    errors.Add($"{level.Path}: '{level.Value}' is not a log level ({string.Join(", ", Enum.GetNames<LogLevel>())})");
                }
            }
        }
    }

    /// <summary>
    /// The parser's own reason with a 1-based line and position: the configuration provider wraps it twice, and its
    /// outer messages ("Could not parse the JSON file.") do not say where.
    /// </summary>
    private static string JsonErrorReason(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        if (inner is System.Text.Json.JsonException { LineNumber: long line, BytePositionInLine: long position } json)
        {
            // System.Text.Json counts from 0 and appends "LineNumber: 0 | BytePositionInLine: 7." to its message.
            string message = json.Message;
            int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            return $"line {line + 1}, position {position + 1}: {(cut > 0 ? message[..cut] : message)}";
        }

        return inner.Message;
    }

    /// <summary>
    /// Checks the shape of section <paramref name="key"/>, binds it and validates it. Keys of the wrong shape are
    /// reported and left out, so the rest is still bound and validated: one run of 'router validate' shows every
    /// error. Null when the section is absent.
    /// </summary>
    private static T? BindSection<T>(IConfigurationRoot root, string key, List<string> errors, Func<T, IReadOnlyList<string>> validate,
        Action<IConfigurationSection, T>? bind = null)
        where T : class, new()
    {
        var section = root.GetSection(key);
        if (!section.Exists())
        {
            return null;
        }

        var badPaths = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        ConfigurationShapeChecker.Check(section, typeof(T), errors, badPaths);
        var bindable = badPaths.Count == 0 ? section : Without(section, badPaths);
        var options = new T();
        try
        {
            if (bind is null)
            {
                bindable.Bind(options);
            }
            else
            {
                bind(bindable, options);
            }

            errors.AddRange(validate(options));
        }
        catch (InvalidOperationException ex)
        {
            errors.Add($"{key}: {ex.Message}");
        }

        return options;
    }

    private static IConfigurationSection Without(IConfigurationSection section, HashSet<string> badPaths)
    {
        var kept = section.AsEnumerable()
            .Where(pair => !badPaths.Any(bad => pair.Key.Equals(bad, StringComparison.OrdinalIgnoreCase) ||
                                                pair.Key.StartsWith(bad + ":", StringComparison.OrdinalIgnoreCase)));
        return new ConfigurationBuilder().AddInMemoryCollection(kept).Build().GetSection(section.Path);
    }
}
