namespace Router.TrafficManager.Routing;

/// <summary>
/// The outcome of routing one query: which endpoints answer, the ECS scope the answer holds for, and why. A value on
/// the stack; the DNS answer path and Explain both produce it with <see cref="ProfileRouting.Route"/>.
/// </summary>
internal struct RoutingDecision
{
    /// <summary>Indices (configuration order) of the endpoints in the answer, the first <see cref="Count"/> valid.</summary>
    public EndpointIndexBuffer Chosen;

    public int Count;

    /// <summary>The RFC 7871 scope prefix length: how much of the client address the choice depended on (0: none).</summary>
    public byte Scope;

    public RoutingRule Rule;

    /// <summary>Whether no enabled endpoint was healthy, so every enabled endpoint was eligible (the all-degraded rule).</summary>
    public bool AllDegraded;

    /// <summary>Performance: the latency table row that matched the client, if any.</summary>
    public LatencyRow? Row;

    /// <summary>Subnet: the configured subnet entry that matched the client, if any.</summary>
    public string? MatchedSubnet;

    /// <summary>Subnet and Geographic: the endpoint mapped to the client, or -1.</summary>
    public int MappedEndpoint;

    /// <summary>Geographic: where the database places the client (default when the profile maps only WORLD).</summary>
    public GeoLocation Location;

    /// <summary>Geographic: which mapping matched the client (country, continent, WORLD), or none.</summary>
    public GeoLevel GeoLevel;

    public readonly int this[int index] => Chosen[index];
}
