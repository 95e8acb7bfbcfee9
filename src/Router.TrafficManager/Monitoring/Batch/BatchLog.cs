using Microsoft.Extensions.Logging;
using Router.TrafficManager.Diagnostics;

namespace Router.TrafficManager.Monitoring.Batch;

/// <summary>The events of batch monitoring: a poller's failures and recoveries, each once per streak.</summary>
internal static partial class BatchLog
{
    [LoggerMessage(EventId = TrafficManagerEventIds.BatchPollFailed, EventName = nameof(TrafficManagerEventIds.BatchPollFailed), Level = LogLevel.Warning,
        Message = "The batch monitor {Origin} cannot be polled: {Error}; every round counts a failed probe for its {Endpoints} endpoints until it answers.")]
    public static partial void PollFailed(ILogger logger, string origin, string error, int endpoints);

    [LoggerMessage(EventId = TrafficManagerEventIds.BatchPollRecovered, EventName = nameof(TrafficManagerEventIds.BatchPollRecovered), Level = LogLevel.Information,
        Message = "The batch monitor {Origin} answers again (version {Version}, {Registries} registries) after {FailedPolls} failed polls.")]
    public static partial void PollRecovered(ILogger logger, string origin, long version, int registries, int failedPolls);

    [LoggerMessage(EventId = TrafficManagerEventIds.BatchFallbackUsed, EventName = nameof(TrafficManagerEventIds.BatchFallbackUsed), Level = LogLevel.Warning,
        Message = "The batch monitor {Origin} cannot be connected to; its fallback probe decides for its {Endpoints} endpoints until it can (fail-open).")]
    public static partial void FallbackUsed(ILogger logger, string origin, int endpoints);

    [LoggerMessage(EventId = TrafficManagerEventIds.BatchFallbackEnded, EventName = nameof(TrafficManagerEventIds.BatchFallbackEnded), Level = LogLevel.Information,
        Message = "The batch monitor {Origin} answers again; its fallback probe is no longer used.")]
    public static partial void FallbackEnded(ILogger logger, string origin);

    [LoggerMessage(EventId = TrafficManagerEventIds.BatchPollerStarted, EventName = nameof(TrafficManagerEventIds.BatchPollerStarted), Level = LogLevel.Information,
        Message = "Polling the batch monitor {Origin} every {IntervalSeconds} s (long polls of {WaitSeconds} s) for {Endpoints} endpoints.")]
    public static partial void PollerStarted(ILogger logger, string origin, double intervalSeconds, double waitSeconds, int endpoints);

    [LoggerMessage(EventId = TrafficManagerEventIds.BatchPollerStopped, EventName = nameof(TrafficManagerEventIds.BatchPollerStopped), Level = LogLevel.Information,
        Message = "Stopped polling the batch monitor {Origin}.")]
    public static partial void PollerStopped(ILogger logger, string origin);

    [LoggerMessage(EventId = TrafficManagerEventIds.BatchRoundFailed, EventName = nameof(TrafficManagerEventIds.BatchRoundFailed), Level = LogLevel.Error,
        Message = "A round of the batch monitor {Origin} could not be counted; the next round tries again.")]
    public static partial void RoundFailed(ILogger logger, string origin, Exception exception);
}
