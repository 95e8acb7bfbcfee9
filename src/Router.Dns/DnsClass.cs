namespace Router.Dns;

/// <summary>DNS classes (RFC 1035 §3.2.4).</summary>
public enum DnsClass : ushort
{
    IN = 1,
    CH = 3,
    HS = 4,
    None = 254,
    ANY = 255,
}
