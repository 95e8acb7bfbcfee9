using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Logging;
using Router.Dns.Server.Pipeline;
using Router.TrafficManager.Cluster;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Dns;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Routing;
using Router.TrafficManager.State;

namespace Router.TrafficManager;

/// <summary>The traffic manager service's log events (IDs in <see cref="Diagnostics.TrafficManagerEventIds"/>).</summary>
public sealed partial class TrafficManagerService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = TrafficManagerEventIds.TrafficManagerStarted, EventName = nameof(TrafficManagerEventIds.TrafficManagerStarted), Level = LogLevel.Information,
            Message = "Traffic manager answering zone {Zone}: {Profiles} profiles, {Endpoints} endpoints probed.")]
        public static partial void Started(ILogger logger, string zone, int profiles, int endpoints);

        [LoggerMessage(EventId = TrafficManagerEventIds.TrafficManagerConfigurationApplied, EventName = nameof(TrafficManagerEventIds.TrafficManagerConfigurationApplied), Level = LogLevel.Information,
            Message = "Traffic manager configuration applied: {Profiles} profiles.")]
        public static partial void Applied(ILogger logger, int profiles);

        [LoggerMessage(EventId = TrafficManagerEventIds.EndpointSwitched, EventName = nameof(TrafficManagerEventIds.EndpointSwitched), Level = LogLevel.Warning,
            Message = "Endpoint {Profile}/{Endpoint} manually {Action}; effective for the next query.")]
        public static partial void EndpointSwitched(ILogger logger, string profile, string endpoint, string action);

        [LoggerMessage(EventId = TrafficManagerEventIds.EndpointOverrideCleared, EventName = nameof(TrafficManagerEventIds.EndpointOverrideCleared), Level = LogLevel.Information,
            Message = "Endpoint {Profile}/{Endpoint}: the configuration now says Enabled={Enabled}, which replaces the manual setting.")]
        public static partial void OverrideClearedByConfiguration(ILogger logger, string profile, string endpoint, bool enabled);

        [LoggerMessage(EventId = TrafficManagerEventIds.EndpointOverrideForgotten, EventName = nameof(TrafficManagerEventIds.EndpointOverrideForgotten), Level = LogLevel.Information,
            Message = "Endpoint {Profile}/{Endpoint} is not in the configuration; its manual setting is forgotten.")]
        public static partial void OverrideForgotten(ILogger logger, string profile, string endpoint);

        [LoggerMessage(EventId = TrafficManagerEventIds.AnswerChanged, EventName = nameof(TrafficManagerEventIds.AnswerChanged), Level = LogLevel.Warning,
            Message = "Profile {Profile} {Type} answer for {Clients} changed: {Before} -> {After}; cause: {Cause}.")]
        public static partial void AnswerChanged(ILogger logger, string profile, string type, string clients, string before, string after, string cause);

        [LoggerMessage(EventId = TrafficManagerEventIds.AnswerChangesSummarized, EventName = nameof(TrafficManagerEventIds.AnswerChangesSummarized), Level = LogLevel.Warning,
            Message = "{More} more profiles changed status at once ({Total} in all); their answer changes are not logged one by one (the first of them: {Cause})")]
        public static partial void AnswerChangesSummarized(ILogger logger, int more, int total, string cause);

        [LoggerMessage(EventId = TrafficManagerEventIds.AnswerReportFailed, EventName = nameof(TrafficManagerEventIds.AnswerReportFailed), Level = LogLevel.Error,
            Message = "Could not report how profile {Profile}'s answers changed.")]
        public static partial void AnswerReportFailed(ILogger logger, string profile, Exception exception);

        [LoggerMessage(EventId = TrafficManagerEventIds.StateFileUnreadable, EventName = nameof(TrafficManagerEventIds.StateFileUnreadable), Level = LogLevel.Warning,
            Message = "The state file {Path} cannot be read ({Reason}); starting without manual endpoint settings.")]
        public static partial void StateFileUnreadable(ILogger logger, string path, string reason);

        [LoggerMessage(EventId = TrafficManagerEventIds.ClusterSettingIgnored, EventName = nameof(TrafficManagerEventIds.ClusterSettingIgnored), Level = LogLevel.Warning,
            Message = "The cluster store's manual setting of {Profile}/{Endpoint} (made on {Instance}) is ignored: {Reason}.")]
        public static partial void ClusterSettingIgnored(ILogger logger, string profile, string endpoint, string instance, string reason);

        [LoggerMessage(EventId = TrafficManagerEventIds.ClusterSettingNotRemoved, EventName = nameof(TrafficManagerEventIds.ClusterSettingNotRemoved), Level = LogLevel.Warning,
            Message = "The cluster store's manual setting of {Profile}/{Endpoint}, which the configuration edit supersedes, could not be deleted ({Reason}); this instance ignores it, and an instance with the previous configuration may still apply it.")]
        public static partial void ClusterSettingNotRemoved(ILogger logger, string profile, string endpoint, string reason);

        [LoggerMessage(EventId = TrafficManagerEventIds.FailbackHeld, EventName = nameof(TrafficManagerEventIds.FailbackHeld), Level = LogLevel.Warning,
            Message = "Endpoint {Profile}/{Endpoint} is Online again but held back from answers: {Reason}.")]
        public static partial void FailbackHeld(ILogger logger, string profile, string endpoint, string reason);

        [LoggerMessage(EventId = TrafficManagerEventIds.FailbackReleased, EventName = nameof(TrafficManagerEventIds.FailbackReleased), Level = LogLevel.Information,
            Message = "Endpoint {Profile}/{Endpoint} is no longer held back ({Reason}); it is answered again when eligible.")]
        public static partial void FailbackReleased(ILogger logger, string profile, string endpoint, string reason);

        [LoggerMessage(EventId = TrafficManagerEventIds.FailbackCountRestarted, EventName = nameof(TrafficManagerEventIds.FailbackCountRestarted), Level = LogLevel.Information,
            Message = "Endpoint {Profile}/{Endpoint} failed a probe while held back: its {HoldDownSeconds} s hold-down count restarts.")]
        public static partial void FailbackCountRestarted(ILogger logger, string profile, string endpoint, double holdDownSeconds);

        [LoggerMessage(EventId = TrafficManagerEventIds.StateFileUnwritable, EventName = nameof(TrafficManagerEventIds.StateFileUnwritable), Level = LogLevel.Error,
            Message = "Manual endpoint settings were not saved: {Reason}.")]
        public static partial void StateFileUnwritable(ILogger logger, string reason);
    }
}
