namespace Router.TrafficManager.Cluster;

/// <summary>One instance's view of every endpoint it monitors, published under its lease.</summary>
/// <param name="InstanceId">The instance that published it.</param>
/// <param name="PublishedAt">When it was made.</param>
/// <param name="Endpoints">Its view of each endpoint it monitors (enabled endpoints; a disabled one has no view).</param>
public sealed record InstanceView(string InstanceId, DateTimeOffset PublishedAt, IReadOnlyList<EndpointView> Endpoints);
