namespace Router.Testing.Dns;

/// <summary>The real DNS clients the integration tests drive.</summary>
public enum DnsClientTool
{
    /// <summary>ISC <c>dig</c> (bind9-dnsutils).</summary>
    Dig,

    /// <summary>Knot <c>kdig</c> (knot-dnsutils).</summary>
    Kdig,
}
