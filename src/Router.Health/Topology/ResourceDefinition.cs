using Router.Health.Checks;
using Router.Health.Configuration;

namespace Router.Health.Topology;

/// <summary>One resource to probe.</summary>
internal sealed record ResourceDefinition(string Id, ResourceKind Kind, IResourceCheck Check, TimeSpan Timeout, string CheckFingerprint);
