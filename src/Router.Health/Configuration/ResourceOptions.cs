namespace Router.Health.Configuration;

/// <summary>One backing resource, probed once per interval however many registries share it.</summary>
public sealed class ResourceOptions
{
    public string? Id { get; set; }

    public ResourceKind? Kind { get; set; }

    public CheckOptions Check { get; set; } = new();
}
