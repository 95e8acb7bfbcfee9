using Microsoft.Extensions.Logging;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Diagnostics;

/// <summary>Event IDs of endpoint monitoring: 3000-3199 of Router.TrafficManager's 3000-3999, each used once.</summary>
internal static class MonitoringEventIds
{
    public const int EndpointStatusChanged = 3000;
    public const int FallbackUsed = 3001;
    public const int FallbackEnded = 3002;
    public const int ProbeCrashed = 3010;
    public const int ProbeSkipped = 3011;
    public const int StateCallbackFailed = 3012;
    public const int TickFailed = 3013;
    public const int SchedulerStarted = 3020;
    public const int SchedulerStopped = 3021;
    public const int TargetsApplied = 3022;
}

/// <summary>The events of endpoint monitoring. Transitions are logged; steady state is not.</summary>
internal static partial class MonitoringLog
{
    /// <summary>Warning when the endpoint becomes <see cref="EndpointStatus.Degraded"/>, Information otherwise.</summary>
    public static void StatusChanged(ILogger logger, string profile, string endpoint, EndpointStatus from, EndpointStatus to, string cause, int failures) =>
        EndpointStatusChanged(logger, to == EndpointStatus.Degraded ? LogLevel.Warning : LogLevel.Information, profile, endpoint, from, to, cause, failures);

    [LoggerMessage(EventId = MonitoringEventIds.EndpointStatusChanged, EventName = nameof(MonitoringEventIds.EndpointStatusChanged),
        Message = "Endpoint {Profile}/{Endpoint} is {Status} (was {Previous}): {Cause}; {ConsecutiveFailures} consecutive failures.")]
    private static partial void EndpointStatusChanged(ILogger logger, LogLevel level, string profile, string endpoint, EndpointStatus previous,
        EndpointStatus status, string cause, int consecutiveFailures);

    [LoggerMessage(EventId = MonitoringEventIds.FallbackUsed, EventName = nameof(MonitoringEventIds.FallbackUsed), Level = LogLevel.Information,
        Message = "Endpoint {Profile}/{Endpoint}: the deep probe cannot connect (refused or connect timeout); the fallback probe decides until it can (fail-open).")]
    public static partial void FallbackUsed(ILogger logger, string profile, string endpoint);

    [LoggerMessage(EventId = MonitoringEventIds.FallbackEnded, EventName = nameof(MonitoringEventIds.FallbackEnded), Level = LogLevel.Information,
        Message = "Endpoint {Profile}/{Endpoint}: the deep probe connects again; the fallback probe is no longer used.")]
    public static partial void FallbackEnded(ILogger logger, string profile, string endpoint);

    [LoggerMessage(EventId = MonitoringEventIds.ProbeCrashed, EventName = nameof(MonitoringEventIds.ProbeCrashed), Level = LogLevel.Error,
        Message = "The probe of {Profile}/{Endpoint} crashed; the result is not counted (status and counters unchanged).")]
    public static partial void ProbeCrashed(ILogger logger, string profile, string endpoint, Exception exception);

    [LoggerMessage(EventId = MonitoringEventIds.ProbeSkipped, EventName = nameof(MonitoringEventIds.ProbeSkipped), Level = LogLevel.Debug,
        Message = "The probe of {Profile}/{Endpoint} is due but the previous one is still running; this tick is skipped.")]
    public static partial void ProbeSkipped(ILogger logger, string profile, string endpoint);

    [LoggerMessage(EventId = MonitoringEventIds.StateCallbackFailed, EventName = nameof(MonitoringEventIds.StateCallbackFailed), Level = LogLevel.Error,
        Message = "Publishing the state of {Profile}/{Endpoint} failed.")]
    public static partial void StateCallbackFailed(ILogger logger, string profile, string endpoint, Exception exception);

    [LoggerMessage(EventId = MonitoringEventIds.TickFailed, EventName = nameof(MonitoringEventIds.TickFailed), Level = LogLevel.Error,
        Message = "A scheduled probe of {Profile}/{Endpoint} could not be started; the schedule continues.")]
    public static partial void TickFailed(ILogger logger, string profile, string endpoint, Exception exception);

    [LoggerMessage(EventId = MonitoringEventIds.SchedulerStarted, EventName = nameof(MonitoringEventIds.SchedulerStarted), Level = LogLevel.Information,
        Message = "Endpoint monitoring started: {Enabled} of {Endpoints} endpoints probed.")]
    public static partial void SchedulerStarted(ILogger logger, int enabled, int endpoints);

    [LoggerMessage(EventId = MonitoringEventIds.SchedulerStopped, EventName = nameof(MonitoringEventIds.SchedulerStopped), Level = LogLevel.Information,
        Message = "Endpoint monitoring stopped.")]
    public static partial void SchedulerStopped(ILogger logger);

    [LoggerMessage(EventId = MonitoringEventIds.TargetsApplied, EventName = nameof(MonitoringEventIds.TargetsApplied), Level = LogLevel.Debug,
        Message = "Probe targets applied: {Added} added, {Removed} removed, {Reset} restarted (what is probed changed), {Updated} kept with new timing or thresholds, {Kept} kept.")]
    public static partial void TargetsApplied(ILogger logger, int added, int removed, int reset, int updated, int kept);
}
