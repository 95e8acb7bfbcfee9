namespace Router.Testing.Dns;

/// <summary>One record line of a dig/kdig section.</summary>
public sealed record DigRecord(string Name, uint Ttl, string Class, string Type, string Data);
