using Router.Health.Evaluation;

namespace Router.Health.Http;

/// <summary>
/// One reading of a resource, encoded: <paramref name="Json"/> is its object in <c>dependencies</c>,
/// <paramref name="Reason"/> its part of the verdict's <c>reason</c> (escaped JSON string content, no quotes; empty for
/// <see cref="DependencyEffect.None"/>). <paramref name="LostZones"/>: a zone pool's zones whose instance is Unhealthy
/// in this reading, one bit each (0 for a single resource).
/// </summary>
internal sealed record EncodedReading(byte[] Json, DependencyEffect Effect, byte[] Reason, ulong LostZones = 0);
