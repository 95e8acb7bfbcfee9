namespace Router.Cli;

/// <summary>Event IDs of the <c>router</c> executable: the range 4000-4999 is ours, each ID used once.</summary>
internal static class EventIds
{
    public const int ConfigurationReloaded = 4000;
    public const int ConfigurationRejected = 4001;
    public const int ConfigurationError = 4002;
    public const int ConfigurationReloadFailed = 4003;
    public const int RolesChangeNeedsRestart = 4004;
    public const int AdminChangeNeedsRestart = 4005;
    public const int TelemetryChangeNeedsRestart = 4006;
    public const int ClusterChangeNeedsRestart = 4007;
    public const int StateDirectoryNotWritable = 4011;
    public const int Started = 4010;
    public const int OtlpExporting = 4012;
}
