using Router.TrafficManager.Configuration;
using Router.TrafficManager.Tests.Routing;
using static Router.TrafficManager.Tests.Routing.NestedFixtures;

namespace Router.TrafficManager.Tests.Configuration;

/// <summary><see cref="TrafficManagerOptionsValidator"/> for Nested endpoints: the child, cycles, depth, and the endpoint's own keys.</summary>
public sealed class TrafficManagerOptionsValidatorNestedTests
{
    private const string P = "TrafficManager:Profiles";

    [Fact]
    public void Validate_ParentOverTwoChildren_NoErrors()
    {
        // Act
        var errors = TrafficManagerOptionsValidator.Validate(NestedFixtures.Options());

        // Assert
        Assert.Empty(errors);
    }

    [Fact]
    public void Validate_Cycle_ErrorWithItsPathAtEveryEndpointOnIt()
    {
        // Arrange: child-us (profile 2) nests parent, which nests child-us.
        var options = NestedFixtures.Options();
        options.Profiles[2].Endpoints.Add(Nested("back", "parent"));

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(
        [
            $"{P}:0:Endpoints:1:Profile: parent -> child-us -> parent is a cycle",
            $"{P}:2:Endpoints:3:Profile: child-us -> parent -> child-us is a cycle",
        ], errors);
    }

    [Fact]
    public void Validate_ProfileNestingItself_Cycle()
    {
        // Arrange
        var options = NestedFixtures.Options();
        options.Profiles[1].Endpoints.Add(Nested("self", "child-eu"));

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options);

        // Assert
        Assert.Equal([$"{P}:1:Endpoints:3:Profile: child-eu -> child-eu is a cycle"], errors);
    }

    [Theory]
    [InlineData(10, false)]
    [InlineData(11, true)]
    public void Validate_ChainOfNestedProfiles_DepthOverTenIsAnError(int links, bool error)
    {
        // Arrange: p0 -> p1 -> … -> p{links}, the last with an address.
        var profiles = Enumerable.Range(0, links + 1).Select(i => new ProfileOptions
        {
            Name = $"p{i}",
            RoutingMethod = RoutingMethod.Priority,
            Endpoints = [i < links ? Nested("down", $"p{i + 1}") : new EndpointOptions { Name = "leaf", Target = "192.0.2.1" }],
        });
        var options = RoutingFixtures.Options(profiles);

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options);

        // Assert
        if (error)
        {
            Assert.Equal([$"{P}:0:Endpoints:0:Profile: p0 -> p1 -> p2 -> p3 -> p4 -> p5 -> p6 -> p7 -> p8 -> p9 -> p10 -> p11 nests 11 profiles deep; at most 10 are allowed"], errors);
        }
        else
        {
            Assert.Empty(errors);
        }
    }

    [Fact]
    public void Validate_UnknownChildAndTargetGiven_EveryErrorWithItsPath()
    {
        // Arrange
        var options = NestedFixtures.Options();
        options.Profiles[0].Endpoints[0].Profile = "child-asia";
        options.Profiles[0].Endpoints[1].Target = "192.0.2.9";
        options.Profiles[0].Endpoints[1].MinChildEndpoints = 0;
        options.Profiles[0].Endpoints[1].MinChildEndpointsIPv6 = 1001;

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(
        [
            $"{P}:0:Endpoints:1:Target: not given for a Nested endpoint (it answers with its Profile's answer)",
            $"{P}:0:Endpoints:1:MinChildEndpoints: must be 1-1000",
            $"{P}:0:Endpoints:1:MinChildEndpointsIPv6: must be 1-1000",
            $"{P}:0:Endpoints:0:Profile: 'child-asia' is not a profile of the zone",
        ], errors);
    }

    [Fact]
    public void Validate_NestedWithoutProfileOrInMultiValue_Errors()
    {
        // Arrange
        var options = NestedFixtures.Options();
        options.Profiles[0].Endpoints[0].Profile = null;
        options.Profiles[0].RoutingMethod = RoutingMethod.MultiValue;

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options);

        // Assert
        Assert.Contains($"{P}:0:Endpoints:0:Profile: required for a Nested endpoint (the name of another profile of the zone)", errors);
        Assert.Contains($"{P}:0:Endpoints:0:Type: MultiValue profiles answer addresses only; a Nested endpoint answers its profile's answer", errors);
    }
}
