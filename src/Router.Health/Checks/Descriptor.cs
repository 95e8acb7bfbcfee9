namespace Router.Health.Checks;

/// <summary>A blob or manifest a manifest points at.</summary>
internal sealed record Descriptor(string Digest, long? Size);
