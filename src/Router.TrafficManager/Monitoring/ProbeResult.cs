namespace Router.TrafficManager.Monitoring;

/// <summary>
/// The result of one endpoint probe. Probes never throw: a connection error, a timeout or an unexpected status is a
/// failed result with <see cref="Error"/> saying which.
/// </summary>
/// <param name="Succeeded">Whether the probe counts as a success.</param>
/// <param name="StartedAt">When the probe started.</param>
/// <param name="Duration">How long it took (up to the timeout).</param>
/// <param name="StatusCode">The HTTP status code, when a response arrived.</param>
/// <param name="Error">Why it failed (<c>timeout after 10 s</c>, <c>connection refused</c>, <c>status 503 not in 200-299</c>); null on success.</param>
/// <param name="UsedFallback">Whether this is the fallback probe's result (the health monitor could not be reached).</param>
/// <param name="Source">
/// Where a result that is not the endpoint's own probe came from: a batch document (<c>batch http://10.0.0.1:8080/health/registries
/// version 1765112345678 (eastus)</c>) or the batch origin's poll or fallback; null for a probe of the endpoint.
/// </param>
public readonly record struct ProbeResult(
    bool Succeeded, DateTimeOffset StartedAt, TimeSpan Duration, int? StatusCode = null, string? Error = null, bool UsedFallback = false,
    string? Source = null);
