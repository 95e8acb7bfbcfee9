using Microsoft.Extensions.Time.Testing;
using Router.Testing.Time;

namespace Router.Testing.Tests.Time;

/// <summary>
/// What <see cref="StepwiseFakeTimeProvider"/> adds to <see cref="FakeTimeProvider"/>, each next to the plain
/// <see cref="FakeTimeProvider"/> behaviour that made it necessary (so an upgrade that changes one shows up here).
/// </summary>
public sealed class StepwiseFakeTimeProviderTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void Advance_PlainFakeTimeProvider_CallbacksReadTheEndTime()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        var start = clock.GetUtcNow();
        var firedAt = new List<TimeSpan>();
        using var timer = clock.CreateTimer(_ => firedAt.Add(clock.GetUtcNow() - start), null, 10 * Second, 10 * Second);

        // Act
        clock.Advance(35 * Second);

        // Assert: three ticks, all "at" 35 s (this is what AdvanceStepwise exists for)
        Assert.Equal([35 * Second, 35 * Second, 35 * Second], firedAt);
    }

    [Fact]
    public void AdvanceStepwise_PeriodicTimer_FiresOncePerPeriodAtEachDueTimeAndKeepsCadence()
    {
        // Arrange
        var clock = new StepwiseFakeTimeProvider();
        var start = clock.GetUtcNow();
        var firedAt = new List<TimeSpan>();
        using var timer = clock.CreateTimer(_ => firedAt.Add(clock.GetUtcNow() - start), null, 10 * Second, 10 * Second);

        // 1. Three periods and a half in one call: three ticks, each at its own due time.
        clock.AdvanceStepwise(35 * Second);
        Assert.Equal([10 * Second, 20 * Second, 30 * Second], firedAt);
        Assert.Equal(start + (35 * Second), clock.GetUtcNow());

        // 2. The cadence is kept across calls: the fourth tick is at 40 s, not 35 s + 10 s.
        clock.AdvanceStepwise(5 * Second);
        Assert.Equal(40 * Second, firedAt[^1]);
        Assert.Equal(1, clock.ActiveTimerCount);
    }

    [Fact]
    public void AdvanceStepwise_SeveralTimers_FireInDueTimeOrderAtTheirDueTimes()
    {
        // Arrange
        var clock = new StepwiseFakeTimeProvider();
        var start = clock.GetUtcNow();
        var fired = new List<(string Name, TimeSpan At)>();
        using var third = clock.CreateTimer(_ => fired.Add(("third", clock.GetUtcNow() - start)), null, 3 * Second, Timeout.InfiniteTimeSpan);
        using var first = clock.CreateTimer(_ => fired.Add(("first", clock.GetUtcNow() - start)), null, 1 * Second, Timeout.InfiniteTimeSpan);
        using var second = clock.CreateTimer(_ => fired.Add(("second", clock.GetUtcNow() - start)), null, 2 * Second, Timeout.InfiniteTimeSpan);

        // Act
        clock.AdvanceStepwise(5 * Second);

        // Assert
        Assert.Equal([("first", 1 * Second), ("second", 2 * Second), ("third", 3 * Second)], fired);
        Assert.Equal(0, clock.ActiveTimerCount);
    }

    [Fact]
    public void AdvanceStepwise_CallbackSchedulesTimersInsideAndOutsideTheWindow_FiresOnlyTheInsideOneInTheSameCall()
    {
        // Arrange
        var clock = new StepwiseFakeTimeProvider();
        var start = clock.GetUtcNow();
        var fired = new List<(string Name, TimeSpan At)>();
        var created = new List<ITimer>();
        using var outer = clock.CreateTimer(
            _ =>
            {
                fired.Add(("outer", clock.GetUtcNow() - start));
                created.Add(clock.CreateTimer(_ => fired.Add(("inner", clock.GetUtcNow() - start)), null, 2 * Second, Timeout.InfiniteTimeSpan));
                created.Add(clock.CreateTimer(_ => fired.Add(("late", clock.GetUtcNow() - start)), null, 10 * Second, Timeout.InfiniteTimeSpan));
            },
            null,
            1 * Second,
            Timeout.InfiniteTimeSpan);

        // Act
        clock.AdvanceStepwise(5 * Second);

        // Assert: inner is due at 1 s + 2 s = 3 s, inside the window; late is due at 11 s, outside it.
        Assert.Equal([("outer", 1 * Second), ("inner", 3 * Second)], fired);
        Assert.Equal(1, clock.ActiveTimerCount);
        created.ForEach(t => t.Dispose());
    }

    [Fact]
    public void AdvanceStepwise_CallbackMovesAnotherTimerEarlier_FiresItAtTheNewTime()
    {
        // Arrange
        var clock = new StepwiseFakeTimeProvider();
        var start = clock.GetUtcNow();
        var fired = new List<(string Name, TimeSpan At)>();
        using var target = clock.CreateTimer(_ => fired.Add(("target", clock.GetUtcNow() - start)), null, 8 * Second, Timeout.InfiniteTimeSpan);
        using var changer = clock.CreateTimer(
            _ =>
            {
                fired.Add(("changer", clock.GetUtcNow() - start));
                target.Change(1 * Second, Timeout.InfiniteTimeSpan);
            },
            null,
            2 * Second,
            Timeout.InfiniteTimeSpan);

        // Act
        clock.AdvanceStepwise(10 * Second);

        // Assert: the change moved target from 8 s to 2 s + 1 s.
        Assert.Equal([("changer", 2 * Second), ("target", 3 * Second)], fired);
    }

    [Fact]
    public void CreateTimer_PlainFakeTimeProviderZeroDueTime_FiresInsideCreateTimer()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        var count = 0;

        // Act
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        // Assert: on the caller's stack (this is what the deferral exists for)
        Assert.Equal(1, count);
    }

    [Fact]
    public void CreateTimer_ZeroDueTime_FiresOnNextAdvanceStepwiseAtTheSchedulingTime()
    {
        // Arrange
        var clock = new StepwiseFakeTimeProvider();
        var start = clock.GetUtcNow();
        var firedAt = new List<TimeSpan>();

        // Act
        using var timer = clock.CreateTimer(_ => firedAt.Add(clock.GetUtcNow() - start), null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        // Assert
        Assert.Empty(firedAt);
        Assert.Equal(1, clock.ActiveTimerCount);
        clock.AdvanceStepwise(TimeSpan.Zero);
        Assert.Equal([TimeSpan.Zero], firedAt);
        Assert.Equal(start, clock.GetUtcNow());
        Assert.Equal(0, clock.ActiveTimerCount);
    }

    [Fact]
    public void Change_ZeroDueTimeWithPeriod_FiresOnNextAdvanceStepwiseThenEveryPeriod()
    {
        // Arrange
        var clock = new StepwiseFakeTimeProvider();
        var start = clock.GetUtcNow();
        var firedAt = new List<TimeSpan>();
        using var timer = clock.CreateTimer(_ => firedAt.Add(clock.GetUtcNow() - start), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        clock.AdvanceStepwise(5 * Second);

        // Act
        Assert.True(timer.Change(TimeSpan.Zero, 10 * Second));

        // Assert
        Assert.Empty(firedAt);
        clock.AdvanceStepwise(25 * Second);
        Assert.Equal([5 * Second, 15 * Second, 25 * Second], firedAt);
    }

    [Fact]
    public void AdvanceStepwise_CallbackSchedulesZeroDueTimer_FiresItAfterTheCallbackAtTheSameTime()
    {
        // Arrange
        var clock = new StepwiseFakeTimeProvider();
        var start = clock.GetUtcNow();
        var fired = new List<(string Name, TimeSpan At)>();
        ITimer? follower = null;
        using var leader = clock.CreateTimer(
            _ =>
            {
                follower = clock.CreateTimer(_ => fired.Add(("follower", clock.GetUtcNow() - start)), null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
                fired.Add(("leader", clock.GetUtcNow() - start));
            },
            null,
            2 * Second,
            Timeout.InfiniteTimeSpan);

        // Act
        clock.AdvanceStepwise(5 * Second);

        // Assert
        Assert.Equal([("leader", 2 * Second), ("follower", 2 * Second)], fired);
        follower?.Dispose();
    }

    [Fact]
    public void ActiveTimerCount_ChangedToInfiniteOrDisposed_Released()
    {
        // Arrange
        var clock = new StepwiseFakeTimeProvider();
        var count = 0;
        var stopped = clock.CreateTimer(_ => count++, null, Second, Second);
        var disposed = clock.CreateTimer(_ => count++, null, Second, Timeout.InfiniteTimeSpan);
        Assert.Equal(2, clock.ActiveTimerCount);

        // Act
        Assert.True(stopped.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        disposed.Dispose();

        // Assert
        Assert.Equal(0, clock.ActiveTimerCount);
        clock.AdvanceStepwise(TimeSpan.FromMinutes(1));
        Assert.Equal(0, count);
        Assert.False(disposed.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        stopped.Dispose();
    }

    [Fact]
    public async Task TaskDelay_AdvancedToDueTime_CompletesOnlyThenAndReleasesItsTimer()
    {
        // Arrange
        var clock = new StepwiseFakeTimeProvider();
        var delay = Task.Delay(5 * Second, clock, CancellationToken.None);
        Assert.Equal(1, clock.ActiveTimerCount);

        // 1. One tick short of the due time: still pending.
        clock.AdvanceStepwise((5 * Second) - TimeSpan.FromTicks(1));
        Assert.False(delay.IsCompleted);

        // 2. At the due time: completed, and its timer is released.
        clock.AdvanceStepwise(TimeSpan.FromTicks(1));
        Assert.True(delay.IsCompletedSuccessfully);
        Assert.Equal(0, clock.ActiveTimerCount);
        await delay;
    }

    [Fact]
    public void CancellationTokenSource_TimeoutInsideTheWindow_CancelsAtExactlyTheTimeout()
    {
        // Arrange
        var clock = new StepwiseFakeTimeProvider();
        var start = clock.GetUtcNow();
        using var cts = new CancellationTokenSource(30 * Second, clock);
        DateTimeOffset? canceledAt = null;
        using var registration = cts.Token.Register(() => canceledAt = clock.GetUtcNow());

        // Act
        clock.AdvanceStepwise(TimeSpan.FromMinutes(1));

        // Assert
        Assert.True(cts.IsCancellationRequested);
        Assert.Equal(start + (30 * Second), canceledAt);
        Assert.Equal(0, clock.ActiveTimerCount);
    }

    [Fact]
    public void AdvanceStepwise_NegativeDelta_Throws()
    {
        // Arrange
        var clock = new StepwiseFakeTimeProvider();

        // Act + Assert
        Assert.Throws<ArgumentOutOfRangeException>("delta", () => clock.AdvanceStepwise(TimeSpan.FromTicks(-1)));
        Assert.Equal(clock.Start, clock.GetUtcNow());
    }
}
