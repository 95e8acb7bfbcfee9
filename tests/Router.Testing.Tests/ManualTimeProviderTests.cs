namespace Router.Testing.Tests;

public sealed class ManualTimeProviderTests
{
    private static readonly DateTimeOffset Start = ManualTimeProvider.DefaultStartTime;

    [Fact]
    public void GetUtcNow_NewProvider_ReturnsDefaultStartTime()
    {
        // Arrange
        var clock = new ManualTimeProvider();

        // Act
        var now = clock.GetUtcNow();

        // Assert
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), now);
        Assert.Equal(TimeSpan.Zero, now.Offset);
        Assert.Same(TimeZoneInfo.Utc, clock.LocalTimeZone);
    }

    [Fact]
    public void GetUtcNow_StartTimeWithOffset_ReturnsSameInstantInUtc()
    {
        // Arrange
        var start = new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.FromHours(2));

        // Act
        var now = new ManualTimeProvider(start).GetUtcNow();

        // Assert
        Assert.Equal(start, now);
        Assert.Equal(TimeSpan.Zero, now.Offset);
    }

    [Fact]
    public void Advance_SeveralTimersDue_FiresInDueTimeOrderAtTheirDueTimes()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var fired = new List<(string Name, DateTimeOffset At)>();
        using var third = clock.CreateTimer(_ => fired.Add(("third", clock.GetUtcNow())), null, TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);
        using var first = clock.CreateTimer(_ => fired.Add(("first", clock.GetUtcNow())), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        using var second = clock.CreateTimer(_ => fired.Add(("second", clock.GetUtcNow())), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);

        // Act
        clock.Advance(TimeSpan.FromSeconds(5));

        // Assert
        Assert.Equal(
            [("first", Start.AddSeconds(1)), ("second", Start.AddSeconds(2)), ("third", Start.AddSeconds(3))],
            fired);
        Assert.Equal(Start.AddSeconds(5), clock.GetUtcNow());
    }

    [Fact]
    public void Advance_TimersDueAtSameInstant_FireInSchedulingOrder()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var fired = new List<int>();
        var timers = Enumerable.Range(0, 5)
            .Select(i => clock.CreateTimer(_ => fired.Add(i), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan))
            .ToList();

        // Act
        clock.Advance(TimeSpan.FromSeconds(1));

        // Assert
        Assert.Equal([0, 1, 2, 3, 4], fired);
        timers.ForEach(t => t.Dispose());
    }

    [Fact]
    public void Advance_ShortOfDueTime_DoesNotFire()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);

        // Act
        clock.Advance(TimeSpan.FromSeconds(10) - TimeSpan.FromTicks(1));

        // Assert
        Assert.Equal(0, count);
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(1, count);
    }

    [Fact]
    public void Advance_ManyPeriods_FiresPeriodicTimerOncePerElapsedPeriod()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var firedAt = new List<DateTimeOffset>();
        using var timer = clock.CreateTimer(_ => firedAt.Add(clock.GetUtcNow()), null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));

        // 1. Nine periods and a half in one call: nine ticks, each at its own due time.
        clock.Advance(TimeSpan.FromSeconds(95));
        Assert.Equal(Enumerable.Range(1, 9).Select(i => Start.AddSeconds(10 * i)), firedAt);

        // 2. The cadence is kept across calls: the tenth tick is at 100 s, not 95 s + 10 s.
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(10, firedAt.Count);
        Assert.Equal(Start.AddSeconds(100), firedAt[^1]);
        Assert.Equal(1, clock.ActiveTimerCount);
    }

    [Fact]
    public void Advance_PeriodZero_FiresOnlyOnce()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.Zero);

        // Act
        clock.Advance(TimeSpan.FromMinutes(1));

        // Assert
        Assert.Equal(1, count);
        Assert.Equal(0, clock.ActiveTimerCount);
    }

    [Fact]
    public void Advance_CallbackCreatesTimerDueWithinWindow_FiresItInSameAdvance()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var fired = new List<(string Name, DateTimeOffset At)>();
        var created = new List<ITimer>();
        using var outer = clock.CreateTimer(
            _ =>
            {
                fired.Add(("outer", clock.GetUtcNow()));
                created.Add(clock.CreateTimer(_ => fired.Add(("inner", clock.GetUtcNow())), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan));
                created.Add(clock.CreateTimer(_ => fired.Add(("late", clock.GetUtcNow())), null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan));
            },
            null,
            TimeSpan.FromSeconds(1),
            Timeout.InfiniteTimeSpan);

        // Act
        clock.Advance(TimeSpan.FromSeconds(5));

        // Assert: inner is due at 1 s + 2 s = 3 s, inside the window; late is due at 11 s, outside it.
        Assert.Equal([("outer", Start.AddSeconds(1)), ("inner", Start.AddSeconds(3))], fired);
        Assert.Equal(1, clock.ActiveTimerCount);
        created.ForEach(t => t.Dispose());
    }

    [Fact]
    public void Advance_CallbackChangesAnotherTimerToEarlierTime_FiresInNewOrder()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var fired = new List<(string Name, DateTimeOffset At)>();
        using var target = clock.CreateTimer(_ => fired.Add(("target", clock.GetUtcNow())), null, TimeSpan.FromSeconds(8), Timeout.InfiniteTimeSpan);
        using var changer = clock.CreateTimer(
            _ =>
            {
                fired.Add(("changer", clock.GetUtcNow()));
                target.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
            },
            null,
            TimeSpan.FromSeconds(2),
            Timeout.InfiniteTimeSpan);

        // Act
        clock.Advance(TimeSpan.FromSeconds(10));

        // Assert: the change moved target from 8 s to 2 s + 1 s.
        Assert.Equal([("changer", Start.AddSeconds(2)), ("target", Start.AddSeconds(3))], fired);
    }

    [Fact]
    public void CreateTimer_ZeroDueTime_FiresOnNextAdvanceNotInsideCreate()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var count = 0;

        // Act
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        // Assert
        Assert.Equal(0, count);
        clock.Advance(TimeSpan.Zero);
        Assert.Equal(1, count);
        Assert.Equal(Start, clock.GetUtcNow());
    }

    [Fact]
    public void Change_ZeroDueTime_FiresOnNextAdvanceNotInsideChange()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        // Act
        Assert.True(timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan));

        // Assert
        Assert.Equal(0, count);
        clock.Advance(TimeSpan.Zero);
        Assert.Equal(1, count);
    }

    [Fact]
    public void Change_Infinite_StopsTimer()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, count);

        // Act
        Assert.True(timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        clock.Advance(TimeSpan.FromMinutes(1));

        // Assert
        Assert.Equal(2, count);
        Assert.Equal(0, clock.ActiveTimerCount);
    }

    [Fact]
    public void Change_NewDueTime_ReschedulesRelativeToCurrentTime()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var firedAt = new List<DateTimeOffset>();
        using var timer = clock.CreateTimer(_ => firedAt.Add(clock.GetUtcNow()), null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromSeconds(4));

        // Act
        timer.Change(TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromSeconds(10));

        // Assert
        Assert.Equal([Start.AddSeconds(9)], firedAt);
    }

    [Fact]
    public void Dispose_ScheduledTimer_NeverFiresAndChangeReturnsFalse()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var count = 0;
        var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        Assert.Equal(1, clock.ActiveTimerCount);

        // Act
        timer.Dispose();
        clock.Advance(TimeSpan.FromMinutes(1));

        // Assert
        Assert.Equal(0, count);
        Assert.Equal(0, clock.ActiveTimerCount);
        Assert.False(timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        clock.Advance(TimeSpan.Zero);
        Assert.Equal(0, count);
    }

    [Fact]
    public async Task DisposeAsync_ScheduledTimer_NeverFires()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var count = 0;
        var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        // Act
        await timer.DisposeAsync();
        clock.Advance(TimeSpan.FromSeconds(2));

        // Assert
        Assert.Equal(0, count);
        Assert.Equal(0, clock.ActiveTimerCount);
    }

    [Fact]
    public void Dispose_CalledFromOwnCallback_StopsPeriodicTimerWithinSameAdvance()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var count = 0;
        ITimer? timer = null;
        timer = clock.CreateTimer(
            _ =>
            {
                if (++count == 3)
                {
                    timer!.Dispose();
                }
            },
            null,
            TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(1));

        // Act
        clock.Advance(TimeSpan.FromSeconds(10));

        // Assert
        Assert.Equal(3, count);
        Assert.Equal(0, clock.ActiveTimerCount);
    }

    [Fact]
    public void CreateTimer_NegativeDueTimeOrPeriod_Throws()
    {
        // Arrange
        var clock = new ManualTimeProvider();

        // Act + Assert
        Assert.Throws<ArgumentOutOfRangeException>("dueTime", () => clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(-1), Timeout.InfiniteTimeSpan));
        Assert.Throws<ArgumentOutOfRangeException>("period", () => clock.CreateTimer(_ => { }, null, TimeSpan.Zero, TimeSpan.FromSeconds(-2)));
        Assert.Equal(0, clock.ActiveTimerCount);
    }

    [Fact]
    public async Task TaskDelay_AdvancedToDueTime_CompletesOnlyThen()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var delay = Task.Delay(TimeSpan.FromSeconds(5), clock, CancellationToken.None);

        // 1. One tick short of the due time: still pending.
        clock.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.False(delay.IsCompleted);

        // 2. At the due time: completed, and its timer is released.
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.True(delay.IsCompletedSuccessfully);
        Assert.Equal(0, clock.ActiveTimerCount);
        await delay;
    }

    [Fact]
    public async Task TaskDelay_TokenCanceledBeforeDueTime_CancelsAndReleasesTimer()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        using var cts = new CancellationTokenSource();
        var delay = Task.Delay(TimeSpan.FromSeconds(5), clock, cts.Token);
        Assert.Equal(1, clock.ActiveTimerCount);

        // Act
        await cts.CancelAsync();

        // Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => delay);
        Assert.Equal(0, clock.ActiveTimerCount);
    }

    [Fact]
    public void CancellationTokenSource_TimeoutReached_CancelsOnAdvance()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30), clock);
        DateTimeOffset? canceledAt = null;
        using var registration = cts.Token.Register(() => canceledAt = clock.GetUtcNow());

        // 1. Before the timeout.
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(cts.IsCancellationRequested);

        // 2. Reaching the timeout cancels, observed at exactly the timeout.
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(cts.IsCancellationRequested);
        Assert.Equal(Start.AddSeconds(30), canceledAt);
    }

    [Fact]
    public void CancellationTokenSource_DisposedBeforeTimeout_ReleasesTimer()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30), clock);
        Assert.Equal(1, clock.ActiveTimerCount);

        // Act
        cts.Dispose();

        // Assert
        Assert.Equal(0, clock.ActiveTimerCount);
    }

    [Fact]
    public async Task PeriodicTimer_Advance_CompletesEachTick()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        using var periodic = new PeriodicTimer(TimeSpan.FromSeconds(10), clock);

        // 1. First tick.
        var tick = periodic.WaitForNextTickAsync(CancellationToken.None);
        Assert.False(tick.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True(await tick);

        // 2. Second tick.
        tick = periodic.WaitForNextTickAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True(await tick);
    }

    [Fact]
    public void GetElapsedTime_AcrossAdvances_EqualsAdvancedTime()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var started = clock.GetTimestamp();

        // Act
        clock.Advance(TimeSpan.FromMilliseconds(1500));
        clock.Advance(TimeSpan.FromTicks(7));
        var elapsed = clock.GetElapsedTime(started);

        // Assert
        Assert.Equal(TimeSpan.FromMilliseconds(1500) + TimeSpan.FromTicks(7), elapsed);
        Assert.Equal(elapsed, clock.GetElapsedTime(started, clock.GetTimestamp()));
        Assert.Equal(TimeSpan.TicksPerSecond, clock.TimestampFrequency);
    }

    [Fact]
    public void SetUtcNow_Forward_MovesClockAndFiresDueTimers()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var firedAt = new List<DateTimeOffset>();
        using var timer = clock.CreateTimer(_ => firedAt.Add(clock.GetUtcNow()), null, TimeSpan.FromMinutes(1), Timeout.InfiniteTimeSpan);

        // Act
        clock.SetUtcNow(Start.AddHours(1));

        // Assert
        Assert.Equal([Start.AddMinutes(1)], firedAt);
        Assert.Equal(Start.AddHours(1), clock.GetUtcNow());
    }

    [Fact]
    public void SetUtcNow_Backwards_ThrowsAndKeepsTime()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        clock.Advance(TimeSpan.FromMinutes(1));

        // Act + Assert
        Assert.Throws<ArgumentOutOfRangeException>("value", () => clock.SetUtcNow(Start));
        Assert.Equal(Start.AddMinutes(1), clock.GetUtcNow());
    }

    [Fact]
    public void Advance_NegativeDelta_Throws()
    {
        // Arrange
        var clock = new ManualTimeProvider();

        // Act + Assert
        Assert.Throws<ArgumentOutOfRangeException>("delta", () => clock.Advance(TimeSpan.FromTicks(-1)));
        Assert.Equal(Start, clock.GetUtcNow());
    }

    [Fact]
    public void Advance_CallbackThrows_PropagatesAndRemainingTimersFireOnNextAdvance()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var fired = new List<string>();
        using var failing = clock.CreateTimer(_ => throw new InvalidOperationException("boom"), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        using var later = clock.CreateTimer(_ => fired.Add("later"), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);

        // 1. The exception escapes Advance; the clock stays at the failing timer's due time.
        Assert.Throws<InvalidOperationException>(() => clock.Advance(TimeSpan.FromSeconds(5)));
        Assert.Empty(fired);
        Assert.Equal(Start.AddSeconds(1), clock.GetUtcNow());

        // 2. The next Advance delivers what was left.
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(["later"], fired);
        Assert.Equal(Start.AddSeconds(5), clock.GetUtcNow());
    }

    [Fact]
    public void CreateTimer_AsyncLocalSetAtCreation_FlowsIntoCallback()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var local = new AsyncLocal<string?>();
        string? observed = null;
        local.Value = "created";
        using var timer = clock.CreateTimer(_ => observed = local.Value, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        local.Value = "advanced";

        // Act
        clock.Advance(TimeSpan.FromSeconds(1));

        // Assert
        Assert.Equal("created", observed);
        Assert.Equal("advanced", local.Value);
    }

    [Fact]
    public void Advance_CallbackUsesProviderFromAnotherThread_DoesNotDeadlock()
    {
        // Arrange: a callback that needs another thread to take the provider's lock proves callbacks run outside it.
        var clock = new ManualTimeProvider();
        var joined = false;
        using var timer = clock.CreateTimer(
            _ =>
            {
                var other = new Thread(() => clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan).Dispose());
                other.Start();
                joined = other.Join(TimeSpan.FromSeconds(30));
            },
            null,
            TimeSpan.FromSeconds(1),
            Timeout.InfiniteTimeSpan);

        // Act
        clock.Advance(TimeSpan.FromSeconds(1));

        // Assert
        Assert.True(joined);
    }

    [Fact]
    public async Task CreateTimer_FromManyThreads_EveryTimerFiresOnce()
    {
        // Arrange
        var clock = new ManualTimeProvider();
        var count = 0;
        var timers = await Task.WhenAll(Enumerable.Range(1, 200).Select(i => Task.Run(
            () => clock.CreateTimer(_ => Interlocked.Increment(ref count), null, TimeSpan.FromMilliseconds(i), Timeout.InfiniteTimeSpan),
            CancellationToken.None)));
        Assert.Equal(200, clock.ActiveTimerCount);

        // Act
        clock.Advance(TimeSpan.FromSeconds(1));

        // Assert
        Assert.Equal(200, count);
        Assert.Equal(0, clock.ActiveTimerCount);
        Array.ForEach(timers, t => t.Dispose());
    }
}
