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
    [InlineData(1.5, 29.99997)]
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

    private static TimeSpan Seconds(double seconds) => TimeSpan.FromSeconds(seconds);

    private static ProbeTarget Target(double interval, bool enabled = true) =>
        new("contoso", "eastus", "127.0.0.11", enabled, new MonitorOptions { IntervalSeconds = interval, TimeoutSeconds = 5 });

    private void OnTimer(ProbeTick tick) => _ticks.Add(_clock.GetUtcNow() - _start);
}
