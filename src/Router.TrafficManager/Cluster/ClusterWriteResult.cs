namespace Router.TrafficManager.Cluster;

/// <summary>The outcome of <see cref="IClusterStore.SetEndpointEnabledAsync"/>.</summary>
/// <param name="Written">Whether the store has the setting.</param>
/// <param name="Error">Why not (<c>the cluster store cannot be reached: ...</c>); null when written.</param>
public sealed record ClusterWriteResult(bool Written, string? Error)
{
    /// <summary>Written.</summary>
    public static ClusterWriteResult Ok { get; } = new(true, null);

    /// <summary>Not written, because of <paramref name="error"/>.</summary>
    public static ClusterWriteResult Failed(string error) => new(false, error);
}
