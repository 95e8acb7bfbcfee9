namespace Router.TrafficManager.Diagnostics;

/// <summary>
/// Every event ID of Router.TrafficManager (3000-3999), each used once. The numbers are part of the log contract: never
/// renumber one. Each constant's name is its event's <c>EventName</c> (<c>nameof</c>).
/// </summary>
internal static class TrafficManagerEventIds
{
    // Endpoint monitoring: 3000-3199 (Diagnostics/MonitoringLog.cs).
    public const int EndpointStatusChanged = 3000;
    public const int FallbackUsed = 3001;
    public const int FallbackEnded = 3002;
    public const int EndpointStatusChangesSummarized = 3003;
    public const int ProbeCrashed = 3010;
    public const int ProbeSkipped = 3011;
    public const int StateCallbackFailed = 3012;
    public const int TickFailed = 3013;
    public const int SchedulerStarted = 3020;
    public const int SchedulerStopped = 3021;
    public const int TargetsApplied = 3022;

    // Batch monitoring: 3030-3049 (Monitoring/Batch/BatchLog.cs).
    public const int BatchPollFailed = 3030;
    public const int BatchPollRecovered = 3031;
    public const int BatchFallbackUsed = 3032;
    public const int BatchFallbackEnded = 3033;
    public const int BatchPollerStarted = 3034;
    public const int BatchPollerStopped = 3035;
    public const int BatchRoundFailed = 3036;

    // Admin API: 3400-3599 (Admin/AdminHttpServer.cs).
    public const int AdminListening = 3400;
    public const int EndpointEnabledSet = 3401;
    public const int EndpointChangeRejected = 3402;
    public const int EndpointChangeFailed = 3403;
    public const int EndpointMaintenanceSet = 3404;
    public const int EndpointReleaseRequested = 3405;
    public const int Unauthorized = 3410;
    public const int MisdirectedHost = 3411;
    public const int CrossOriginRefused = 3412;
    public const int RequestFailed = 3420;

    // The service: configuration, manual settings, answer changes: 3600-3799 (TrafficManagerService.cs).
    public const int TrafficManagerStarted = 3600;
    public const int TrafficManagerConfigurationApplied = 3601;
    public const int EndpointSwitched = 3602;
    public const int EndpointOverrideCleared = 3603;
    public const int StateFileUnreadable = 3604;
    public const int StateFileUnwritable = 3605;
    public const int EndpointOverrideForgotten = 3606;
    public const int AnswerChanged = 3607;
    public const int AnswerReportFailed = 3608;
    public const int ClusterSettingIgnored = 3609;
    public const int ClusterSettingNotRemoved = 3610;
    public const int AnswerChangesSummarized = 3620;
    public const int FailbackHeld = 3621;
    public const int FailbackReleased = 3622;
    public const int FailbackCountRestarted = 3623;

    // The country database of Geographic routing: 3650-3669 (Geo/GeoDatabase.Log.cs).
    public const int GeoDatabaseLoaded = 3650;
    public const int GeoDatabaseLoadFailed = 3651;
    public const int GeoDatabaseCleared = 3652;
}
