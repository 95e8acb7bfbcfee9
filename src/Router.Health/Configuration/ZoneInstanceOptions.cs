namespace Router.Health.Configuration;

/// <summary>One instance of a zone pool (<see cref="ResourceOptions.Instances"/>): its zone and its check.</summary>
public sealed class ZoneInstanceOptions
{
    /// <summary>The availability zone (<c>"1"</c>, <c>"2"</c>, <c>"3"</c>); unique within the resource.</summary>
    public string? Zone { get; set; }

    /// <summary>How this instance is checked: the keys of a resource's <c>Check</c>.</summary>
    public CheckOptions Check { get; set; } = new();
}
