using Router.TrafficManager.Configuration;
using Router.TrafficManager.Tests.Routing;

namespace Router.TrafficManager.Tests.Configuration;

/// <summary>The rules of <c>Monitor:Failback</c>, each reported with its key path.</summary>
public sealed class TrafficManagerOptionsValidatorFailbackTests
{
    private const string F0 = "TrafficManager:Profiles:0:Monitor:Failback";

    public static TheoryData<string, Action<MonitorOptions>> SingleErrors => new()
    {
        { $"{F0}: empty section (leave it out for Automatic failback)", m => m.Failback = null! },
        { $"{F0}:Mode: must be Automatic, HoldDown or Manual", m => m.Failback.Mode = (FailbackMode)9 },
        { $"{F0}:HoldDownSeconds: must be 1-604800", m => m.Failback.HoldDownSeconds = 0.5 },
        { $"{F0}:HoldDownSeconds: must be 1-604800", m => m.Failback.HoldDownSeconds = 604801 },
        { $"{F0}:HoldDownSeconds: must be 1-604800", m => m.Failback.HoldDownSeconds = double.NaN },
    };

    [Theory]
    [MemberData(nameof(SingleErrors))]
    public void Validate_BadFailbackKey_OneErrorWithItsPath(string expected, Action<MonitorOptions> breakIt)
    {
        var options = RoutingFixtures.Contract();
        breakIt(options.Profiles[0].Monitor);

        Assert.Equal([expected], TrafficManagerOptionsValidator.Validate(options));
    }

    [Theory]
    [InlineData(FailbackMode.Automatic, 300)]
    [InlineData(FailbackMode.HoldDown, 1)]
    [InlineData(FailbackMode.Manual, 604800)]
    public void Validate_FailbackInRange_NoErrors(FailbackMode mode, double holdDownSeconds)
    {
        var options = RoutingFixtures.Contract();
        options.Profiles[0].Monitor.Failback = new FailbackOptions { Mode = mode, HoldDownSeconds = holdDownSeconds };

        Assert.Empty(TrafficManagerOptionsValidator.Validate(options));
    }

    [Fact]
    public void Defaults_AutomaticAndFiveMinutes()
    {
        var failback = new MonitorOptions().Failback;

        Assert.Equal((FailbackMode.Automatic, 300.0), (failback.Mode, failback.HoldDownSeconds));
    }
}
