using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Monitoring;

/// <summary><see cref="FailbackPolicy"/>: when a hold starts, restarts its count, and ends. Pure, in explicit time.</summary>
public sealed class FailbackPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly EndpointMonitorState Checking = new(EndpointStatus.CheckingEndpoint, 0, 0, null, T0);
    private static readonly EndpointMonitorState Online = new(EndpointStatus.Online, 0, 1, null, T0);
    private static readonly EndpointMonitorState OnlineFailing = new(EndpointStatus.Online, 1, 0, null, T0);
    private static readonly EndpointMonitorState Degraded = new(EndpointStatus.Degraded, 2, 0, null, T0);

    private static FailbackOptions Mode(FailbackMode mode, double holdDown = 60) => new() { Mode = mode, HoldDownSeconds = holdDown };

    private static FailbackHold? Next(FailbackOptions options, FailbackHold? hold, EndpointMonitorState previous, EndpointMonitorState current, double seconds) =>
        FailbackPolicy.Next(options, hold, "app", "primary", previous, current, T0.AddSeconds(seconds));

    [Theory]
    [InlineData(FailbackMode.HoldDown)]
    [InlineData(FailbackMode.Manual)]
    public void Next_DegradedToOnline_Held(FailbackMode mode)
    {
        var hold = Next(Mode(mode), null, Degraded, Online, 5);

        Assert.Equal(new FailbackHold("app", "primary", T0.AddSeconds(5), T0.AddSeconds(5)), hold);
    }

    [Theory]
    [InlineData(FailbackMode.HoldDown)]
    [InlineData(FailbackMode.Manual)]
    public void Next_StartUpOrSteadyOnline_NotHeld(FailbackMode mode)
    {
        Assert.Null(Next(Mode(mode), null, Checking, Online, 1));
        Assert.Null(Next(Mode(mode), null, Online, Online, 2));
        Assert.Null(Next(Mode(mode), null, Online, Degraded, 3));
    }

    [Fact]
    public void Next_Automatic_NeverHolds_AndDropsAHold()
    {
        var hold = new FailbackHold("app", "primary", T0, T0);

        Assert.Null(Next(Mode(FailbackMode.Automatic), null, Degraded, Online, 1));
        Assert.Null(Next(Mode(FailbackMode.Automatic), hold, Online, Online, 1));
    }

    [Fact]
    public void Next_HoldDown_ReleasedAtTheFirstSuccessAfterHoldDownSeconds()
    {
        var options = Mode(FailbackMode.HoldDown, 60);
        var hold = Next(options, null, Degraded, Online, 0);

        Assert.Same(hold, Next(options, hold, Online, Online, 59.9));
        Assert.Null(Next(options, hold, Online, Online, 60));
    }

    [Fact]
    public void Next_HoldDown_FailureRestartsTheCountAtTheFailure()
    {
        var options = Mode(FailbackMode.HoldDown, 60);
        var hold = Next(options, null, Degraded, Online, 0);

        hold = Next(options, hold, Online, OnlineFailing, 30);
        Assert.Equal(T0.AddSeconds(30), hold!.CleanSince);
        Assert.Equal(T0, hold.HeldAt);
        Assert.NotNull(Next(options, hold, OnlineFailing, Online, 40));
        Assert.NotNull(Next(options, hold, Online, Online, 89));
        Assert.Null(Next(options, hold, Online, Online, 90));
    }

    [Fact]
    public void Next_HoldDown_NewRecoveryRestartsTheCount()
    {
        var options = Mode(FailbackMode.HoldDown, 60);
        var hold = Next(options, null, Degraded, Online, 0);

        hold = Next(options, hold, Online, Degraded, 20);
        hold = Next(options, hold, Degraded, Online, 70);

        Assert.Equal(T0.AddSeconds(70), hold!.CleanSince);
        Assert.NotNull(Next(options, hold, Online, Online, 129));
        Assert.Null(Next(options, hold, Online, Online, 130));
    }

    [Fact]
    public void Next_Manual_KeptWhateverTheProbesSay()
    {
        var options = Mode(FailbackMode.Manual, 1);
        var hold = Next(options, null, Degraded, Online, 0);

        Assert.Same(hold, Next(options, hold, Online, Online, 100_000));
        Assert.Same(hold, Next(options, hold, Online, OnlineFailing, 100_001));
        Assert.Same(hold, Next(options, hold, Online, Degraded, 100_002));
    }

    [Fact]
    public void Reason_SaysTheModeAndHowItEnds()
    {
        var hold = new FailbackHold("app", "primary", T0, T0.AddSeconds(10));

        Assert.Contains("returns after 60 s Online without a failure", FailbackPolicy.Reason(Mode(FailbackMode.HoldDown), hold), StringComparison.Ordinal);
        Assert.Contains("due 2026-01-01T00:01:10", FailbackPolicy.Reason(Mode(FailbackMode.HoldDown), hold), StringComparison.Ordinal);
        Assert.Contains("router release app primary", FailbackPolicy.Reason(Mode(FailbackMode.Manual), hold), StringComparison.Ordinal);
    }
}
