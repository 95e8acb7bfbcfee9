using System.Diagnostics.Metrics;
using Router.Health.Checks;
using Router.Health.Configuration;
using Router.Health.Evaluation;

namespace Router.Health.Diagnostics;

/// <summary>The instruments of the health monitor; tags are bounded (kind, check type, outcome, state).</summary>
public sealed class HealthMetrics
{
    private static readonly object[] Kinds = [.. Enum.GetNames<ResourceKind>()];
    private static readonly object[] Outcomes = [.. Enum.GetNames<CheckOutcome>()];
    private static readonly object[] States = [.. Enum.GetNames<HealthState>()];
    private static readonly object Resource = "resource";
    private static readonly object Registry = "registry";
    private static readonly object Zone = "zone";
    private static readonly object Status200 = "200";
    private static readonly object Status503 = "503";
    private static readonly object True = "true";
    private static readonly object False = "false";

    private readonly Histogram<double> _checkDuration;
    private readonly Counter<long> _checkOutcomes;
    private readonly Counter<long> _transitions;
    private readonly Counter<long> _failOpen;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _batchRequests;
    private readonly UpDownCounter<long> _batchHeld;
    private readonly Histogram<double> _batchBuildDuration;

    public HealthMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(HealthTelemetryNames.MeterName);
        _checkDuration = meter.CreateHistogram<double>(HealthTelemetryNames.CheckDuration, "s", "Duration of resource checks.");
        _checkOutcomes = meter.CreateCounter<long>(HealthTelemetryNames.CheckOutcomes, "{check}", "Resource check outcomes.");
        _transitions = meter.CreateCounter<long>(HealthTelemetryNames.Transitions, "{transition}", "State transitions of resources, zone pool instances and registries.");
        _failOpen = meter.CreateCounter<long>(HealthTelemetryNames.FailOpen, "{verdict}", "Registry verdicts answered healthy because of fail-open.");
        _requests = meter.CreateCounter<long>(HealthTelemetryNames.Requests, "{request}", "Registry health requests, by status.");
        _batchRequests = meter.CreateCounter<long>(HealthTelemetryNames.BatchRequests, "{request}",
            "Batch verdict requests (GET /health/registries), by outcome (full, incremental, not-modified, bad-request) and whether they were held.");
        _batchHeld = meter.CreateUpDownCounter<long>(HealthTelemetryNames.BatchHeld, "{request}", "Batch verdict requests held by a long poll now.");
        _batchBuildDuration = meter.CreateHistogram<double>(HealthTelemetryNames.BatchBuildDuration, "s", "Time to build a full batch verdict document (once per version).");
    }

    public void CheckCompleted(ResourceKind kind, string checkType, CheckResult result)
    {
        var kindTag = new KeyValuePair<string, object?>(HealthTelemetryNames.KindTag, Kinds[(int)kind]);
        // Seconds, as the instrument's unit says.
        _checkDuration.Record(result.Duration.TotalSeconds, kindTag, new KeyValuePair<string, object?>(HealthTelemetryNames.CheckTypeTag, checkType));
        _checkOutcomes.Add(1, kindTag, new KeyValuePair<string, object?>(HealthTelemetryNames.OutcomeTag, Outcomes[(int)result.Outcome]));
    }

    public void ResourceTransition(ResourceKind kind, HealthState state) => _transitions.Add(1,
        new KeyValuePair<string, object?>(HealthTelemetryNames.SubjectTag, Resource),
        new KeyValuePair<string, object?>(HealthTelemetryNames.KindTag, Kinds[(int)kind]),
        new KeyValuePair<string, object?>(HealthTelemetryNames.StateTag, States[(int)state]));

    /// <summary>A zone pool's instance changed state (subject <c>zone</c>, with its <c>zone</c>: bounded by the configuration).</summary>
    public void ZoneTransition(ResourceKind kind, string zone, HealthState state) => _transitions.Add(1,
        new KeyValuePair<string, object?>(HealthTelemetryNames.SubjectTag, Zone),
        new KeyValuePair<string, object?>(HealthTelemetryNames.KindTag, Kinds[(int)kind]),
        new KeyValuePair<string, object?>(HealthTelemetryNames.ZoneTag, zone),
        new KeyValuePair<string, object?>(HealthTelemetryNames.StateTag, States[(int)state]));

    public void RegistryTransition(HealthState state) => _transitions.Add(1,
        new KeyValuePair<string, object?>(HealthTelemetryNames.SubjectTag, Registry),
        new KeyValuePair<string, object?>(HealthTelemetryNames.StateTag, States[(int)state]));

    public void RegistryAnswered(bool healthy, bool failOpen)
    {
        if (_requests.Enabled)
        {
            _requests.Add(1, new KeyValuePair<string, object?>(HealthTelemetryNames.StatusTag, healthy ? Status200 : Status503));
        }

        if (failOpen && _failOpen.Enabled)
        {
            _failOpen.Add(1);
        }
    }

    /// <summary>One batch request answered; <paramref name="outcome"/> is one of the <c>HealthTelemetryNames.Batch*</c> values.</summary>
    public void BatchAnswered(string outcome, bool held)
    {
        if (_batchRequests.Enabled)
        {
            _batchRequests.Add(1,
                new KeyValuePair<string, object?>(HealthTelemetryNames.OutcomeTag, outcome),
                new KeyValuePair<string, object?>(HealthTelemetryNames.HeldTag, held ? True : False));
        }
    }

    /// <summary>A long poll starts (+1) or ends (-1) holding its request.</summary>
    public void BatchHeld(int delta) => _batchHeld.Add(delta);

    public void BatchBuilt(TimeSpan duration) => _batchBuildDuration.Record(duration.TotalSeconds);
}
