namespace Router.TrafficManager.Monitoring;

/// <summary>One schedule of one <see cref="ProbeRunner"/>: the timer's state, complete before the timer is created.</summary>
internal sealed class ProbeTick(ProbeRunner runner, CancellationTokenSource cancellation, Action<ProbeTick> onTimer)
{
    public ProbeRunner Runner { get; } = runner;

    public CancellationTokenSource Cancellation { get; } = cancellation;

    /// <summary>The timer callback.</summary>
    public void Fire() => onTimer(this);
}
