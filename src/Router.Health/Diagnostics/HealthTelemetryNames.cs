namespace Router.Health.Diagnostics;

/// <summary>Instrument and tag names of Router.Health.</summary>
public static class HealthTelemetryNames
{
    public const string MeterName = "Router.Health";

    public const string CheckDuration = "router.health.check.duration";
    public const string CheckOutcomes = "router.health.check.outcomes";
    public const string Transitions = "router.health.transitions";
    public const string FailOpen = "router.health.failopen";
    public const string Requests = "router.health.requests";
    public const string BatchRequests = "router.health.batch.requests";
    public const string BatchHeld = "router.health.batch.held";
    public const string BatchBuildDuration = "router.health.batch.build.duration";

    public const string KindTag = "kind";
    public const string CheckTypeTag = "check";
    public const string OutcomeTag = "outcome";
    public const string StateTag = "state";
    public const string SubjectTag = "subject";
    public const string StatusTag = "status";
    public const string HeldTag = "held";

    /// <summary>A zone pool's instance's zone, on <see cref="Transitions"/> with subject <c>zone</c>.</summary>
    public const string ZoneTag = "zone";

    /// <summary>The values of <see cref="OutcomeTag"/> on <see cref="BatchRequests"/>.</summary>
    public const string BatchFull = "full";
    public const string BatchIncremental = "incremental";
    public const string BatchNotModified = "not-modified";
    public const string BatchBadRequest = "bad-request";

    /// <summary>The activity source name: the assembly name.</summary>
    public const string ActivitySourceName = "Router.Health";

    /// <summary>One run of a resource's check: the wait for a probe slot and the probe, up to its result.</summary>
    public const string CheckActivity = "router.health.check";

    public const string ResourceIdAttribute = "router.resource.id";
    public const string ResourceKindAttribute = "router.resource.kind";
    public const string CheckTypeAttribute = "router.check.type";
    public const string CheckOutcomeAttribute = "router.check.outcome";
    public const string ZoneAttribute = "router.resource.zone";
}
