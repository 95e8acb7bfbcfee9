namespace Router.Health.Diagnostics;

/// <summary>Event IDs of Router.Health: the range 2000-2999 is ours, each ID used once.</summary>
internal static class HealthEventIds
{
    public const int ResourceHealthy = 2000;
    public const int ResourceUnhealthy = 2001;
    public const int ResourceCheckInconclusive = 2002;
    public const int RegistryHealthy = 2010;
    public const int RegistryUnhealthy = 2011;
    public const int RegistryFailOpen = 2012;
    public const int MoreRegistryTransitions = 2013;
    public const int ResourceStale = 2003;
    public const int ZoneInstanceHealthy = 2004;
    public const int ZoneInstanceUnhealthy = 2005;
    public const int DeepEvaluationSwitched = 2020;
    public const int MonitorStarted = 2030;
    public const int MonitorStopped = 2031;
    public const int TopologyApplied = 2032;
    public const int CheckCrashed = 2040;
    public const int MonitorOverloaded = 2041;
    public const int HealthListening = 2050;
    public const int BatchDocumentBuilt = 2060;
}
