using Microsoft.Extensions.Time.Testing;

namespace Router.Testing.Time;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that keeps track of the timers it hands out, so that tests of timer-driven
/// components can (1) see how many timers are scheduled and (2) move the clock one due time at a time.
/// Scheduling and firing stay <see cref="FakeTimeProvider"/>'s own; this class only decides where
/// <see cref="AdvanceStepwise"/> stops.
/// </summary>
/// <remarks>
/// <para>Why it exists: three behaviours of <see cref="FakeTimeProvider"/> (11.0.0) that our tests cannot work with.</para>
/// <list type="number">
/// <item><description><see cref="FakeTimeProvider.Advance"/> moves the clock to the end first and then fires every due
/// timer, in due-time order, but each callback reads the <em>end</em> time: a periodic probe timer advanced over three
/// periods probes three times "at" the end. Timers that a callback schedules inside the window do not fire in the same
/// call either. <see cref="AdvanceStepwise"/> stops at each due time instead, so a callback reads its own due time
/// (as with a real timer) and timers scheduled by callbacks fire within the same call when due inside the window.
/// </description></item>
/// <item><description><see cref="FakeTimeProvider"/> fires a timer created or changed with a due time of
/// <see cref="TimeSpan.Zero"/> synchronously inside <see cref="CreateTimer"/> or <see cref="ITimer.Change"/>, on the
/// caller's stack, which may still hold a lock the callback takes (re-entering it half-way through an update, which a
/// real timer thread never does). Here such a timer is due "now" but fires on the next <see cref="AdvanceStepwise"/>,
/// including <c>AdvanceStepwise(TimeSpan.Zero)</c>, at the time it was scheduled. (Under the hood it is scheduled one
/// tick later, so a plain <see cref="FakeTimeProvider.Advance"/> also fires it, one tick late.)</description></item>
/// <item><description><see cref="FakeTimeProvider"/> exposes no count of scheduled timers; tests of background loops
/// need <see cref="ActiveTimerCount"/> to know every loop is parked on its next delay before they move the clock
/// (otherwise an advance that runs before the delay exists is silently lost).</description></item>
/// </list>
/// <para>
/// A timer counts as active from <see cref="CreateTimer"/> or <see cref="ITimer.Change"/> with a finite due time until
/// it is disposed, changed to <see cref="Timeout.InfiniteTimeSpan"/>, or (one-shot) fires. The due times this class
/// stops at follow <see cref="FakeTimeProvider"/>'s rules (a periodic timer is next due one period after its due time);
/// a callback that itself moves the clock, and <see cref="FakeTimeProvider.AutoAdvanceAmount"/>, break that bookkeeping
/// and are not supported. Move the clock from one thread; all members are thread-safe.
/// </para>
/// </remarks>
public sealed class StepwiseFakeTimeProvider : FakeTimeProvider
{
    private static readonly TimeSpan OneTick = TimeSpan.FromTicks(1);

    private readonly Lock _lock = new();
    private readonly List<StepwiseTimer> _active_NeedsLock = [];
    private long _nextSequence_NeedsLock;

    /// <summary>Creates a provider that starts at <see cref="FakeTimeProvider"/>'s default, 2000-01-01T00:00:00Z.</summary>
    public StepwiseFakeTimeProvider()
    {
    }

    /// <summary>Creates a provider that starts at <paramref name="startDateTime"/>.</summary>
    public StepwiseFakeTimeProvider(DateTimeOffset startDateTime)
        : base(startDateTime)
    {
    }

    /// <summary>Gets the number of timers that are currently scheduled to fire (see the class remarks).</summary>
    /// <remarks>Use it to wait until background loops are parked, and to assert that a component released its timers.</remarks>
    public int ActiveTimerCount
    {
        get
        {
            lock (_lock)
            {
                return _active_NeedsLock.Count;
            }
        }
    }

    /// <summary>
    /// Moves the clock forward by <paramref name="delta"/>, stopping at each due time on the way: the timers due then
    /// fire while <see cref="FakeTimeProvider.GetUtcNow"/> reads that due time. Timers that callbacks schedule within
    /// the window fire in this call too.
    /// </summary>
    /// <remarks>
    /// Each stop is one <see cref="FakeTimeProvider.Advance"/>, so timers due at the same instant fire in
    /// <see cref="FakeTimeProvider"/>'s order (by when they were scheduled), and each stop costs the millisecond of real
    /// time that <see cref="FakeTimeProvider.Advance"/> sleeps "to give pending timers a chance to execute". Callbacks
    /// run on this thread, except that <see cref="FakeTimeProvider"/> lets a thread that reads the clock or schedules a
    /// timer at the same moment run them instead; tests whose component does that wait for its effects (bounded).
    /// </remarks>
    /// <param name="delta">How far to move. <see cref="TimeSpan.Zero"/> fires only the timers due now (zero due time).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is negative.</exception>
    public void AdvanceStepwise(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        var target = GetUtcNow() + delta;
        while (true)
        {
            var now = GetUtcNow();
            StepwiseTimer? dueNow = null;
            TimeSpan period = default;
            DateTimeOffset? next = null;
            lock (_lock)
            {
                foreach (var timer in _active_NeedsLock)
                {
                    if (timer.ZeroDue_NeedsLock && timer.DueAt_NeedsLock <= now)
                    {
                        if (dueNow is null || timer.Sequence_NeedsLock < dueNow.Sequence_NeedsLock)
                        {
                            dueNow = timer;
                        }
                    }
                    else if (timer.DueAt_NeedsLock > now && timer.DueAt_NeedsLock <= target
                        && (next is null || timer.DueAt_NeedsLock < next))
                    {
                        next = timer.DueAt_NeedsLock;
                    }
                }

                if (dueNow is not null)
                {
                    // Released once: from here on FakeTimeProvider fires it, and Fire() books the next due time.
                    dueNow.ZeroDue_NeedsLock = false;
                    period = dueNow.Period_NeedsLock;
                }
            }

            if (dueNow is not null)
            {
                dueNow.FireNow(period);
            }
            else if (next is { } stop)
            {
                Advance(stop - now);
            }
            else
            {
                if (target > now)
                {
                    Advance(target - now);
                }

                return;
            }
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new StepwiseTimer(this, callback, state);

        // Created stopped, so nothing can fire before the wrapper is complete; then scheduled like any Change.
        timer.Inner = base.CreateTimer(static s => ((StepwiseTimer)s!).Fire(), timer, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        timer.Change(dueTime, period);
        return timer;
    }

    private static void ValidateTimerSpan(TimeSpan value, string paramName)
    {
        if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(paramName, value, "Must be non-negative or Timeout.InfiniteTimeSpan.");
        }
    }

    private sealed class StepwiseTimer(StepwiseFakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private bool _disposed_NeedsLock;

        public ITimer? Inner { get; set; }

        public DateTimeOffset DueAt_NeedsLock { get; private set; }

        public long Sequence_NeedsLock { get; private set; }

        public TimeSpan Period_NeedsLock { get; private set; }

        /// <summary>Scheduled with a zero due time and not yet released by <see cref="AdvanceStepwise"/>.</summary>
        public bool ZeroDue_NeedsLock { get; set; }

        private bool IsPeriodic_NeedsLock => Period_NeedsLock != TimeSpan.Zero && Period_NeedsLock != Timeout.InfiniteTimeSpan;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            ValidateTimerSpan(dueTime, nameof(dueTime));
            ValidateTimerSpan(period, nameof(period));
            var now = owner.GetUtcNow();
            lock (owner._lock)
            {
                if (_disposed_NeedsLock)
                {
                    return false;
                }

                Period_NeedsLock = period;
                ZeroDue_NeedsLock = dueTime == TimeSpan.Zero;
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    owner._active_NeedsLock.Remove(this);
                }
                else
                {
                    Book_NeedsLock(now + dueTime);
                }
            }

            // A zero due time would fire inside this call: one tick later it waits for the next advance instead.
            return Inner!.Change(dueTime == TimeSpan.Zero ? OneTick : dueTime, period);
        }

        /// <summary>Fires a zero-due timer now, on the advancing thread; a periodic one is next due a period from now.</summary>
        public void FireNow(TimeSpan period) => Inner!.Change(TimeSpan.Zero, period);

        /// <summary>The callback FakeTimeProvider invokes: books the next due time, then runs the test's callback.</summary>
        public void Fire()
        {
            lock (owner._lock)
            {
                ZeroDue_NeedsLock = false;
                if (IsPeriodic_NeedsLock)
                {
                    Book_NeedsLock(DueAt_NeedsLock + Period_NeedsLock);
                }
                else
                {
                    owner._active_NeedsLock.Remove(this);
                }
            }

            callback(state);
        }

        public void Dispose()
        {
            lock (owner._lock)
            {
                _disposed_NeedsLock = true;
                owner._active_NeedsLock.Remove(this);
            }

            Inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private void Book_NeedsLock(DateTimeOffset dueAt)
        {
            if (!owner._active_NeedsLock.Contains(this))
            {
                owner._active_NeedsLock.Add(this);
            }

            DueAt_NeedsLock = dueAt;
            Sequence_NeedsLock = owner._nextSequence_NeedsLock++;
        }
    }
}
