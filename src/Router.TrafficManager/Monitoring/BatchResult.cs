namespace Router.TrafficManager.Monitoring;

/// <summary>One counted result of a batch poll, for <see cref="ProbeScheduler.RecordBatch"/>.</summary>
/// <param name="Target">The endpoint, as the poller was given it.</param>
/// <param name="Result">What counts for it.</param>
internal readonly record struct BatchResult(ProbeTarget Target, ProbeResult Result);
