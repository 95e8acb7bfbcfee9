using Microsoft.Extensions.Time.Testing;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Monitoring;

public sealed class EndpointHealthPolicyTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _clock = new();

    public static TheoryData<int> ToleratedFailuresRange => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

    [Theory]
    [MemberData(nameof(ToleratedFailuresRange))]
    public void Next_ExactlyToleratedFailuresFromOnline_StaysOnlineAndOneMoreDegrades(int tolerated)
    {
        // Arrange
        var monitor = new MonitorOptions { ToleratedFailures = tolerated };
        var state = Run(EndpointMonitorState.Initial(true, _clock.GetUtcNow()), monitor, Success());
        Assert.Equal(EndpointStatus.Online, state.Status);

        // Act 1: the tolerated failures
        for (int i = 1; i <= tolerated; i++)
        {
            state = Run(state, monitor, Failure());
            Assert.Equal(EndpointStatus.Online, state.Status);
            Assert.Equal(i, state.ConsecutiveFailures);
        }

        // Act 2: one more
        state = Run(state, monitor, Failure());

        // Assert
        Assert.Equal(EndpointStatus.Degraded, state.Status);
        Assert.Equal(tolerated + 1, state.ConsecutiveFailures);
        Assert.Equal(_clock.GetUtcNow(), state.LastStatusChange);
    }

    [Theory]
    [MemberData(nameof(ToleratedFailuresRange))]
    public void Next_ExactlyToleratedFailuresWhileChecking_StaysCheckingAndOneMoreDegrades(int tolerated)
    {
        var monitor = new MonitorOptions { ToleratedFailures = tolerated };
        var state = EndpointMonitorState.Initial(true, _clock.GetUtcNow());

        for (int i = 0; i < tolerated; i++)
        {
            state = Run(state, monitor, Failure());
            Assert.Equal(EndpointStatus.CheckingEndpoint, state.Status);
        }

        state = Run(state, monitor, Failure());
        Assert.Equal(EndpointStatus.Degraded, state.Status);
        Assert.Equal(tolerated + 1, state.ConsecutiveFailures);
    }

    [Theory]
    [MemberData(nameof(ToleratedFailuresRange))]
    public void Next_SuccessBeforeThreshold_ResetsTheCount(int tolerated)
    {
        var monitor = new MonitorOptions { ToleratedFailures = tolerated };
        var state = Run(EndpointMonitorState.Initial(true, _clock.GetUtcNow()), monitor, Success());

        // Round 1: tolerated failures, then a success: the count starts again.
        for (int i = 0; i < tolerated; i++)
        {
            state = Run(state, monitor, Failure());
        }

        state = Run(state, monitor, Success());
        Assert.Equal((EndpointStatus.Online, 0), (state.Status, state.ConsecutiveFailures));

        // Round 2: tolerated failures again are still tolerated.
        for (int i = 0; i < tolerated; i++)
        {
            state = Run(state, monitor, Failure());
        }

        Assert.Equal(EndpointStatus.Online, state.Status);
        Assert.Equal(EndpointStatus.Degraded, Run(state, monitor, Failure()).Status);
    }

    [Fact]
    public void Next_FirstSuccessWhileChecking_OnlineAtOnceEvenWithStricterRecovery()
    {
        var monitor = new MonitorOptions { SuccessesToOnline = 3 };
        var start = _clock.GetUtcNow();
        var state = EndpointMonitorState.Initial(true, start);
        Assert.Equal((EndpointStatus.CheckingEndpoint, start), (state.Status, state.LastStatusChange));

        _clock.Advance(Interval);
        state = EndpointHealthPolicy.Next(state, Success(), monitor, _clock.GetUtcNow());

        Assert.Equal(EndpointStatus.Online, state.Status);
        Assert.Equal(start + Interval, state.LastStatusChange);
    }

    [Fact]
    public void Next_DegradedThenFirstSuccess_BackOnline()
    {
        var monitor = new MonitorOptions { ToleratedFailures = 0 };
        var state = Run(EndpointMonitorState.Initial(true, _clock.GetUtcNow()), monitor, Failure());
        Assert.Equal(EndpointStatus.Degraded, state.Status);

        state = Run(state, monitor, Success());

        Assert.Equal(EndpointStatus.Online, state.Status);
        Assert.Equal(0, state.ConsecutiveFailures);
    }

    [Fact]
    public void Next_SuccessesToOnlineThree_NeedsThreeInARow()
    {
        var monitor = new MonitorOptions { ToleratedFailures = 0, SuccessesToOnline = 3 };
        var state = Run(EndpointMonitorState.Initial(true, _clock.GetUtcNow()), monitor, Failure());

        // Round 1: two successes, then a failure: still degraded, and the successes start again.
        state = Run(state, monitor, Success());
        state = Run(state, monitor, Success());
        Assert.Equal((EndpointStatus.Degraded, 2), (state.Status, state.ConsecutiveSuccesses));
        state = Run(state, monitor, Failure());
        Assert.Equal((EndpointStatus.Degraded, 0), (state.Status, state.ConsecutiveSuccesses));

        // Round 2: three in a row.
        state = Run(state, monitor, Success());
        state = Run(state, monitor, Success());
        Assert.Equal(EndpointStatus.Degraded, state.Status);
        state = Run(state, monitor, Success());
        Assert.Equal(EndpointStatus.Online, state.Status);
        Assert.Equal(_clock.GetUtcNow(), state.LastStatusChange);
    }

    [Fact]
    public void Next_StatusUnchanged_KeepsLastStatusChangeAndRecordsLastProbe()
    {
        var monitor = new MonitorOptions();
        var state = Run(EndpointMonitorState.Initial(true, _clock.GetUtcNow()), monitor, Success());
        var onlineSince = state.LastStatusChange;

        var failure = Failure();
        state = Run(state, monitor, failure);

        Assert.Equal(onlineSince, state.LastStatusChange);
        Assert.Equal(failure, state.LastProbe);
        Assert.Equal(1, state.ConsecutiveFailures);
    }

    [Fact]
    public void Next_Disabled_IgnoresResults()
    {
        var monitor = new MonitorOptions { ToleratedFailures = 0 };
        var state = EndpointMonitorState.Initial(false, _clock.GetUtcNow());
        Assert.Equal(EndpointStatus.Disabled, state.Status);

        Assert.Equal(state, Run(state, monitor, Failure()));
        Assert.Equal(state, Run(state, monitor, Success()));
    }

    [Fact]
    public void SetEnabled_DisableThenEnable_CountersResetAndCheckingAgain()
    {
        var monitor = new MonitorOptions { ToleratedFailures = 1 };
        var state = Run(EndpointMonitorState.Initial(true, _clock.GetUtcNow()), monitor, Failure());
        var lastProbe = state.LastProbe;

        // Round 1: disable.
        _clock.Advance(Interval);
        state = EndpointHealthPolicy.SetEnabled(state, enabled: false, _clock.GetUtcNow());
        Assert.Equal((EndpointStatus.Disabled, 0, 0, lastProbe, _clock.GetUtcNow()),
            (state.Status, state.ConsecutiveFailures, state.ConsecutiveSuccesses, state.LastProbe, state.LastStatusChange));
        Assert.Equal(state, EndpointHealthPolicy.SetEnabled(state, enabled: false, _clock.GetUtcNow() + Interval));

        // Round 2: enable: one failure is tolerated again.
        _clock.Advance(Interval);
        state = EndpointHealthPolicy.SetEnabled(state, enabled: true, _clock.GetUtcNow());
        Assert.Equal((EndpointStatus.CheckingEndpoint, 0, _clock.GetUtcNow()), (state.Status, state.ConsecutiveFailures, state.LastStatusChange));
        state = Run(state, monitor, Failure());
        Assert.Equal(EndpointStatus.CheckingEndpoint, state.Status);
        Assert.Equal(state, EndpointHealthPolicy.SetEnabled(state, enabled: true, _clock.GetUtcNow()));
    }

    [Theory]
    [InlineData(EndpointStatus.Online, 2, 0, 1, 1, EndpointStatus.Degraded)]
    [InlineData(EndpointStatus.Online, 2, 0, 2, 1, EndpointStatus.Online)]
    [InlineData(EndpointStatus.CheckingEndpoint, 1, 0, 0, 1, EndpointStatus.Degraded)]
    [InlineData(EndpointStatus.CheckingEndpoint, 1, 0, 1, 1, EndpointStatus.CheckingEndpoint)]
    [InlineData(EndpointStatus.Degraded, 1, 0, 9, 1, EndpointStatus.Degraded)] // a raised tolerance undoes no verdict
    [InlineData(EndpointStatus.Degraded, 0, 2, 3, 2, EndpointStatus.Online)]
    [InlineData(EndpointStatus.Degraded, 0, 2, 3, 3, EndpointStatus.Degraded)]
    [InlineData(EndpointStatus.Degraded, 0, 1, 3, 0, EndpointStatus.Online)] // 0 means 1, as in Next
    [InlineData(EndpointStatus.Disabled, 0, 0, 0, 1, EndpointStatus.Disabled)]
    public void Reevaluate_NewThresholds_JudgesTheCountersItHas(
        EndpointStatus status, int failures, int successes, int tolerated, int successesToOnline, EndpointStatus expected)
    {
        var before = new EndpointMonitorState(status, failures, successes, Failure(), _clock.GetUtcNow());
        _clock.Advance(Interval);

        var after = EndpointHealthPolicy.Reevaluate(before, new MonitorOptions { ToleratedFailures = tolerated, SuccessesToOnline = successesToOnline }, _clock.GetUtcNow());

        Assert.Equal(before with { Status = expected, LastStatusChange = expected == status ? before.LastStatusChange : _clock.GetUtcNow() }, after);
    }

    private EndpointMonitorState Run(EndpointMonitorState state, MonitorOptions monitor, ProbeResult result)
    {
        _clock.Advance(Interval);
        return EndpointHealthPolicy.Next(state, result, monitor, _clock.GetUtcNow());
    }

    private ProbeResult Success() => new(true, _clock.GetUtcNow(), TimeSpan.FromMilliseconds(5), 200);

    private ProbeResult Failure() => new(false, _clock.GetUtcNow(), TimeSpan.FromMilliseconds(5), 503, "status 503 not in 200");
}
