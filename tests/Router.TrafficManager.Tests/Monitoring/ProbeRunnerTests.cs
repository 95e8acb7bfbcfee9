using Router.Testing.Time;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Monitoring;

/// <summary><see cref="ProbeRunner"/>: one endpoint's timer, in virtual time.</summary>
public sealed class ProbeRunnerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private readonly StepwiseFakeTimeProvider _clock = new();
    private readonly List<TimeSpan> _ticks = [];
    private readonly DateTimeOffset _start;

    public ProbeRunnerTests() => _start = _clock.GetUtcNow();

    [Fact]
    public void Schedule_HalfJitter_FirstTickHalfAnIntervalInThenEveryInterval()
    {
        // Arrange
        var runner = new ProbeRunner(Target(interval: 30));

        // Act
        runner.Schedule(_clock, () => 0.5, OnTimer);
        _clock.AdvanceStepwise(TimeSpan.FromSeconds(80));

        // Assert
        Assert.Equal([Seconds(15), Seconds(45), Seconds(75)], _ticks);
        Assert.Equal(_start + Seconds(15), runner.FirstDue);
        Assert.Equal(Interval, runner.Period);
        Assert.NotNull(runner.Cancellation);
    }

    [Theory]
    [InlineData(double.NaN, 0)]
    [InlineData(-0.5, 0)]
    [InlineData(1.5, 29.9)] // 0.999999 of the interval, moved back onto the 100 ms grid
    public void Schedule_JitterOutOfRange_FirstTickWithinTheInterval(double jitter, double expectedSeconds)
    {
        var runner = new ProbeRunner(Target(interval: 30));

        runner.Schedule(_clock, () => jitter, OnTimer);
        _clock.AdvanceStepwise(Interval - TimeSpan.FromTicks(1));

        var tick = Assert.Single(_ticks);
        Assert.Equal(expectedSeconds, tick.TotalSeconds, precision: 4);
    }

    [Fact]
    public void Schedule_DisabledRetiredOrAlreadyScheduled_NoNewTimerAndNoJitterDrawn()
    {
        // Arrange
        int draws = 0;
        double Jitter()
        {
            draws++;
            return 0.5;
        }

        var disabled = new ProbeRunner(Target(interval: 30, enabled: false));
        var retired = new ProbeRunner(Target(interval: 30));
        retired.Retire([]);
        var scheduled = new ProbeRunner(Target(interval: 30));
        scheduled.Schedule(_clock, Jitter, OnTimer);

        // Act
        disabled.Schedule(_clock, Jitter, OnTimer);
        retired.Schedule(_clock, Jitter, OnTimer);
        scheduled.Schedule(_clock, Jitter, OnTimer);

        // Assert: only the first schedule drew, and one timer runs
        Assert.Equal(1, draws);
        Assert.Null(disabled.Timer);
        Assert.Null(retired.Timer);
        Assert.Equal(1, _clock.ActiveTimerCount);
    }

    [Fact]
    public void Reschedule_ShorterInterval_NextTickOneNewIntervalFromNow()
    {
        // Arrange: ticks at 15, 45, ... on a 30 s interval
        var runner = new ProbeRunner(Target(interval: 30));
        runner.Schedule(_clock, () => 0.5, OnTimer);
        _clock.AdvanceStepwise(Seconds(20));

        // Act: at 20 s the interval becomes 10 s; the old schedule's 45 s is later than 20 + 10
        runner.Target = Target(interval: 10);
        runner.Reschedule(_clock.GetUtcNow());
        _clock.AdvanceStepwise(Seconds(30));

        // Assert
        Assert.Equal([Seconds(15), Seconds(30), Seconds(40), Seconds(50)], _ticks);
        Assert.Equal(TimeSpan.FromSeconds(10), runner.Period);
    }

    [Fact]
    public void Reschedule_LongerInterval_KeepsThePhase()
    {
        // Arrange: ticks at 15, 45, ... on a 30 s interval
        var runner = new ProbeRunner(Target(interval: 30));
        runner.Schedule(_clock, () => 0.5, OnTimer);
        _clock.AdvanceStepwise(Seconds(20));

        // Act: at 20 s the interval becomes 60 s; the next tick stays at 45 s
        runner.Target = Target(interval: 60);
        runner.Reschedule(_clock.GetUtcNow());
        _clock.AdvanceStepwise(Seconds(100));

        // Assert
        Assert.Equal([Seconds(15), Seconds(45), Seconds(105)], _ticks);
    }

    [Fact]
    public void Reschedule_NotScheduled_StaysUnscheduled()
    {
        var runner = new ProbeRunner(Target(interval: 30));

        runner.Target = Target(interval: 10);
        runner.Reschedule(_clock.GetUtcNow());
        _clock.AdvanceStepwise(Seconds(60));

        Assert.Null(runner.Timer);
        Assert.Empty(_ticks);
    }

    [Fact]
    public void Unschedule_Scheduled_TimerStopsAndCancellationHandedOut()
    {
        // Arrange
        var runner = new ProbeRunner(Target(interval: 30));
        runner.Schedule(_clock, () => 0.5, OnTimer);
        var cancellation = runner.Cancellation;
        var cancel = new List<CancellationTokenSource>();

        // Act
        runner.Unschedule(cancel);
        _clock.AdvanceStepwise(Seconds(60));

        // Assert: not cancelled yet (the caller does that after its lock), no tick, and it can be scheduled again
        Assert.Same(cancellation, Assert.Single(cancel));
        Assert.False(cancellation!.IsCancellationRequested);
        Assert.Null(runner.Timer);
        Assert.Null(runner.Cancellation);
        Assert.False(runner.Retired);
        Assert.Empty(_ticks);
        runner.Schedule(_clock, () => 0, OnTimer);
        Assert.NotNull(runner.Timer);
    }

    [Fact]
    public void Retire_Scheduled_RetiredAndNeverScheduledAgain()
    {
        var runner = new ProbeRunner(Target(interval: 30));
        runner.Schedule(_clock, () => 0.5, OnTimer);
        var cancel = new List<CancellationTokenSource>();

        runner.Retire(cancel);
        runner.Schedule(_clock, () => 0.5, OnTimer);
        _clock.AdvanceStepwise(Seconds(60));

        Assert.True(runner.Retired);
        Assert.Single(cancel);
        Assert.Null(runner.Timer);
        Assert.Empty(_ticks);
    }

    [Theory]
    [InlineData(0, 15_000, 15_000)]  // on the grid already
    [InlineData(37, 15_000, 14_963)] // moved back to the boundary before now + due
    [InlineData(37, 63, 63)]         // now + due is a boundary
    [InlineData(37, 50, 50)]         // the boundary before is before now: as it is
    [InlineData(37, 0, 0)]           // at once stays at once
    public void OnGrid_DueFromAClockOffTheGrid_BackToTheLastBoundaryNotBeforeNow(int nowMs, int dueMs, int expectedMs)
    {
        var now = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMilliseconds(nowMs);

        var due = ProbeRunner.OnGrid(now, TimeSpan.FromMilliseconds(dueMs));

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), due);
    }

    [Fact]
    public void Schedule_ClockOffTheGrid_FirstTicksOfCloseJittersFallDueTogetherThenEveryInterval()
    {
        // Arrange: a clock 37 ms past a grid boundary; first probes due 15 s and 15.05 s from now
        var clock = new StepwiseFakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMilliseconds(37));
        var start = clock.GetUtcNow();
        var ticks = new List<(string Endpoint, TimeSpan At)>();
        var a = new ProbeRunner(new ProbeTarget("contoso", "a", "127.0.0.11", true, Target(interval: 30).Monitor));
        var b = new ProbeRunner(new ProbeTarget("contoso", "b", "127.0.0.12", true, Target(interval: 30).Monitor));

        // Act
        a.Schedule(clock, () => 15.0 / 30, t => ticks.Add((t.Runner.Target.Endpoint, clock.GetUtcNow() - start)));
        b.Schedule(clock, () => 15.05 / 30, t => ticks.Add((t.Runner.Target.Endpoint, clock.GetUtcNow() - start)));
        clock.AdvanceStepwise(Seconds(50));

        // Assert: both at the boundary before (15.000 s of the clock, 14.963 s from the start), then 30 s later
        var first = Seconds(14.963);
        Assert.Equal([("a", first), ("b", first), ("a", first + Interval), ("b", first + Interval)], ticks);
        Assert.Equal(start + first, a.FirstDue);
        Assert.Equal(0, a.FirstDue.UtcTicks % ProbeRunner.TickGrid.Ticks);
    }

    [Fact]
    public void Schedule_ZeroJitterOnAClockOffTheGrid_FirstTickAtOnce()
    {
        var clock = new StepwiseFakeTimeProvider(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMilliseconds(37));
        var start = clock.GetUtcNow();
        var ticks = new List<TimeSpan>();
        var runner = new ProbeRunner(Target(interval: 30));

        runner.Schedule(clock, () => 0, _ => ticks.Add(clock.GetUtcNow() - start));
        clock.AdvanceStepwise(TimeSpan.Zero);

        Assert.Equal([TimeSpan.Zero], ticks);
    }

    private static TimeSpan Seconds(double seconds) => TimeSpan.FromSeconds(seconds);

    private static ProbeTarget Target(double interval, bool enabled = true) =>
        new("contoso", "eastus", "127.0.0.11", enabled, new MonitorOptions { IntervalSeconds = interval, TimeoutSeconds = 5 });

    private void OnTimer(ProbeTick tick) => _ticks.Add(_clock.GetUtcNow() - _start);
}
