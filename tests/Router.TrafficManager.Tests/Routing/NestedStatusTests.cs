using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Tests.Routing;

/// <summary>The MinChildEndpoints rule, in all and per family.</summary>
public sealed class NestedStatusTests
{
    [Theory]
    // enabled, healthy, enabled4, healthy4, enabled6, healthy6, min, min4, min6 -> status, IPv4 healthy, IPv6 healthy
    [InlineData(3, 2, 3, 2, 0, 0, 2, 1, 1, EndpointStatus.Online, true, false)]
    [InlineData(3, 1, 3, 1, 0, 0, 2, 1, 1, EndpointStatus.Degraded, false, false)]
    [InlineData(3, 0, 3, 0, 0, 0, 1, 1, 1, EndpointStatus.Degraded, false, false)]
    [InlineData(4, 3, 2, 2, 2, 1, 1, 1, 2, EndpointStatus.Degraded, true, false)]
    [InlineData(4, 3, 2, 1, 2, 2, 1, 2, 1, EndpointStatus.Degraded, false, true)]
    [InlineData(4, 4, 2, 2, 2, 2, 1, 2, 2, EndpointStatus.Online, true, true)]
    [InlineData(4, 2, 2, 2, 2, 0, 3, 1, 1, EndpointStatus.Degraded, false, false)]
    public void Status_Counts_OnlineOnlyWhenEveryMinimumHolds(int enabled, int healthy, int enabled4, int healthy4, int enabled6, int healthy6,
        int min, int min4, int min6, EndpointStatus expected, bool ipv4, bool ipv6)
    {
        // Arrange
        var status = new NestedStatus(enabled, healthy, enabled4, healthy4, enabled6, healthy6, min, min4, min6);

        // Act + Assert
        Assert.Equal(expected, status.Status);
        Assert.Equal(ipv4, status.IsHealthy(EndpointTargetKind.IPv4));
        Assert.Equal(ipv6, status.IsHealthy(EndpointTargetKind.IPv6));
        Assert.Equal(expected == EndpointStatus.Online, status.IsHealthy(null));
    }

    [Fact]
    public void Answers_FamilyWithoutEnabledEndpoints_False()
    {
        // Arrange
        var status = new NestedStatus(2, 2, 2, 2, 0, 0, 1, 1, 1);

        // Act + Assert
        Assert.True(status.Answers(EndpointTargetKind.IPv4));
        Assert.False(status.Answers(EndpointTargetKind.IPv6));
        Assert.True(status.Answers(null));
    }
}
