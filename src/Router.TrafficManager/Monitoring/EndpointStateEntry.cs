namespace Router.TrafficManager.Monitoring;

/// <summary>One endpoint's state, as an <see cref="EndpointStates"/> snapshot lists it.</summary>
internal readonly record struct EndpointStateEntry(string Profile, string Endpoint, EndpointMonitorState State);
