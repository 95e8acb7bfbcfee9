using System.Diagnostics.Metrics;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Diagnostics;

/// <summary>
/// The endpoint-monitoring instruments of the <c>Router.TrafficManager</c> meter. Tags are bounded by configuration
/// (profile and endpoint names, status, outcome), never by traffic.
/// </summary>
/// <remarks>
/// Instruments (Prometheus names in brackets, as <c>/metrics</c> writes them):
/// <list type="bullet">
/// <item><description><c>router.tm.probes</c> [<c>router_tm_probes_total</c>]: finished probes by <c>profile</c>,
/// <c>endpoint</c>, <c>outcome</c> (<c>success</c>, <c>failure</c>, or <c>error</c> when the prober itself crashed) and
/// <c>fallback</c> (<c>true</c> when the fallback probe's result was used).</description></item>
/// <item><description><c>router.tm.probe.duration</c> [<c>router_tm_probe_duration_seconds</c>]: probe durations in
/// seconds by <c>profile</c>, <c>endpoint</c>, <c>outcome</c>.</description></item>
/// <item><description><c>router.tm.endpoint.status_changes</c> [<c>router_tm_endpoint_status_changes_total</c>]:
/// transitions by <c>profile</c>, <c>endpoint</c> and the new <c>status</c>.</description></item>
/// <item><description><c>router.tm.endpoint.status</c> [<c>router_tm_endpoint_status</c>]: a state set, as
/// kube-state-metrics writes enums: for every endpoint one series per <c>status</c> (<c>CheckingEndpoint</c>,
/// <c>Online</c>, <c>Degraded</c>, <c>Disabled</c>, <c>Maintenance</c>), 1 for the current one and 0 for the others, so
/// <c>router_tm_endpoint_status{status="Degraded"} == 1</c> alerts and <c>sum by (status)</c> counts.</description></item>
/// <item><description><c>router.tm.endpoint.held</c> [<c>router_tm_endpoint_held</c>]: for every endpoint of a profile
/// whose <c>Monitor:Failback</c> is HoldDown or Manual, 1 while it is held back from answers after a recovery, else 0.</description></item>
/// <item><description><c>router.tm.endpoint.consecutive_failures</c>: failed probes in a row per endpoint.</description></item>
/// </list>
/// The meter is created through <see cref="IMeterFactory"/>, which hands every part of the assembly the same
/// <see cref="Meter"/> for <see cref="MeterName"/>; other parts (DNS answers) add their own instruments to it.
/// Thread-safe.
/// </remarks>
internal sealed class TrafficManagerMetrics
{
    /// <summary>The meter of the assembly.</summary>
    public const string MeterName = "Router.TrafficManager";

    public const string Probes = "router.tm.probes";
    public const string ProbeDuration = "router.tm.probe.duration";
    public const string StatusChanges = "router.tm.endpoint.status_changes";
    public const string EndpointStatusGauge = "router.tm.endpoint.status";
    public const string ConsecutiveFailuresGauge = "router.tm.endpoint.consecutive_failures";
    public const string HeldGauge = "router.tm.endpoint.held";

    public const string ProfileTag = "profile";
    public const string EndpointTag = "endpoint";
    public const string OutcomeTag = "outcome";
    public const string FallbackTag = "fallback";
    public const string StatusTag = "status";

    public const string Success = "success";
    public const string Failure = "failure";
    public const string Error = "error";

    private static readonly EndpointStatus[] AllStatuses = Enum.GetValues<EndpointStatus>();
    private static readonly object[] StatusNames = [.. Enum.GetNames<EndpointStatus>()];
    private static readonly object True = "true";
    private static readonly object False = "false";

    private readonly Counter<long> _probes;
    private readonly Histogram<double> _probeDuration;
    private readonly Counter<long> _statusChanges;
    private Func<IReadOnlyCollection<EndpointStateEntry>>? _states;
    private Func<string, string, EndpointStatus, EndpointStatus>? _reportedStatus;
    private Func<IEnumerable<(string Profile, string Endpoint, bool Held)>>? _held;

    public TrafficManagerMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(MeterName);
        _probes = Meter.CreateCounter<long>(Probes, "{probe}", "Endpoint probes, by outcome and whether the fallback probe answered.");
        _probeDuration = Meter.CreateHistogram<double>(ProbeDuration, "s", "Duration of endpoint probes.");
        _statusChanges = Meter.CreateCounter<long>(StatusChanges, "{change}", "Endpoint monitor status changes, by the new status.");
        Meter.CreateObservableGauge(EndpointStatusGauge, ObserveStatus, "{status}",
            "1 for the endpoint's current monitor status, 0 for the other statuses.");
        Meter.CreateObservableGauge(ConsecutiveFailuresGauge, ObserveFailures, "{probe}", "Failed probes in a row, per endpoint.");
        Meter.CreateObservableGauge(HeldGauge, ObserveHeld, "{endpoint}",
            "1 while the endpoint is held back from answers after a recovery (Monitor:Failback HoldDown or Manual), else 0.");
    }

    /// <summary>The <c>Router.TrafficManager</c> meter.</summary>
    public Meter Meter { get; }

    /// <summary>Sets where the observable gauges read endpoint states from (the probe scheduler's snapshot); null stops them.</summary>
    public void ObserveStates(Func<IReadOnlyCollection<EndpointStateEntry>>? states) => Volatile.Write(ref _states, states);

    /// <summary>
    /// Sets what the traffic manager reports over the monitor's status (<paramref name="reportedStatus"/>: maintenance)
    /// and which endpoints failback holds back (<paramref name="held"/>).
    /// </summary>
    public void ObserveFailback(Func<string, string, EndpointStatus, EndpointStatus> reportedStatus, Func<IEnumerable<(string Profile, string Endpoint, bool Held)>> held)
    {
        Volatile.Write(ref _reportedStatus, reportedStatus);
        Volatile.Write(ref _held, held);
    }

    public void ProbeCompleted(string profile, string endpoint, ProbeResult result, bool crashed)
    {
        var profileTag = new KeyValuePair<string, object?>(ProfileTag, profile);
        var endpointTag = new KeyValuePair<string, object?>(EndpointTag, endpoint);
        var outcomeTag = new KeyValuePair<string, object?>(OutcomeTag, crashed ? Error : result.Succeeded ? Success : Failure);
        _probes.Add(1, profileTag, endpointTag, outcomeTag, new KeyValuePair<string, object?>(FallbackTag, result.UsedFallback ? True : False));

        // Seconds, as the instrument's unit says.
        _probeDuration.Record(result.Duration.TotalSeconds, profileTag, endpointTag, outcomeTag);
    }

    public void StatusChanged(string profile, string endpoint, EndpointStatus status) => _statusChanges.Add(1,
        new KeyValuePair<string, object?>(ProfileTag, profile),
        new KeyValuePair<string, object?>(EndpointTag, endpoint),
        new KeyValuePair<string, object?>(StatusTag, StatusNames[(int)status]));

    private IEnumerable<Measurement<int>> ObserveStatus()
    {
        var states = Volatile.Read(ref _states)?.Invoke() ?? [];
        var reported = Volatile.Read(ref _reportedStatus);
        var measurements = new List<Measurement<int>>(states.Count * AllStatuses.Length);
        foreach (var entry in states)
        {
            var current = reported?.Invoke(entry.Profile, entry.Endpoint, entry.State.Status) ?? entry.State.Status;
            foreach (var status in AllStatuses)
            {
                measurements.Add(new Measurement<int>(current == status ? 1 : 0,
                    new KeyValuePair<string, object?>(ProfileTag, entry.Profile),
                    new KeyValuePair<string, object?>(EndpointTag, entry.Endpoint),
                    new KeyValuePair<string, object?>(StatusTag, StatusNames[(int)status])));
            }
        }

        return measurements;
    }

    private IEnumerable<Measurement<int>> ObserveHeld()
    {
        var held = Volatile.Read(ref _held)?.Invoke() ?? [];
        var measurements = new List<Measurement<int>>();
        foreach (var (profile, endpoint, isHeld) in held)
        {
            measurements.Add(new Measurement<int>(isHeld ? 1 : 0,
                new KeyValuePair<string, object?>(ProfileTag, profile),
                new KeyValuePair<string, object?>(EndpointTag, endpoint)));
        }

        return measurements;
    }

    private IEnumerable<Measurement<int>> ObserveFailures()
    {
        var states = Volatile.Read(ref _states)?.Invoke() ?? [];
        var measurements = new List<Measurement<int>>(states.Count);
        foreach (var entry in states)
        {
            measurements.Add(new Measurement<int>(entry.State.ConsecutiveFailures,
                new KeyValuePair<string, object?>(ProfileTag, entry.Profile),
                new KeyValuePair<string, object?>(EndpointTag, entry.Endpoint)));
        }

        return measurements;
    }
}
