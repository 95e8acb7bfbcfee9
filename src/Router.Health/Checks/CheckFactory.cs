using Router.Health.Configuration;

namespace Router.Health.Checks;

/// <summary>
/// Builds the live check (handlers, sockets, clients) from validated <see cref="CheckDefinition"/> settings. Only the
/// monitor calls it, in <c>serve</c> (<see cref="Topology.HealthTopology.Build"/>); validation stops at
/// <see cref="CheckSettingsParser"/> and never comes here.
/// </summary>
internal static class CheckFactory
{
    /// <summary>
    /// For tests: told of every live check built on the current async flow. The proof that <c>router validate</c>
    /// builds none: a test counts what validation builds here (and that the serve path is counted).
    /// </summary>
    internal static readonly AsyncLocal<Action<IResourceCheck>?> Built = new();

    /// <summary>The live check for <paramref name="definition"/>, wrapped in its latency budget when it has one.</summary>
    public static IResourceCheck Create(CheckDefinition definition, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(timeProvider);
        IResourceCheck check = definition.Settings switch
        {
            FilesystemCheckSettings s => new FilesystemCheck(s.Path, timeProvider),
            HttpCheckSettings s => new HttpCheck(s, timeProvider),
            TcpCheckSettings s => new TcpCheck(s.Endpoint, timeProvider),
            RedisCheckSettings s => new RedisCheck(s.Endpoint, s.Password, timeProvider),
            RegistryCheckSettings s => new RegistryCheck(s, timeProvider),
            DnsCheckSettings s => new DnsCheck(s, timeProvider),
            PostgresCheckSettings s => new PostgresCheck(s.ConnectionString, s.Query, timeProvider),
            var other => throw new ArgumentException($"no check is built from {other.GetType().Name}", nameof(definition)),
        };

        Built.Value?.Invoke(check);
        return definition.LatencyBudget is { } budget ? new LatencyBudgetCheck(check, budget) : check;
    }

    /// <summary>
    /// Parses <paramref name="options"/> (every problem added to <paramref name="errors"/>, see
    /// <see cref="CheckSettingsParser.TryParse"/>) and builds the live check; null when the section has errors.
    /// </summary>
    public static IResourceCheck? TryCreate(CheckOptions options, string path, TimeProvider timeProvider, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var definition = CheckSettingsParser.TryParse(options, path, errors);
        return definition is null ? null : Create(definition, timeProvider);
    }
}
