using System.Globalization;

namespace Router.Testing;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock only moves when a test says so. Timers created through it fire
/// synchronously, on the thread that calls <see cref="Advance"/> or <see cref="SetUtcNow"/>, in due-time order.
/// </summary>
/// <remarks>
/// <para>
/// Because <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/>,
/// <see cref="CancellationTokenSource(TimeSpan, TimeProvider)"/> and <see cref="PeriodicTimer"/> all go through
/// <see cref="CreateTimer"/>, every one of them works in virtual time: a delay completes, and a timed token source
/// cancels, exactly when an <see cref="Advance"/> reaches its due time.
/// </para>
/// <para>
/// Semantics, in the order a test usually meets them:
/// <list type="bullet">
/// <item><description>The clock starts at <see cref="DefaultStartTime"/> (2026-01-01T00:00:00Z) unless a start time is
/// given; it never moves by itself and never moves backwards.</description></item>
/// <item><description><see cref="Advance"/> fires every timer that is due at or before the new time, earliest first
/// (timers due at the same instant fire in the order they were scheduled). While a callback runs,
/// <see cref="GetUtcNow"/> returns that callback's due time, so the callback observes the clock exactly as a
/// real timer would. Timers that a callback creates or changes are honoured in the same call if they become due
/// within the advanced window. A periodic timer fires once per elapsed period.</description></item>
/// <item><description>A timer created or changed with a due time of <see cref="TimeSpan.Zero"/> does <b>not</b> fire
/// inside <see cref="CreateTimer"/> or <see cref="ITimer.Change"/>; it is due "now" and fires on the next
/// <see cref="Advance"/> call, including <c>Advance(TimeSpan.Zero)</c>. This keeps callbacks off the caller's
/// stack while it may still be holding locks or half-way through construction. A consequence:
/// <c>new CancellationTokenSource(TimeSpan.Zero, provider)</c> is cancelled only by the next <see cref="Advance"/>.
/// </description></item>
/// <item><description>A period of <see cref="TimeSpan.Zero"/> or <see cref="Timeout.InfiniteTimeSpan"/> makes a
/// one-shot timer, as with <see cref="Timer"/>.</description></item>
/// <item><description>Callbacks run outside the internal lock, under the <see cref="ExecutionContext"/> captured when
/// the timer was created (as <see cref="TimeProvider.System"/> does). An exception thrown by a callback propagates
/// out of <see cref="Advance"/>; the clock then stays at that callback's due time and the remaining due timers fire
/// on the next call.</description></item>
/// </list>
/// </para>
/// <para>
/// Thread-safety: every member may be called from any thread. Concurrent <see cref="Advance"/> calls are safe
/// (time stays monotonic) but their interleaving is unspecified, so tests should advance from one thread.
/// </para>
/// </remarks>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();

    // Scheduled timers only: a timer is in this list exactly while it has a due time.
    private readonly List<ManualTimer> _scheduled_NeedsLock = [];
    private DateTimeOffset _now_NeedsLock;
    private long _nextSequence_NeedsLock;

    /// <summary>Creates a clock that starts at <see cref="DefaultStartTime"/>.</summary>
    public ManualTimeProvider()
        : this(DefaultStartTime)
    {
    }

    /// <summary>Creates a clock that starts at <paramref name="startTime"/> (converted to UTC).</summary>
    public ManualTimeProvider(DateTimeOffset startTime)
    {
        _now_NeedsLock = startTime.ToUniversalTime();
    }

    /// <summary>Gets the start time used by the parameterless constructor: 2026-01-01T00:00:00Z.</summary>
    public static DateTimeOffset DefaultStartTime { get; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Gets <see cref="TimeZoneInfo.Utc"/>, so local time equals UTC in every test.</summary>
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    /// <summary>Gets <see cref="TimeSpan.TicksPerSecond"/>: one timestamp unit is one <see cref="TimeSpan"/> tick.</summary>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>
    /// Gets the number of timers currently scheduled to fire: created or changed with a finite due time, and not
    /// since disposed, stopped with <see cref="Timeout.InfiniteTimeSpan"/>, or (for one-shot timers) fired.
    /// </summary>
    /// <remarks>Use it to assert that a component cleaned up its delays, timed token sources and periodic timers.</remarks>
    public int ActiveTimerCount
    {
        get
        {
            lock (_lock)
            {
                return _scheduled_NeedsLock.Count;
            }
        }
    }

    /// <summary>Gets the current virtual time, always with a zero offset.</summary>
    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now_NeedsLock;
        }
    }

    /// <summary>
    /// Gets a timestamp derived from the virtual clock (its UTC ticks), so
    /// <see cref="TimeProvider.GetElapsedTime(long, long)"/> measures exactly the time advanced in between.
    /// </summary>
    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    /// <summary>
    /// Moves the clock forward by <paramref name="delta"/>, firing every timer that becomes due, in due-time order.
    /// </summary>
    /// <param name="delta">How far to move. <see cref="TimeSpan.Zero"/> fires only the timers already due.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is negative.</exception>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);

        DateTimeOffset target;
        lock (_lock)
        {
            target = _now_NeedsLock + delta;
        }

        AdvanceTo(target);
    }

    /// <summary>
    /// Moves the clock forward to <paramref name="value"/>, firing every timer that becomes due, in due-time order.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is earlier than the current time.</exception>
    public void SetUtcNow(DateTimeOffset value)
    {
        var target = value.ToUniversalTime();
        lock (_lock)
        {
            if (target < _now_NeedsLock)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(value),
                    value,
                    $"The clock cannot move backwards: the current time is {_now_NeedsLock:O}.");
            }
        }

        AdvanceTo(target);
    }

    /// <summary>
    /// Creates a timer driven by this clock. It is scheduled relative to the current virtual time and fires only
    /// during <see cref="Advance"/> or <see cref="SetUtcNow"/> (see the class remarks for due time zero).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="callback"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="dueTime"/> or <paramref name="period"/> is negative and not <see cref="Timeout.InfiniteTimeSpan"/>.
    /// </exception>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ValidateTimerSpan(dueTime, nameof(dueTime));
        ValidateTimerSpan(period, nameof(period));

        var timer = new ManualTimer(this, callback, state, ExecutionContext.Capture());
        timer.Change(dueTime, period);
        return timer;
    }

    /// <inheritdoc />
    public override string ToString() => GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    private static void ValidateTimerSpan(TimeSpan value, string paramName)
    {
        if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(paramName, value, "Must be non-negative or Timeout.InfiniteTimeSpan.");
        }
    }

    // Returns null when the sum is not representable: such a timer can never become due.
    private static DateTimeOffset? AddOrNever(DateTimeOffset start, TimeSpan span) =>
        span > DateTimeOffset.MaxValue - start ? null : start + span;

    private void AdvanceTo(DateTimeOffset target)
    {
        while (true)
        {
            ManualTimer? due;
            lock (_lock)
            {
                due = TakeNextDueTimer_NeedsLock(target);
                if (due is null)
                {
                    if (_now_NeedsLock < target)
                    {
                        _now_NeedsLock = target;
                    }

                    return;
                }
            }

            // Outside the lock: the callback may read the clock, create or change timers, or even advance.
            due.Invoke();
        }
    }

    // Picks the earliest timer due at or before target, moves the clock to its due time and reschedules it
    // (next period, or unscheduled for one-shot timers) before its callback runs, as a real timer does.
    private ManualTimer? TakeNextDueTimer_NeedsLock(DateTimeOffset target)
    {
        ManualTimer? next = null;
        foreach (var timer in _scheduled_NeedsLock)
        {
            if (timer.DueAt_NeedsLock <= target
                && (next is null
                    || timer.DueAt_NeedsLock < next.DueAt_NeedsLock
                    || (timer.DueAt_NeedsLock == next.DueAt_NeedsLock && timer.Sequence_NeedsLock < next.Sequence_NeedsLock)))
            {
                next = timer;
            }
        }

        if (next is null)
        {
            return null;
        }

        var dueAt = next.DueAt_NeedsLock;
        if (dueAt > _now_NeedsLock)
        {
            _now_NeedsLock = dueAt;
        }

        if (next.IsPeriodic_NeedsLock && AddOrNever(dueAt, next.Period_NeedsLock) is { } nextDue)
        {
            Schedule_NeedsLock(next, nextDue);
        }
        else
        {
            Unschedule_NeedsLock(next);
        }

        return next;
    }

    private void Schedule_NeedsLock(ManualTimer timer, DateTimeOffset dueAt)
    {
        if (!timer.IsScheduled_NeedsLock)
        {
            _scheduled_NeedsLock.Add(timer);
            timer.IsScheduled_NeedsLock = true;
        }

        timer.DueAt_NeedsLock = dueAt;
        timer.Sequence_NeedsLock = _nextSequence_NeedsLock++;
    }

    private void Unschedule_NeedsLock(ManualTimer timer)
    {
        if (timer.IsScheduled_NeedsLock)
        {
            _scheduled_NeedsLock.Remove(timer);
            timer.IsScheduled_NeedsLock = false;
        }
    }

    private sealed class ManualTimer(
        ManualTimeProvider owner,
        TimerCallback callback,
        object? state,
        ExecutionContext? executionContext) : ITimer
    {
        private static readonly ContextCallback s_invokeInContext = static s => ((ManualTimer)s!).InvokeCore();

        private bool _disposed_NeedsLock;

        public DateTimeOffset DueAt_NeedsLock { get; set; }

        public long Sequence_NeedsLock { get; set; }

        public bool IsScheduled_NeedsLock { get; set; }

        public TimeSpan Period_NeedsLock { get; private set; } = Timeout.InfiniteTimeSpan;

        public bool IsPeriodic_NeedsLock => Period_NeedsLock != Timeout.InfiniteTimeSpan && Period_NeedsLock != TimeSpan.Zero;

        /// <summary>Reschedules relative to the current virtual time; returns <see langword="false"/> once disposed.</summary>
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            ValidateTimerSpan(dueTime, nameof(dueTime));
            ValidateTimerSpan(period, nameof(period));

            lock (owner._lock)
            {
                if (_disposed_NeedsLock)
                {
                    return false;
                }

                Period_NeedsLock = period;
                if (dueTime != Timeout.InfiniteTimeSpan && AddOrNever(owner._now_NeedsLock, dueTime) is { } dueAt)
                {
                    owner.Schedule_NeedsLock(this, dueAt);
                }
                else
                {
                    owner.Unschedule_NeedsLock(this);
                }

                return true;
            }
        }

        public void Dispose()
        {
            lock (owner._lock)
            {
                _disposed_NeedsLock = true;
                owner.Unschedule_NeedsLock(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        public void Invoke()
        {
            if (executionContext is null)
            {
                InvokeCore();
            }
            else
            {
                ExecutionContext.Run(executionContext, s_invokeInContext, this);
            }
        }

        private void InvokeCore() => callback(state);
    }
}
