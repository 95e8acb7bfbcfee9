namespace Router.TrafficManager.Monitoring;

/// <summary>
/// A probe finished and the endpoint's state is now <paramref name="Current"/>; <paramref name="States"/> is the snapshot
/// of every endpoint's state that the change was published in.
/// </summary>
/// <remarks>
/// <see cref="Previous"/> and <see cref="Current"/> may have the same status: every probe is published. Changes for
/// different endpoints may arrive concurrently and out of order: keep the snapshot with the highest
/// <see cref="EndpointStates.Version"/> (<see cref="EndpointStates.Newest"/>).
/// </remarks>
internal readonly record struct EndpointStateChange(
    string Profile, string Endpoint, EndpointMonitorState Previous, EndpointMonitorState Current, EndpointStates States);
