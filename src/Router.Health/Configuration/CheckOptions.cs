namespace Router.Health.Configuration;

/// <summary>How a resource is checked. <see cref="Type"/> chooses which keys apply.</summary>
public sealed class CheckOptions
{
    /// <summary><c>Filesystem</c>, <c>Http</c>, <c>Tcp</c>, <c>Redis</c>, <c>Postgres</c>, <c>Registry</c> or <c>Dns</c>.</summary>
    public string? Type { get; set; }

    /// <summary>Overrides <c>Evaluation:TimeoutSeconds</c> for this check.</summary>
    public double? TimeoutSeconds { get; set; }

    /// <summary>
    /// Any type: a probe that succeeds but takes longer than this is a failure (<c>slow: 1234 ms &gt; budget 500 ms</c>).
    /// Greater than 0 and less than the check's timeout. <value>The default value is none (no budget).</value>
    /// </summary>
    public double? LatencyBudgetMilliseconds { get; set; }

    /// <summary>Filesystem: the directory a sentinel file is written to, read back and deleted from.</summary>
    public string? Path { get; set; }

    /// <summary>Http: the URL; Registry: the registry's base URL (<c>http://127.0.0.11:5000</c>).</summary>
    public string? Url { get; set; }

    /// <summary>Http: the method. <value>The default value is GET.</value></summary>
    public string? Method { get; set; }

    /// <summary>Http: extra request headers.</summary>
    public Dictionary<string, string> Headers { get; set; } = [];

    /// <summary>Http: basic credentials; Registry: basic credentials, also for the token endpoint.</summary>
    public string? Username { get; set; }

    /// <summary>Http, Registry: the password of <see cref="Username"/>; Redis: the AUTH password.</summary>
    public string? Password { get; set; }

    /// <summary>Http: a bearer token.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Http: accepted status codes and ranges (<c>"200"</c>, <c>"200-299"</c>). <value>The default value is 200-299.</value></summary>
    public List<string> ExpectedStatusCodes { get; set; } = [];

    /// <summary>Http: text the response body must contain.</summary>
    public string? BodyContains { get; set; }

    /// <summary>Tcp, Redis: <c>host:port</c>.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Postgres: an Npgsql connection string.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Postgres: the query. <value>The default value is <c>SELECT 1</c>.</value></summary>
    public string? Query { get; set; }

    /// <summary>Registry: the repository of the canary image (<c>canary</c>, <c>team/canary</c>).</summary>
    public string? Repository { get; set; }

    /// <summary>Registry: the canary's tag or digest. <value>The default value is <c>latest</c>.</value></summary>
    public string? Reference { get; set; }

    /// <summary>Dns: the name to resolve (<c>storage.registry.internal</c>), always asked as an absolute name.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// Dns: the record type to ask for, <c>A</c>, <c>AAAA</c> or <c>CNAME</c> (named so because <see cref="Type"/> is the
    /// check's own type). <value>The default value is <c>A</c>.</value>
    /// </summary>
    public string? RecordType { get; set; }

    /// <summary>
    /// Dns: the servers to ask, in order, as <c>IP</c> or <c>IP:port</c> (<c>[::1]:53</c> for IPv6).
    /// <value>The default value is the host's resolvers (<c>/etc/resolv.conf</c>).</value>
    /// </summary>
    public List<string> Servers { get; set; } = [];

    /// <summary>
    /// Dns, with <c>RecordType</c> A or AAAA: networks in CIDR form (<c>192.0.2.0/24</c>; a bare address is one host)
    /// of which at least one answered address must be in. <value>The default value is none (any address passes).</value>
    /// </summary>
    public List<string> ExpectAddresses { get; set; } = [];
}
