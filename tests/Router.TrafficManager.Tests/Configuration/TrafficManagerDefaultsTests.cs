using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Tests.Configuration;

/// <summary>The options start from <see cref="TrafficManagerDefaults"/>, which hold the values the contract names.</summary>
public sealed class TrafficManagerDefaultsTests
{
    [Fact]
    public void Options_New_StartFromTheNamedDefaults()
    {
        // Act
        var options = new TrafficManagerOptions();
        var profile = new ProfileOptions();
        var monitor = profile.Monitor;
        var endpoint = new EndpointOptions();

        // Assert
        Assert.Equal(TrafficManagerDefaults.ZoneTtl, options.ZoneTtl);
        Assert.Equal(TrafficManagerDefaults.ProfileTtl, profile.Ttl);
        Assert.Equal(TrafficManagerDefaults.MaxReturn, profile.MaxReturn);
        Assert.Equal(TrafficManagerDefaults.Protocol, monitor.Protocol);
        Assert.Equal(TrafficManagerDefaults.Port, monitor.Port);
        Assert.Equal(TrafficManagerDefaults.Path, monitor.Path);
        Assert.Equal(TrafficManagerDefaults.IntervalSeconds, monitor.IntervalSeconds);
        Assert.Equal(TrafficManagerDefaults.TimeoutSeconds, monitor.TimeoutSeconds);
        Assert.Equal(TrafficManagerDefaults.ToleratedFailures, monitor.ToleratedFailures);
        Assert.Equal(TrafficManagerDefaults.SuccessesToOnline, monitor.SuccessesToOnline);
        Assert.Equal(TrafficManagerDefaults.Weight, endpoint.Weight);
        Assert.Equal(TimeSpan.FromSeconds(monitor.IntervalSeconds), TrafficManagerDefaults.Interval);
        Assert.Equal(TimeSpan.FromSeconds(monitor.TimeoutSeconds), TrafficManagerDefaults.Timeout);
    }

    [Fact]
    public void Defaults_ContractValues_Unchanged()
    {
        // The contract's documented defaults (CONTRACT.md "Monitor defaults", "Answer TTL").
        Assert.Equal((MonitorProtocol.Http, 80, "/", 30d, 10d, 3, 30),
            (TrafficManagerDefaults.Protocol, TrafficManagerDefaults.Port, TrafficManagerDefaults.Path, TrafficManagerDefaults.IntervalSeconds,
             TrafficManagerDefaults.TimeoutSeconds, TrafficManagerDefaults.ToleratedFailures, TrafficManagerDefaults.ProfileTtl));
    }
}
