using System.Globalization;
using System.Net;

namespace Router.Testing.Tests;

public sealed class LoopbackTests
{
    [Fact]
    public void FreeEndpointOutsideEphemeralRange_IsBelowTheKernelsRange_AndFree()
    {
        // Arrange
        int ephemeralStart = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], CultureInfo.InvariantCulture);

        // Act
        var endpoint = Loopback.FreeEndpointOutsideEphemeralRange();

        // Assert
        Assert.Equal(IPAddress.Loopback, endpoint.Address);
        Assert.InRange(endpoint.Port, 10000, ephemeralStart - 1);
        Assert.True(Loopback.IsFree(endpoint, out string? reason), reason);
    }
}
