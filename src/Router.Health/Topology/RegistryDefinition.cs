using Router.Health.Configuration;

namespace Router.Health.Topology;

/// <summary>
/// One registry: indices of the resources it depends on, by kind (-1: none). A value type in one array, so a
/// million registries cost tens of megabytes. <paramref name="Zones"/>: its <c>Zones</c> rule, or null.
/// </summary>
internal readonly record struct RegistryDefinition(string Name, int Storage, int Cache, int Auth, int Container, int Metadata,
    DeepEvaluationMode? DeepEvaluation, RegistryZones? Zones = null)
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
