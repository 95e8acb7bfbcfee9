namespace Router.TrafficManager.Admin;

/// <summary>Event IDs of the admin API: 3400-3599 of Router.TrafficManager's range, each used once.</summary>
internal static class AdminEventIds
{
    public const int AdminListening = 3400;
    public const int EndpointEnabledSet = 3401;
    public const int EndpointChangeRejected = 3402;
    public const int EndpointChangeFailed = 3403;
    public const int Unauthorized = 3410;
    public const int MisdirectedHost = 3411;
    public const int CrossOriginRefused = 3412;
    public const int RequestFailed = 3420;
}
