using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Monitoring;

/// <summary><see cref="ProbeTarget.Interval"/> and <see cref="ProbeTarget.Timeout"/>: the seconds as spans, with the defaults as fallback.</summary>
public sealed class ProbeTargetTests
{
    [Theory]
    [InlineData(2.5, 2.5)]
    [InlineData(0, TrafficManagerDefaults.IntervalSeconds)]
    [InlineData(-1, TrafficManagerDefaults.IntervalSeconds)]
    [InlineData(double.NaN, TrafficManagerDefaults.IntervalSeconds)]
    [InlineData(double.PositiveInfinity, TrafficManagerDefaults.IntervalSeconds)]
    [InlineData(1e9, 86_400)]
    public void Interval_Seconds_SpanOrDefault(double seconds, double expected)
    {
        var target = new ProbeTarget("contoso", "eastus", "127.0.0.11", true, new MonitorOptions { IntervalSeconds = seconds });

        Assert.Equal(TimeSpan.FromSeconds(expected), target.Interval);
    }

    [Theory]
    [InlineData(3, 3)]
    [InlineData(0, TrafficManagerDefaults.TimeoutSeconds)]
    [InlineData(double.NaN, TrafficManagerDefaults.TimeoutSeconds)]
    [InlineData(1e9, 86_400)]
    public void Timeout_Seconds_SpanOrDefault(double seconds, double expected)
    {
        var target = new ProbeTarget("contoso", "eastus", "127.0.0.11", true, new MonitorOptions { TimeoutSeconds = seconds });

        Assert.Equal(TimeSpan.FromSeconds(expected), target.Timeout);
    }
}
