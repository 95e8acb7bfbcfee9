namespace Router.Dns;

/// <summary>DNS operation codes (RFC 1035 §4.1.1, RFC 6895 §2.2).</summary>
public enum DnsOpCode : byte
{
    Query = 0,
    InverseQuery = 1,
    Status = 2,
    Notify = 4,
    Update = 5,
}
