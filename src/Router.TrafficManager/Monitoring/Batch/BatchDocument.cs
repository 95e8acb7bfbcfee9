namespace Router.TrafficManager.Monitoring.Batch;

/// <summary>A parsed batch document (<c>GET /health/registries</c>), validated: every entry named once, every status known.</summary>
/// <param name="Region">The monitor's region.</param>
/// <param name="Version">The document's version.</param>
/// <param name="Complete">Whether it carries every registry (a full document) or only the changes after <c>since</c>.</param>
/// <param name="Verdicts">The registries' verdicts, by name (ignoring case).</param>
internal sealed record BatchDocument(string Region, long Version, bool Complete, Dictionary<string, BatchVerdict> Verdicts);
