namespace Router.Health.Configuration;

/// <summary>The kinds of resource a registry depends on.</summary>
public enum ResourceKind
{
    Storage,
    Cache,
    Auth,
    Container,
    Metadata,
}
