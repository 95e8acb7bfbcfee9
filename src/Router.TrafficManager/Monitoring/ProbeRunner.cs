namespace Router.TrafficManager.Monitoring;

/// <summary>
/// One endpoint's schedule in <see cref="ProbeScheduler"/>: its timer and the probe it runs. Every member is called, and
/// every property guarded, under the scheduler's lock. Its monitor state is not here: it lives in the scheduler's
/// published <see cref="EndpointStates"/>.
/// </summary>
internal sealed class ProbeRunner(ProbeTarget target)
{
    /// <summary>The step that first probes are aligned to (<see cref="OnGrid"/>).</summary>
    internal static readonly TimeSpan TickGrid = TimeSpan.FromMilliseconds(100);

    public ProbeTarget Target { get; set; } = target;

    public ITimer? Timer { get; private set; }

    /// <summary>When <see cref="Timer"/> first fires; it fires every <see cref="Period"/> after that.</summary>
    public DateTimeOffset FirstDue { get; private set; }

    public TimeSpan Period { get; private set; }

    /// <summary>Cancels this schedule's probes; a new one per schedule, so late ticks of an old timer are recognised.</summary>
    public CancellationTokenSource? Cancellation { get; private set; }

    /// <summary>A probe is running (the next tick is skipped).</summary>
    public bool Busy { get; set; }

    /// <summary>Removed, or replaced after a settings change: its results are dropped.</summary>
    public bool Retired { get; private set; }

    /// <summary>
    /// Starts the timer, unless the runner is retired, its target disabled or in <c>Batch</c> mode, or it is scheduled already: the first tick at
    /// a random offset in [0, interval) (<paramref name="jitter"/>), moved back onto the clock's <see cref="TickGrid"/>, then every interval.
    /// </summary>
    public void Schedule(TimeProvider timeProvider, Func<double> jitter, Action<ProbeTick> onTimer)
    {
        if (Retired || !Target.Enabled || Timer is not null || Target.Monitor.Mode == Configuration.MonitorMode.Batch)
        {
            // A Batch endpoint has no timer of its own: its origin's poller counts its results (ProbeScheduler.RecordBatch).
            return;
        }

        var interval = Target.Interval;
        double offset = jitter();
        offset = offset >= 0 ? Math.Min(offset, 0.999_999) : 0; // NaN and negatives → 0
        var now = timeProvider.GetUtcNow();
        var due = OnGrid(now, interval * offset);
        // Complete before the timer exists: a real timer may fire at once, on another thread.
        var tick = new ProbeTick(this, new CancellationTokenSource(), onTimer);
        Cancellation = tick.Cancellation;
        FirstDue = now + due;
        Period = interval;
        Timer = timeProvider.CreateTimer(static s => ((ProbeTick)s!).Fire(), tick, due, interval);
    }

    /// <summary>
    /// <paramref name="due"/> moved back to the last <see cref="TickGrid"/> boundary of the clock (UTC), when that is
    /// not before <paramref name="now"/>; otherwise (a first probe due at once, or within the grid step now is in)
    /// <paramref name="due"/> as it is.
    /// </summary>
    /// <remarks>
    /// The probes of thousands of endpoints then fall due together, a few per grid step, instead of one by one: the
    /// timer thread and a thread-pool worker wake once per step rather than once per probe. (Timers that fire in one
    /// pass of the runtime's timer queue are re-armed from the same moment, so with intervals of whole grid steps, as
    /// whole seconds are, they stay together.) At 10,000 profiles × 3 endpoints and 1,000 probes/s, those wake-ups were
    /// a large part of a probe's CPU (<c>tests/bench/probe-cost.sh</c>). The first probes still spread over the whole
    /// interval, and none is later than its jitter said.
    /// </remarks>
    internal static TimeSpan OnGrid(DateTimeOffset now, TimeSpan due)
    {
        long at = now.UtcTicks + due.Ticks;
        long aligned = at - (at % TickGrid.Ticks);
        return due > TimeSpan.Zero && aligned >= now.UtcTicks ? TimeSpan.FromTicks(aligned - now.UtcTicks) : due;
    }

    /// <summary>
    /// Moves a scheduled runner to its target's interval: the next probe when the old schedule had it, or one new
    /// interval from <paramref name="now"/> if that is sooner; then every new interval. A running probe continues.
    /// </summary>
    public void Reschedule(DateTimeOffset now)
    {
        var interval = Target.Interval;
        if (Timer is not { } timer || interval == Period)
        {
            return; // not scheduled (Start or enabling schedules with the new interval), or no change
        }

        var next = FirstDue;
        if (now >= next)
        {
            long elapsed = (now - next).Ticks / Period.Ticks;
            next += Period * (elapsed + 1);
        }

        var due = next - now < interval ? next - now : interval;
        FirstDue = now + due;
        Period = interval;
        timer.Change(due, interval);
    }

    /// <summary>Stops the timer; the running probe's cancellation goes to <paramref name="cancel"/>, for after the lock.</summary>
    public void Unschedule(List<CancellationTokenSource> cancel)
    {
        Timer?.Dispose();
        Timer = null;
        if (Cancellation is { } cancellation)
        {
            cancel.Add(cancellation);
        }

        Cancellation = null;
    }

    /// <summary>Stops for good: <see cref="Unschedule"/>, and results still to come are dropped.</summary>
    public void Retire(List<CancellationTokenSource> cancel)
    {
        Retired = true;
        Unschedule(cancel);
    }
}
