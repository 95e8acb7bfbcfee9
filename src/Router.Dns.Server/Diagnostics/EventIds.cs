namespace Router.Dns.Server.Diagnostics;

/// <summary>Event IDs of Router.Dns.Server: the range 1000-1999 is ours, each ID used once.</summary>
internal static class EventIds
{
    public const int ListenerStarted = 1000;
    public const int ListenerStopped = 1001;
    public const int ListenerFailed = 1002;
    public const int ConfigurationApplied = 1003;
    public const int ListenChangeNeedsRestart = 1004;
    public const int HandlerFailed = 1010;
    public const int MalformedQuery = 1011;
    public const int PipelineCrashed = 1014;
    public const int TcpPipelineCrashed = 1015;
    public const int ReceiveFailed = 1012;
    public const int SendFailed = 1013;
    public const int TcpConnectionLimitReached = 1020;
    public const int TcpConnectionFailed = 1021;
    public const int UpstreamFailed = 1030;
    public const int AllUpstreamsFailed = 1031;
    public const int UpstreamSpoofedResponse = 1032;
    public const int ForwardingOverloaded = 1033;
    public const int NoUpstreams = 1034;
}
