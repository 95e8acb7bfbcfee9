namespace Router.TrafficManager.Monitoring.Batch;

/// <summary>One registry's verdict in a batch document.</summary>
/// <param name="Healthy"><c>status: Healthy</c> (the per-registry endpoint would answer 200); false for <c>Unhealthy</c> (503).</param>
/// <param name="FailOpen">The monitor answered Healthy only because it could not evaluate (fail-open).</param>
/// <param name="Reason">The verdict's reason, when it has one.</param>
/// <param name="Error">What a failed probe says for an Unhealthy verdict (<c>verdict Unhealthy in eastus: …</c>); null when Healthy. Made once per document.</param>
internal readonly record struct BatchVerdict(bool Healthy, bool FailOpen, string? Reason, string? Error)
{
    /// <summary>Whether the verdict differs from <paramref name="other"/> in what is counted (status and fail-open).</summary>
    public bool DiffersFrom(BatchVerdict other) => Healthy != other.Healthy || FailOpen != other.FailOpen;
}
