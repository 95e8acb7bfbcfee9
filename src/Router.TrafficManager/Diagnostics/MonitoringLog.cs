using System.Globalization;
using Microsoft.Extensions.Logging;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Diagnostics;

/// <summary>The events of endpoint monitoring. Transitions are logged; steady state is not.</summary>
internal static partial class MonitoringLog
{
    /// <summary>Warning when the endpoint becomes <see cref="EndpointStatus.Degraded"/>, Information otherwise.</summary>
    public static void StatusChanged(ILogger logger, string profile, string endpoint, EndpointStatus from, EndpointStatus to, string cause, int failures) =>
        EndpointStatusChanged(logger, to == EndpointStatus.Degraded ? LogLevel.Warning : LogLevel.Information, profile, endpoint, from, to, cause, failures);

    /// <summary>
    /// The probe result in words: its error, <c>probe succeeded (status 200)</c>, or for a verdict of a batch document
    /// <c>verdict Healthy (batch http://… version … (eastus))</c>.
    /// </summary>
    public static string Cause(ProbeResult result)
    {
        string text = result.Error
            ?? (result.Source is { } source && !result.UsedFallback ? $"verdict Healthy ({source})" : null)
            ?? (result.StatusCode is int status
                ? string.Create(CultureInfo.InvariantCulture, $"probe succeeded (status {status})")
                : "probe succeeded (connected)");
        return result.UsedFallback ? text + " (fallback probe)" : text;
    }

    [LoggerMessage(EventId = TrafficManagerEventIds.EndpointStatusChanged, EventName = nameof(TrafficManagerEventIds.EndpointStatusChanged),
        Message = "Endpoint {Profile}/{Endpoint} is {Status} (was {Previous}): {Cause}; {ConsecutiveFailures} consecutive failures.")]
    private static partial void EndpointStatusChanged(ILogger logger, LogLevel level, string profile, string endpoint, EndpointStatus previous,
        EndpointStatus status, string cause, int consecutiveFailures);

    /// <summary>Warning when any of the changes not logged one by one is to <see cref="EndpointStatus.Degraded"/>, Information otherwise.</summary>
    public static void StatusChangesSummarized(ILogger logger, int more, int total, int degraded, string first) =>
        EndpointStatusChangesSummarized(logger, degraded > 0 ? LogLevel.Warning : LogLevel.Information, more, total, degraded, first);

    [LoggerMessage(EventId = TrafficManagerEventIds.EndpointStatusChangesSummarized, EventName = nameof(TrafficManagerEventIds.EndpointStatusChangesSummarized),
        Message = "{More} more endpoints changed status in one batch ({Total} in all, {Degraded} of those not logged now Degraded); they are not logged one by one (the first of them: {First}).")]
    private static partial void EndpointStatusChangesSummarized(ILogger logger, LogLevel level, int more, int total, int degraded, string first);

    [LoggerMessage(EventId = TrafficManagerEventIds.FallbackUsed, EventName = nameof(TrafficManagerEventIds.FallbackUsed), Level = LogLevel.Information,
        Message = "Endpoint {Profile}/{Endpoint}: the deep probe cannot connect (refused or connect timeout); the fallback probe decides until it can (fail-open).")]
    public static partial void FallbackUsed(ILogger logger, string profile, string endpoint);

    [LoggerMessage(EventId = TrafficManagerEventIds.FallbackEnded, EventName = nameof(TrafficManagerEventIds.FallbackEnded), Level = LogLevel.Information,
        Message = "Endpoint {Profile}/{Endpoint}: the deep probe connects again; the fallback probe is no longer used.")]
    public static partial void FallbackEnded(ILogger logger, string profile, string endpoint);

    [LoggerMessage(EventId = TrafficManagerEventIds.ProbeCrashed, EventName = nameof(TrafficManagerEventIds.ProbeCrashed), Level = LogLevel.Error,
        Message = "The probe of {Profile}/{Endpoint} crashed; the result is not counted (status and counters unchanged).")]
    public static partial void ProbeCrashed(ILogger logger, string profile, string endpoint, Exception exception);

    [LoggerMessage(EventId = TrafficManagerEventIds.ProbeSkipped, EventName = nameof(TrafficManagerEventIds.ProbeSkipped), Level = LogLevel.Debug,
        Message = "The probe of {Profile}/{Endpoint} is due but the previous one is still running; this tick is skipped.")]
    public static partial void ProbeSkipped(ILogger logger, string profile, string endpoint);

    [LoggerMessage(EventId = TrafficManagerEventIds.StateCallbackFailed, EventName = nameof(TrafficManagerEventIds.StateCallbackFailed), Level = LogLevel.Error,
        Message = "Publishing the state of {Profile}/{Endpoint} failed.")]
    public static partial void StateCallbackFailed(ILogger logger, string profile, string endpoint, Exception exception);

    [LoggerMessage(EventId = TrafficManagerEventIds.TickFailed, EventName = nameof(TrafficManagerEventIds.TickFailed), Level = LogLevel.Error,
        Message = "A scheduled probe of {Profile}/{Endpoint} could not be started; the schedule continues.")]
    public static partial void TickFailed(ILogger logger, string profile, string endpoint, Exception exception);

    [LoggerMessage(EventId = TrafficManagerEventIds.SchedulerStarted, EventName = nameof(TrafficManagerEventIds.SchedulerStarted), Level = LogLevel.Information,
        Message = "Endpoint monitoring started: {Enabled} of {Endpoints} endpoints probed.")]
    public static partial void SchedulerStarted(ILogger logger, int enabled, int endpoints);

    [LoggerMessage(EventId = TrafficManagerEventIds.SchedulerStopped, EventName = nameof(TrafficManagerEventIds.SchedulerStopped), Level = LogLevel.Information,
        Message = "Endpoint monitoring stopped.")]
    public static partial void SchedulerStopped(ILogger logger);

    [LoggerMessage(EventId = TrafficManagerEventIds.TargetsApplied, EventName = nameof(TrafficManagerEventIds.TargetsApplied), Level = LogLevel.Debug,
        Message = "Probe targets applied: {Added} added, {Removed} removed, {Reset} restarted (what is probed changed), {Updated} kept with new timing or thresholds, {Kept} kept.")]
    public static partial void TargetsApplied(ILogger logger, int added, int removed, int reset, int updated, int kept);
}
