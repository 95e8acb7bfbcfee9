namespace Router.TrafficManager.Configuration;

/// <summary>How a profile chooses among its eligible endpoints (Traffic Manager's routing methods).</summary>
public enum RoutingMethod
{
    /// <summary>The endpoint with the lowest latency from the client's network (<c>LatencyTable</c>).</summary>
    Performance,

    /// <summary>The eligible endpoint with the lowest <c>Priority</c> value.</summary>
    Priority,

    /// <summary>A random eligible endpoint, chosen in proportion to <c>Weight</c>.</summary>
    Weighted,

    /// <summary>Up to <c>MaxReturn</c> eligible endpoints (addresses only), all in one answer.</summary>
    MultiValue,

    /// <summary>The endpoint whose <c>Subnets</c> contain the client's address; an endpoint without subnets catches the rest.</summary>
    Subnet,

    /// <summary>
    /// The endpoint whose <c>GeoMapping</c> holds the client's location (country, else continent, else <c>WORLD</c>) in
    /// the country database <c>TrafficManager:GeoDatabase</c>; NODATA when none does or that endpoint is not eligible.
    /// </summary>
    Geographic,
}

/// <summary>The protocol of an endpoint probe.</summary>
public enum MonitorProtocol
{
    Http,
    Https,
    Tcp,
}

/// <summary>Where a profile's endpoint statuses come from.</summary>
public enum MonitorMode
{
    /// <summary>Each endpoint is probed on its own (<c>Protocol://Target:Port/Path</c> every interval).</summary>
    Probe,

    /// <summary>
    /// Each endpoint's status is its registry's verdict in the batch document of its region's health monitor
    /// (<c>Protocol://Target:Port/health/registries</c>), polled once per origin for every profile that uses it.
    /// </summary>
    Batch,
}

/// <summary>When an endpoint that failed over (<c>Degraded</c>) returns to answers once it is <c>Online</c> again.</summary>
public enum FailbackMode
{
    /// <summary>At once, with the probe that brings it back <c>Online</c> (Traffic Manager's behaviour).</summary>
    Automatic,

    /// <summary>After it has been <c>Online</c> without a failed probe for <c>HoldDownSeconds</c>.</summary>
    HoldDown,

    /// <summary>When an operator releases it (<c>POST …/release</c>, <c>router release</c>).</summary>
    Manual,
}

/// <summary>The <c>TrafficManager</c> section: profiles answered under <see cref="Zone"/>.</summary>
public sealed class TrafficManagerOptions
{
    /// <summary>The zone the profiles are answered in (<c>tm.registry.test</c>): <c>&lt;Profile&gt;.&lt;Zone&gt;</c>.</summary>
    public string? Zone { get; set; }

    /// <summary>
    /// TTL of the zone's SOA and NS records and of negative answers. <value>The default value is 300.</value>
    /// </summary>
    public int ZoneTtl { get; set; } = TrafficManagerDefaults.ZoneTtl;

    /// <summary>
    /// For <c>Geographic</c> profiles: a country database in MaxMind DB format (GeoLite2-Country, DB-IP country), read
    /// when the file changes; relative to the configuration file.
    /// </summary>
    public string? GeoDatabase { get; set; }

    /// <summary>Latency in milliseconds from client networks to endpoint locations, matched by longest prefix.</summary>
    public List<LatencyEntryOptions> LatencyTable { get; set; } = [];

    public List<ProfileOptions> Profiles { get; set; } = [];
}

/// <summary>One row of the latency table.</summary>
public sealed class LatencyEntryOptions
{
    /// <summary>A client network in CIDR notation (<c>10.1.0.0/16</c>, <c>2001:db8::/32</c>).</summary>
    public string? Network { get; set; }

    /// <summary>Milliseconds from that network to each location, by location name.</summary>
    public Dictionary<string, double> Latencies { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One profile: a DNS name, its endpoints, how they are probed and how one is chosen.</summary>
public sealed class ProfileOptions
{
    /// <summary>The relative name answered (<c>contoso</c> → <c>contoso.&lt;Zone&gt;</c>).</summary>
    public string? Name { get; set; }

    /// <summary><value>The default value is <c>Performance</c>.</value></summary>
    public RoutingMethod RoutingMethod { get; set; } = RoutingMethod.Performance;

    /// <summary>TTL of the answers, in seconds. <value>The default value is 30.</value></summary>
    public int Ttl { get; set; } = TrafficManagerDefaults.ProfileTtl;

    /// <summary>For <c>MultiValue</c>: how many endpoints one answer carries (1-8). <value>The default value is 8.</value></summary>
    public int MaxReturn { get; set; } = TrafficManagerDefaults.MaxReturn;

    public MonitorOptions Monitor { get; set; } = new();

    public List<EndpointOptions> Endpoints { get; set; } = [];
}

/// <summary>How every endpoint of a profile is probed (Traffic Manager's endpoint monitoring settings).</summary>
public sealed class MonitorOptions
{
    /// <summary>Per-endpoint probes or the batch document. <value>The default value is <c>Probe</c>.</value></summary>
    public MonitorMode Mode { get; set; } = TrafficManagerDefaults.Mode;

    /// <summary>In <c>Batch</c> mode: the registry's name in the batch document. <value>The default value is the profile's name.</value></summary>
    public string? Registry { get; set; }

    /// <summary>
    /// In <c>Batch</c> mode: the largest batch document accepted, in bytes (at least 1024); a bigger one is a failed poll.
    /// <value>The default value is 134217728 (128 MiB).</value>
    /// </summary>
    public long MaxBatchBytes { get; set; } = TrafficManagerDefaults.MaxBatchBytes;

    /// <summary><value>The default value is <c>Http</c>.</value></summary>
    public MonitorProtocol Protocol { get; set; } = TrafficManagerDefaults.Protocol;

    /// <summary><value>The default value is 80.</value></summary>
    public int Port { get; set; } = TrafficManagerDefaults.Port;

    /// <summary>
    /// The request path (HTTP and HTTPS); in <c>Batch</c> mode the batch document's path, where <c>/</c> (the default)
    /// means <c>/health/registries</c>. <value>The default value is <c>/</c>.</value>
    /// </summary>
    public string Path { get; set; } = TrafficManagerDefaults.Path;

    /// <summary>Seconds between two probes of one endpoint (≥ 1). <value>The default value is 30.</value></summary>
    public double IntervalSeconds { get; set; } = TrafficManagerDefaults.IntervalSeconds;

    /// <summary>Seconds a probe may take; less than the interval. <value>The default value is 10.</value></summary>
    public double TimeoutSeconds { get; set; } = TrafficManagerDefaults.TimeoutSeconds;

    /// <summary>Failures tolerated before <c>Degraded</c> (0-9): degraded after this + 1. <value>The default value is 3.</value></summary>
    public int ToleratedFailures { get; set; } = TrafficManagerDefaults.ToleratedFailures;

    /// <summary>
    /// Consecutive successes that bring a degraded endpoint back <c>Online</c>; Traffic Manager uses 1.
    /// <value>The default value is 1.</value>
    /// </summary>
    public int SuccessesToOnline { get; set; } = TrafficManagerDefaults.SuccessesToOnline;

    /// <summary>
    /// Status codes or ranges that count as success (<c>"200"</c>, <c>"200-299"</c>). Empty means <c>["200"]</c>.
    /// </summary>
    public List<string> ExpectedStatusCodes { get; set; } = [];

    /// <summary>Request headers, at most 8; <c>Host</c> included.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The shallow probe used when the deep probe cannot connect to the health monitor at all (refused or connect
    /// timeout): a dead monitor reverts the endpoint to this check instead of failing it over. Optional.
    /// </summary>
    public FallbackMonitorOptions? Fallback { get; set; }

    /// <summary>When a recovered endpoint returns to answers. <value>The default value is <c>Automatic</c> (at once).</value></summary>
    public FailbackOptions Failback { get; set; } = new();
}

/// <summary>The <c>Monitor:Failback</c> section: how a recovered endpoint returns to answers.</summary>
public sealed class FailbackOptions
{
    /// <summary><value>The default value is <c>Automatic</c>.</value></summary>
    public FailbackMode Mode { get; set; } = TrafficManagerDefaults.FailbackMode;

    /// <summary>
    /// In <c>HoldDown</c> mode: seconds an endpoint must stay <c>Online</c> without a failed probe before it returns to
    /// answers (1-604800). <value>The default value is 300.</value>
    /// </summary>
    public double HoldDownSeconds { get; set; } = TrafficManagerDefaults.HoldDownSeconds;
}

/// <summary>The fallback probe; keys left out are taken from the profile's <see cref="MonitorOptions"/>.</summary>
public sealed class FallbackMonitorOptions
{
    public MonitorProtocol? Protocol { get; set; }

    public int? Port { get; set; }

    public string? Path { get; set; }

    /// <summary>Empty means the monitor's <see cref="MonitorOptions.ExpectedStatusCodes"/>.</summary>
    public List<string> ExpectedStatusCodes { get; set; } = [];

    /// <summary>Empty means the monitor's <see cref="MonitorOptions.Headers"/>.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One endpoint of a profile (one region).</summary>
public sealed class EndpointOptions
{
    /// <summary>Unique within the profile.</summary>
    public string? Name { get; set; }

    /// <summary>An IPv4 or IPv6 address (answered as A/AAAA) or a DNS name (answered as CNAME); probes go here.</summary>
    public string? Target { get; set; }

    /// <summary>Manually disabled endpoints are never answered or probed. <value>The default value is true.</value></summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The location name for the latency table (<c>Performance</c>).</summary>
    public string? Location { get; set; }

    /// <summary>1-1000, lower first (<c>Priority</c>); unset means the endpoint's position in the list (1, 2, …).</summary>
    public int? Priority { get; set; }

    /// <summary>1-1000 (<c>Weighted</c>). <value>The default value is 1.</value></summary>
    public int Weight { get; set; } = TrafficManagerDefaults.Weight;

    /// <summary>
    /// For <c>Subnet</c>: client networks (<c>10.1.0.0/16</c>) or address ranges (<c>10.1.0.1-10.1.0.9</c>) this endpoint
    /// serves. An endpoint with none catches clients no other endpoint matches.
    /// </summary>
    public List<string> Subnets { get; set; } = [];

    /// <summary>
    /// For <c>Geographic</c>: the places this endpoint serves: <c>WORLD</c>, continents (<c>AF</c>, <c>AN</c>,
    /// <c>AS</c>, <c>EU</c>, <c>NA</c>, <c>OC</c>, <c>SA</c>, or <c>GEO-XX</c>) and ISO 3166-1 alpha-2 countries
    /// (<c>DE</c>). A code belongs to one endpoint of a profile.
    /// </summary>
    public List<string> GeoMapping { get; set; } = [];

    /// <summary>
    /// <c>External</c> (an address or name in <see cref="Target"/>) or <c>Nested</c> (another profile of the zone, in
    /// <see cref="Profile"/>). <value>The default value is <c>External</c>.</value>
    /// </summary>
    public EndpointType Type { get; set; } = EndpointType.External;

    /// <summary>For a <c>Nested</c> endpoint: the child profile's name (a profile of the same zone).</summary>
    public string? Profile { get; set; }

    /// <summary>
    /// For a <c>Nested</c> endpoint: it is <c>Degraded</c> when fewer of the child's enabled endpoints are Online or
    /// CheckingEndpoint. <value>The default value is 1.</value>
    /// </summary>
    public int MinChildEndpoints { get; set; } = TrafficManagerDefaults.MinChildEndpoints;

    /// <summary>For a <c>Nested</c> endpoint: as <see cref="MinChildEndpoints"/>, among the child's endpoints that answer A queries. <value>The default value is 1.</value></summary>
    public int MinChildEndpointsIPv4 { get; set; } = TrafficManagerDefaults.MinChildEndpoints;

    /// <summary>For a <c>Nested</c> endpoint: as <see cref="MinChildEndpoints"/>, among the child's endpoints that answer AAAA queries. <value>The default value is 1.</value></summary>
    public int MinChildEndpointsIPv6 { get; set; } = TrafficManagerDefaults.MinChildEndpoints;
}

/// <summary>What an endpoint stands for.</summary>
public enum EndpointType
{
    /// <summary>An address (answered as A/AAAA) or a name (answered as CNAME), probed.</summary>
    External,

    /// <summary>Another profile of the zone: its answer, for the same client and query; not probed.</summary>
    Nested,
}
