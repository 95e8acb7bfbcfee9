namespace Router.Health.Configuration;

/// <summary>Whether deep evaluation runs (the kill switch), globally or for one registry.</summary>
public enum DeepEvaluationMode
{
    Enabled,
    Disabled,
}

/// <summary>The kinds of resource a registry depends on.</summary>
public enum ResourceKind
{
    Storage,
    Cache,
    Auth,
    Container,
    Metadata,
}

/// <summary>The <c>Health</c> section: the deep health monitor of one region.</summary>
public sealed class HealthOptions
{
    /// <summary>The region this monitor runs in; reported in every verdict.</summary>
    public string? Region { get; set; }

    /// <summary>
    /// Where the health endpoints listen, as a URL (<c>http://127.0.0.11:8081</c>).
    /// <value>The default value is <c>http://127.0.0.1:8081</c>.</value>
    /// </summary>
    public string? Listen { get; set; }

    /// <summary>
    /// The global kill switch: <c>Disabled</c> makes every registry answer 200 (pass-through).
    /// <value>The default value is <c>Enabled</c>.</value>
    /// </summary>
    public DeepEvaluationMode DeepEvaluation { get; set; } = DeepEvaluationMode.Enabled;

    public HealthEvaluationOptions Evaluation { get; set; } = new();

    public List<ResourceOptions> Resources { get; set; } = [];

    public List<RegistryOptions> Registries { get; set; } = [];
}

/// <summary>Probe timing and the thresholds of the state machine.</summary>
public sealed class HealthEvaluationOptions
{
    /// <summary>Seconds between two probes of one resource. <value>The default value is 5.</value></summary>
    public double IntervalSeconds { get; set; } = 5;

    /// <summary>Seconds one probe may take; must be less than the interval. <value>The default value is 3.</value></summary>
    public double TimeoutSeconds { get; set; } = 3;

    /// <summary>Consecutive failures that make a resource Unhealthy. <value>The default value is 3.</value></summary>
    public int FailuresToUnhealthy { get; set; } = 3;

    /// <summary>Consecutive successes that make it Healthy again. <value>The default value is 2.</value></summary>
    public int SuccessesToHealthy { get; set; } = 2;

    /// <summary>
    /// A resource with no conclusive result for this long counts as healthy (fail-open) with a reason.
    /// <value>The default value is 60.</value>
    /// </summary>
    public double StaleAfterSeconds { get; set; } = 60;

    /// <summary>Probes running at once at most. <value>The default value is 64.</value></summary>
    public int MaxConcurrentChecks { get; set; } = 64;
}

/// <summary>One backing resource, probed once per interval however many registries share it.</summary>
public sealed class ResourceOptions
{
    public string? Id { get; set; }

    public ResourceKind? Kind { get; set; }

    public CheckOptions Check { get; set; } = new();
}

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

/// <summary>One registry and the resources it depends on, by kind.</summary>
public sealed class RegistryOptions
{
    public string? Name { get; set; }

    public string? Storage { get; set; }

    public string? Cache { get; set; }

    public string? Auth { get; set; }

    public string? Container { get; set; }

    /// <summary>Only for registries that use metadata search.</summary>
    public string? Metadata { get; set; }

    /// <summary>The per-registry kill switch; unset follows the global one.</summary>
    public DeepEvaluationMode? DeepEvaluation { get; set; }
}
