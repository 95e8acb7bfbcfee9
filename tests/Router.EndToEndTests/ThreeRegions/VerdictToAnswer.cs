using System.Globalization;

namespace Router.EndToEndTests.ThreeRegions;

/// <summary>
/// How long after a region monitor's verdict on a registry the global router acted on it, read from the processes' own
/// logs (one machine clock, milliseconds): the monitor's registry transition (event 2011 unhealthy, 2010 healthy again),
/// then the router's endpoint status change (3000) and answer change (3607) for that tenant's profile. In batch mode the
/// long poll carries the verdict, so the answer moves within milliseconds; in probe mode it waits for the router's own
/// probes, up to (interval + timeout) × (tolerated + 1).
/// </summary>
internal sealed record VerdictToAnswer(string Verdict, DateTime? VerdictAt, string Endpoint, DateTime? EndpointAt, DateTime? AnswerAt)
{
    /// <summary>The monitor's verdict → the router's answer change; null when either was not logged.</summary>
    public TimeSpan? ToAnswer => VerdictAt is { } verdict && AnswerAt is { } answer ? answer - verdict : null;

    /// <summary>The monitor's verdict → the router's endpoint status change; null when either was not logged.</summary>
    public TimeSpan? ToEndpoint => VerdictAt is { } verdict && EndpointAt is { } endpoint ? endpoint - verdict : null;

    /// <summary>A failover: the registry's verdict turned 503 (2011), the endpoint Degraded, the answer moved away.</summary>
    public static VerdictToAnswer Failover(ThreeRegionsTopology topology, string region, string tenant, DateTime sinceUtc) =>
        Read(topology, region, tenant, sinceUtc, ("registry 503", "[2011] Registry"), "Degraded");

    /// <summary>A recovery: the registry's verdict turned 200 again (2010), the endpoint Online, the answer came back.</summary>
    public static VerdictToAnswer Heal(ThreeRegionsTopology topology, string region, string tenant, DateTime sinceUtc) =>
        Read(topology, region, tenant, sinceUtc, ("registry 200", "[2010] Registry"), "Online");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"monitor's verdict ({Verdict}) at {Time(VerdictAt)}; endpoint {Endpoint} at {Time(EndpointAt)} ({Delay(ToEndpoint)} after the verdict); " +
        $"answer changed (router) at {Time(AnswerAt)} ({Delay(ToAnswer)} after the verdict)");

    private static VerdictToAnswer Read(ThreeRegionsTopology topology, string region, string tenant, DateTime sinceUtc, (string Name, string Event) verdict, string status)
    {
        var verdictAt = First(topology, $"regions/{region}/logs/monitor.log", sinceUtc, $"{verdict.Event} {tenant} ");

        // The router's side counts from the verdict on (it cannot act before it), or from the start when there is none.
        var from = verdictAt ?? sinceUtc;
        var endpointAt = First(topology, "router/router.log", from, $"[3000] Endpoint {tenant}/{region} is {status}");
        var answerAt = First(topology, "router/router.log", from, $"[3607] Profile {tenant} A answer");
        return new VerdictToAnswer(verdict.Name, verdictAt, status, endpointAt, answerAt);
    }

    private static DateTime? First(ThreeRegionsTopology topology, string log, DateTime sinceUtc, string text) =>
        topology.LogEventsSince(log, sinceUtc, text).Select(e => (DateTime?)e.At).FirstOrDefault();

    private static string Time(DateTime? at) => at?.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) ?? "(not logged)";

    /// <summary>A delay in seconds with milliseconds, or "(not logged)".</summary>
    public static string Delay(TimeSpan? delay) =>
        delay is { } d ? d.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s" : "(not logged)";
}
