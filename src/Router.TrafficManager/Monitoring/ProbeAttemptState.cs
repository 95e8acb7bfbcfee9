namespace Router.TrafficManager.Monitoring;

/// <summary>One attempt's connect timeout, and whether its connection was made (set by the connect step).</summary>
internal sealed class ProbeAttemptState(TimeSpan connectTimeout)
{
    private volatile bool _connected;

    public TimeSpan ConnectTimeout { get; } = connectTimeout;

    public bool Connected
    {
        get => _connected;
        set => _connected = value;
    }
}
