using Microsoft.Extensions.Logging;
using Router.Health.Configuration;
using Router.Health.Diagnostics;
using Router.Health.Evaluation;

namespace Router.Health.Monitoring;

/// <summary>The monitor's events (IDs in <see cref="HealthEventIds"/>).</summary>
public sealed partial class HealthMonitor
{
    private static partial class Log
    {
        [LoggerMessage(EventId = HealthEventIds.ResourceUnhealthy, EventName = nameof(HealthEventIds.ResourceUnhealthy), Level = LogLevel.Error,
            Message = "Resource {Resource} ({Kind}) is Unhealthy after {Failures} consecutive failures: {Error}")]
        public static partial void ResourceUnhealthy(ILogger logger, string resource, ResourceKind kind, int failures, string error);

        [LoggerMessage(EventId = HealthEventIds.ResourceHealthy, EventName = nameof(HealthEventIds.ResourceHealthy), Level = LogLevel.Information,
            Message = "Resource {Resource} ({Kind}) is Healthy (was {Previous}) after {Successes} consecutive successes.")]
        public static partial void ResourceHealthy(ILogger logger, string resource, ResourceKind kind, HealthState previous, int successes);

        [LoggerMessage(EventId = HealthEventIds.ResourceCheckInconclusive, EventName = nameof(HealthEventIds.ResourceCheckInconclusive), Level = LogLevel.Warning,
            Message = "The check of {Resource} is inconclusive (not counted as a failure): {Reason}")]
        public static partial void CheckInconclusive(ILogger logger, string resource, string reason);

        [LoggerMessage(EventId = HealthEventIds.RegistryUnhealthy, EventName = nameof(HealthEventIds.RegistryUnhealthy), Level = LogLevel.Error,
            Message = "Registry {Registry} cannot be served from {Region}: {Reason}")]
        public static partial void RegistryUnhealthy(ILogger logger, string registry, string region, string reason);

        [LoggerMessage(EventId = HealthEventIds.RegistryHealthy, EventName = nameof(HealthEventIds.RegistryHealthy), Level = LogLevel.Information,
            Message = "Registry {Registry} can be served from {Region} again: {Reason}")]
        public static partial void RegistryHealthy(ILogger logger, string registry, string region, string reason);

        [LoggerMessage(EventId = HealthEventIds.MoreRegistryTransitions, EventName = nameof(HealthEventIds.MoreRegistryTransitions), Level = LogLevel.Warning,
            Message = "{Count} more registry transitions after resource {Resource} changed state (not logged one by one).")]
        public static partial void MoreRegistryTransitions(ILogger logger, int count, string resource);

        [LoggerMessage(EventId = HealthEventIds.DeepEvaluationSwitched, EventName = nameof(HealthEventIds.DeepEvaluationSwitched), Level = LogLevel.Warning,
            Message = "Deep evaluation for {Registry} switched to {Mode}.")]
        public static partial void DeepEvaluationSwitched(ILogger logger, string registry, string mode);

        [LoggerMessage(EventId = HealthEventIds.ResourceStale, EventName = nameof(HealthEventIds.ResourceStale), Level = LogLevel.Warning,
            Message = "Resource {Resource} has had no conclusive result for {StaleAfter} s; it counts as healthy (fail-open) for its {Registries} registr(y/ies) until it has one.")]
        public static partial void ResourceStale(ILogger logger, string resource, double staleAfter, int registries);

        [LoggerMessage(EventId = HealthEventIds.RegistryFailOpen, EventName = nameof(HealthEventIds.RegistryFailOpen), Level = LogLevel.Warning,
            Message = "Registry {Registry} answers healthy in {Region} only because of fail-open: {Reason}")]
        public static partial void RegistryFailOpen(ILogger logger, string registry, string region, string reason);

        [LoggerMessage(EventId = HealthEventIds.MonitorStarted, EventName = nameof(HealthEventIds.MonitorStarted), Level = LogLevel.Information,
            Message = "Health monitor for region {Region} started: {Resources} resource(s), {Registries} registr(y/ies).")]
        public static partial void MonitorStarted(ILogger logger, string region, int resources, int registries);

        [LoggerMessage(EventId = HealthEventIds.MonitorStopped, EventName = nameof(HealthEventIds.MonitorStopped), Level = LogLevel.Information,
            Message = "Health monitor stopped.")]
        public static partial void MonitorStopped(ILogger logger);

        [LoggerMessage(EventId = HealthEventIds.TopologyApplied, EventName = nameof(HealthEventIds.TopologyApplied), Level = LogLevel.Information,
            Message = "Health configuration applied: {Resources} resource(s), {Registries} registr(y/ies).")]
        public static partial void TopologyApplied(ILogger logger, int resources, int registries);

        [LoggerMessage(EventId = HealthEventIds.CheckCrashed, EventName = nameof(HealthEventIds.CheckCrashed), Level = LogLevel.Debug,
            Message = "The check of {Resource} could not run; counted as inconclusive (ResourceCheckInconclusive says so once per streak).")]
        public static partial void CheckCrashed(ILogger logger, string resource, Exception exception);

        [LoggerMessage(EventId = HealthEventIds.MonitorOverloaded, EventName = nameof(HealthEventIds.MonitorOverloaded), Level = LogLevel.Warning,
            Message = "No probe slot for {Resource} within the interval; counted as inconclusive. Raise Health:Evaluation:MaxConcurrentChecks?")]
        public static partial void MonitorOverloaded(ILogger logger, string resource);

        [LoggerMessage(EventId = HealthEventIds.ZoneInstanceUnhealthy, EventName = nameof(HealthEventIds.ZoneInstanceUnhealthy), Level = LogLevel.Warning,
            Message = "Resource {Resource} ({Kind}) lost zone {Zone} after {Failures} consecutive failures: {Error}. The pool is {PoolState} ({MinHealthy} of {Instances} needed).")]
        public static partial void ZoneInstanceUnhealthy(ILogger logger, string resource, ResourceKind kind, string zone, int failures, string error,
            HealthState poolState, int minHealthy, int instances);

        [LoggerMessage(EventId = HealthEventIds.ZoneInstanceHealthy, EventName = nameof(HealthEventIds.ZoneInstanceHealthy), Level = LogLevel.Information,
            Message = "Resource {Resource} ({Kind}) zone {Zone} is Healthy (was {Previous}) after {Successes} consecutive successes. The pool is {PoolState}.")]
        public static partial void ZoneInstanceHealthy(ILogger logger, string resource, ResourceKind kind, string zone, HealthState previous, int successes,
            HealthState poolState);
    }
}
