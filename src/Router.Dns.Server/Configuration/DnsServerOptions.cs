namespace Router.Dns.Server.Configuration;

/// <summary>The <c>Dns</c> section: where the server listens, the zones it is authoritative for, and forwarding.</summary>
public sealed class DnsServerOptions
{
    /// <summary>
    /// Addresses to serve UDP and TCP on, as <c>IP:port</c> (<c>[::1]:53</c> for IPv6; the port defaults to 53).
    /// <value>The default value is <c>127.0.0.1:53</c>.</value>
    /// </summary>
    public List<string> Listen { get; set; } = [];

    /// <summary>Static zones served authoritatively.</summary>
    public List<DnsZoneOptions> Zones { get; set; } = [];

    public DnsForwardingOptions Forwarding { get; set; } = new();

    /// <summary>
    /// The largest UDP response sent, whatever the client advertises; also the payload size we advertise.
    /// <value>The default value is 1232 (DNS Flag Day 2020).</value>
    /// </summary>
    public int MaxUdpPayload { get; set; } = DnsLimits.DefaultEdnsPayloadSize;

    /// <summary>
    /// Receiving threads (one SO_REUSEPORT socket each) per UDP address; 0 means one per two processors, at least one.
    /// <value>The default value is 0.</value>
    /// </summary>
    public int UdpReceivers { get; set; }

    public DnsTcpOptions Tcp { get; set; } = new();
}

/// <summary>TCP transport limits (RFC 7766 §6.2).</summary>
public sealed class DnsTcpOptions
{
    /// <summary>
    /// A connection with no complete query for this long is closed.
    /// <value>The default value is 10 seconds.</value>
    /// </summary>
    public double IdleTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Open connections at most per address; when full, the connection idle the longest is closed to make room.
    /// <value>The default value is 512.</value>
    /// </summary>
    public int MaxConnections { get; set; } = 512;

    /// <summary>
    /// Queries of one connection that may be in progress at once (pipelining, RFC 7766 §6.2.1.1).
    /// <value>The default value is 16.</value>
    /// </summary>
    public int MaxQueriesInFlight { get; set; } = 16;
}

/// <summary>One static zone.</summary>
public sealed class DnsZoneOptions
{
    /// <summary>The zone apex, e.g. <c>registry.test</c>.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// The TTL of records that do not set their own, in seconds.
    /// <value>The default value is 300.</value>
    /// </summary>
    public int Ttl { get; set; } = 300;

    public List<DnsRecordOptions> Records { get; set; } = [];
}

/// <summary>One record of a static zone.</summary>
public sealed class DnsRecordOptions
{
    /// <summary>The owner, relative to the zone (<c>@</c> for the apex) or absolute with a trailing dot.</summary>
    public string? Name { get; set; }

    /// <summary>The type: A, AAAA, CNAME, NS, SOA, TXT, PTR, MX, SRV, or TYPEnnn with RFC 3597 data.</summary>
    public string? Type { get; set; }

    /// <summary>The data in zone-file presentation format.</summary>
    public string? Value { get; set; }

    /// <summary>Overrides the zone's TTL.</summary>
    public int? Ttl { get; set; }
}

/// <summary>Forwarding of names outside our zones (the sidecar role).</summary>
public sealed class DnsForwardingOptions
{
    /// <summary>
    /// Whether names outside our zones are forwarded. When off they are REFUSED.
    /// <value>The default value is <see langword="false"/>.</value>
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Upstream resolvers as <c>IP:port</c>; empty means the nameservers of <c>/etc/resolv.conf</c>, ourselves skipped.
    /// </summary>
    public List<string> Upstreams { get; set; } = [];

    /// <summary>
    /// Clients that may use forwarding, as prefixes. Everyone else is REFUSED for names outside our zones.
    /// <value>The default value is loopback only: <c>127.0.0.0/8</c> and <c>::1/128</c>.</value>
    /// </summary>
    public List<string> AllowedClients { get; set; } = [];

    /// <summary>
    /// How long one attempt at one upstream may take before the next upstream is tried.
    /// <value>The default value is 2 seconds.</value>
    /// </summary>
    public double TimeoutSeconds { get; set; } = 2;

    /// <summary>
    /// Attempts in all, moving to the next upstream after each failure.
    /// <value>The default value is 0: one attempt per upstream, at least two.</value>
    /// </summary>
    public int Attempts { get; set; }

    public DnsCacheOptions Cache { get; set; } = new();

    /// <summary>
    /// Forwarded queries in progress at most; more are answered SERVFAIL at once.
    /// <value>The default value is 1024.</value>
    /// </summary>
    public int MaxConcurrent { get; set; } = 1024;
}

/// <summary>The forwarding cache (RFC 1035 §7.4, RFC 2308 for negative answers).</summary>
public sealed class DnsCacheOptions
{
    /// <summary><value>The default value is <see langword="true"/>.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Cached answers at most.
    /// <value>The default value is 10,000.</value>
    /// </summary>
    public int MaxEntries { get; set; } = 10_000;

    /// <summary>
    /// The longest a positive answer is kept, in seconds, whatever its TTL.
    /// <value>The default value is 3600.</value>
    /// </summary>
    public int MaxTtlSeconds { get; set; } = 3600;

    /// <summary>
    /// The longest a negative answer (NXDOMAIN, NODATA) is kept, in seconds (RFC 2308 §5).
    /// <value>The default value is 300.</value>
    /// </summary>
    public int MaxNegativeTtlSeconds { get; set; } = 300;
}
