using System.Globalization;
using System.Text.Json;

namespace Router.EndToEndTests.ThreeRegions;

/// <summary>
/// What the tests need from the sample's generated configurations (<c>three-regions.sh config router</c> and
/// <c>config monitor REGION</c>): the names, regions and addresses, and the timing every bound is computed from.
/// Nothing here is hard-coded from the sample's script: change its timing and the bounds follow.
/// </summary>
internal sealed class TopologyConfig
{
    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    public required string DnsAddress { get; init; }

    /// <summary>The static zone holding <c>&lt;tenant&gt; CNAME &lt;tenant&gt;.&lt;tm zone&gt;</c>.</summary>
    public required string Zone { get; init; }

    /// <summary>The admin API base address (inside the namespace).</summary>
    public required string Admin { get; init; }

    /// <summary>Tenants (traffic manager profiles) in configuration order.</summary>
    public required IReadOnlyList<string> Tenants { get; init; }

    /// <summary>Each tenant's registry port (the profile's fallback probe port: the registry's <c>/v2/</c>).</summary>
    public required IReadOnlyDictionary<string, int> TenantPorts { get; init; }

    /// <summary>Regions in configuration order (the first is the nearest for the namespace's clients).</summary>
    public required IReadOnlyList<string> Regions { get; init; }

    /// <summary>Each region's front address (the endpoint target).</summary>
    public required IReadOnlyDictionary<string, string> Fronts { get; init; }

    public required FailoverBounds Bounds { get; init; }

    /// <summary>The id of the cache resource the registries share in a region's monitor.</summary>
    public required string CacheResource { get; init; }

    public string HomeRegion => Regions[0];

    public string Name(string tenant) => tenant + "." + Zone;

    public string RegionOf(string? address) =>
        Fronts.FirstOrDefault(f => f.Value == address).Key ?? (string.IsNullOrEmpty(address) ? "(no answer)" : address);

    public static TopologyConfig Parse(string routerJson, string monitorJson)
    {
        using var router = JsonDocument.Parse(routerJson, Options);
        using var monitor = JsonDocument.Parse(monitorJson, Options);
        var dns = router.RootElement.GetProperty("Dns");
        string listen = dns.GetProperty("Listen")[0].GetString()!;
        string zone = dns.GetProperty("Zones")[0].GetProperty("Name").GetString()!;
        var tm = router.RootElement.GetProperty("TrafficManager");
        var tenants = new List<string>();
        var ports = new Dictionary<string, int>();
        var regions = new List<string>();
        var fronts = new Dictionary<string, string>();
        var routerTiming = new List<(double Interval, double Timeout, int Tolerated, int SuccessesToOnline, int Ttl)>();
        foreach (var profile in tm.GetProperty("Profiles").EnumerateArray())
        {
            string name = profile.GetProperty("Name").GetString()!;
            tenants.Add(name);
            var m = profile.GetProperty("Monitor");
            ports[name] = m.GetProperty("Fallback").GetProperty("Port").GetInt32();

            // Defaults as in TrafficManagerOptions, for keys the generated file leaves out.
            routerTiming.Add((
                Number(m, "IntervalSeconds", 30),
                Number(m, "TimeoutSeconds", 10),
                (int)Number(m, "ToleratedFailures", 3),
                (int)Number(m, "SuccessesToOnline", 1),
                (int)Number(profile, "Ttl", 30)));
            foreach (var endpoint in profile.GetProperty("Endpoints").EnumerateArray())
            {
                string region = endpoint.GetProperty("Name").GetString()!;
                string target = endpoint.GetProperty("Target").GetString()!;
                if (!fronts.ContainsKey(region))
                {
                    regions.Add(region);
                    fronts[region] = target;
                }
            }
        }

        // Defaults as in HealthOptions' Evaluation.
        var evaluation = monitor.RootElement.GetProperty("Health").GetProperty("Evaluation");
        var bounds = new FailoverBounds
        {
            MonitorInterval = Number(evaluation, "IntervalSeconds", 5),
            MonitorTimeout = Number(evaluation, "TimeoutSeconds", 3),
            FailuresToUnhealthy = (int)Number(evaluation, "FailuresToUnhealthy", 3),
            SuccessesToHealthy = (int)Number(evaluation, "SuccessesToHealthy", 2),
            RouterInterval = routerTiming.Max(t => t.Interval),
            RouterTimeout = routerTiming.Max(t => t.Timeout),
            ToleratedFailures = routerTiming.Max(t => t.Tolerated),
            SuccessesToOnline = routerTiming.Max(t => t.SuccessesToOnline),
            Ttl = routerTiming.Max(t => t.Ttl),
        };

        return new TopologyConfig
        {
            DnsAddress = listen[..listen.LastIndexOf(':')],
            Zone = zone,
            Admin = router.RootElement.GetProperty("Admin").GetProperty("Listen").GetString()!.TrimEnd('/'),
            Tenants = tenants,
            TenantPorts = ports,
            Regions = regions,
            Fronts = fronts,
            Bounds = bounds,
            CacheResource = monitor.RootElement.GetProperty("Health").GetProperty("Registries")[0].GetProperty("Cache").GetString()!,
        };
    }

    private static double Number(JsonElement element, string name, double fallback) =>
        element.TryGetProperty(name, out var value) ? value.GetDouble() : fallback;
}

/// <summary>
/// The bounds of the README's failover formula, from the generated configurations:
/// monitor detection (FailuresToUnhealthy × interval + timeout) + router detection ((interval + timeout) × (tolerated + 1))
/// + TTL; and the recovery side (SuccessesToHealthy, then SuccessesToOnline router probes, + TTL).
/// </summary>
internal sealed class FailoverBounds
{
    public required double MonitorInterval { get; init; }

    public required double MonitorTimeout { get; init; }

    public required int FailuresToUnhealthy { get; init; }

    public required int SuccessesToHealthy { get; init; }

    public required double RouterInterval { get; init; }

    public required double RouterTimeout { get; init; }

    public required int ToleratedFailures { get; init; }

    public required int SuccessesToOnline { get; init; }

    public required int Ttl { get; init; }

    /// <summary>The monitor's registry verdict turns 503: FailuresToUnhealthy × interval + timeout.</summary>
    public TimeSpan MonitorDetection => TimeSpan.FromSeconds(FailuresToUnhealthy * MonitorInterval + MonitorTimeout);

    /// <summary>Traffic Manager's bound: (interval + timeout) × (tolerated + 1).</summary>
    public TimeSpan RouterDetection => TimeSpan.FromSeconds((RouterInterval + RouterTimeout) * (ToleratedFailures + 1));

    /// <summary>The whole failover bound: monitor detection + router detection + TTL.</summary>
    public TimeSpan Failover => MonitorDetection + RouterDetection + TimeSpan.FromSeconds(Ttl);

    /// <summary>At most: SuccessesToHealthy monitor probes, SuccessesToOnline router probes, and the TTL.</summary>
    public TimeSpan RecoveryMax => TimeSpan.FromSeconds(
        SuccessesToHealthy * MonitorInterval + MonitorTimeout + (RouterInterval + RouterTimeout) * SuccessesToOnline + Ttl);

    /// <summary>
    /// At least: SuccessesToHealthy consecutive successes of one resource are an interval apart; the first may be a probe
    /// that was already waiting when the fault was healed (up to one timeout earlier).
    /// </summary>
    public TimeSpan RecoveryMin => TimeSpan.FromSeconds(Math.Max(0, (SuccessesToHealthy - 1) * MonitorInterval - MonitorTimeout));

    /// <summary>
    /// A blip that cannot reach the threshold: shorter than (FailuresToUnhealthy − 1) intervals, so at most
    /// FailuresToUnhealthy − 1 probes of the resource can start while it lasts (three quarters of that, for margin).
    /// </summary>
    public TimeSpan Blip => TimeSpan.FromSeconds(Math.Max(0.3, (FailuresToUnhealthy - 1) * MonitorInterval * 0.75));

    /// <summary>The longest a blip may last and still be below the threshold.</summary>
    public TimeSpan BlipLimit => TimeSpan.FromSeconds((FailuresToUnhealthy - 1) * MonitorInterval);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"failover bound = monitor detection ({FailuresToUnhealthy} x {MonitorInterval} s + {MonitorTimeout} s = {MonitorDetection.TotalSeconds:0.#} s) " +
        $"+ router ({RouterInterval} s + {RouterTimeout} s) x ({ToleratedFailures} + 1) = {RouterDetection.TotalSeconds:0.#} s + TTL {Ttl} s " +
        $"= {Failover.TotalSeconds:0.#} s; recovery between {RecoveryMin.TotalSeconds:0.#} s and {RecoveryMax.TotalSeconds:0.#} s " +
        $"({SuccessesToHealthy} monitor successes, {SuccessesToOnline} router success(es), TTL)");
}
