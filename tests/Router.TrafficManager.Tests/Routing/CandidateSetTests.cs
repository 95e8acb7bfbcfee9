using Router.TrafficManager.Configuration;
using Router.TrafficManager.Routing;
using static Router.TrafficManager.Tests.Routing.RoutingFixtures;

namespace Router.TrafficManager.Tests.Routing;

/// <summary><see cref="CandidateSet.Build"/>: the eligible endpoints of one address family, with the all-degraded rule.</summary>
public sealed class CandidateSetTests
{
    // e0 IPv4, e1 IPv6, e2 a name (a candidate for every family), e3 IPv4
    private static readonly EndpointRouting[] Endpoints = Build("127.0.0.11", "2001:db8::12", "eastus.example.test", "127.0.0.14");

    [Fact]
    public void Build_SomeHealthy_HealthyEnabledOnly()
    {
        var set = CandidateSet.Build("contoso", Endpoints, [Online, Degraded, Checking, Disabled], family: null);

        Assert.Equal([0, 2], set.Eligible);
        Assert.Equal([true, false, true, false], set.IsEligible);
        Assert.False(set.AllDegraded);
    }

    [Fact]
    public void Build_NoneHealthy_EveryEnabledEligibleButNeverDisabled()
    {
        var set = CandidateSet.Build("contoso", Endpoints, [Degraded, Degraded, Disabled, Degraded], family: null);

        Assert.Equal([0, 1, 3], set.Eligible);
        Assert.True(set.AllDegraded);
    }

    [Fact]
    public void Build_NoneEnabled_NothingEligibleAndNotAllDegraded()
    {
        var set = CandidateSet.Build("contoso", Endpoints, [Disabled, Disabled, Disabled, Disabled], family: null);

        Assert.True(set.Eligible.IsEmpty);
        Assert.False(set.AllDegraded);
    }

    [Fact]
    public void Build_IPv4_AllDegradedRuleWithinTheFamilyAndNames()
    {
        // Arrange: the only healthy endpoint is IPv6, so among IPv4 and name candidates none is healthy
        EndpointRoutingState[] states = [Degraded, Online, Degraded, Degraded];

        // Act
        var v4 = CandidateSet.Build("contoso", Endpoints, states, EndpointTargetKind.IPv4);
        var v6 = CandidateSet.Build("contoso", Endpoints, states, EndpointTargetKind.IPv6);

        // Assert
        Assert.Equal([0, 2, 3], v4.Eligible);
        Assert.True(v4.AllDegraded);
        Assert.Equal([1], v6.Eligible);
        Assert.False(v6.AllDegraded);
        Assert.True(v4.Contains(EndpointTargetKind.Name));
        Assert.False(v4.Contains(EndpointTargetKind.IPv6));
    }

    [Fact]
    public void Build_StatesOfOtherLength_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => CandidateSet.Build("contoso", Endpoints, [Online], family: null));

        Assert.Contains("Profile 'contoso' has 4 endpoints; 1 states were given.", error.Message);
    }

    [Fact]
    public void Build_SameShapeInTwoProfiles_OneSharedSet()
    {
        // Arrange: another profile whose endpoints have the same kinds and states
        var other = Build("127.0.0.21", "2001:db8::22", "westeurope.example.test", "127.0.0.24");
        EndpointRoutingState[] states = [Degraded, Online, Online, Disabled];

        // Act
        var first = CandidateSet.Build("contoso", Endpoints, states, EndpointTargetKind.IPv4);
        var second = CandidateSet.Build("fabrikam", other, [.. states], EndpointTargetKind.IPv4);
        var otherFamily = CandidateSet.Build("contoso", Endpoints, states, EndpointTargetKind.IPv6);
        var otherStates = CandidateSet.Build("contoso", Endpoints, [Online, Online, Online, Disabled], EndpointTargetKind.IPv4);

        // Assert: positions only, so one instance; a family or a health flag apart, another one
        Assert.Same(first, second);
        Assert.NotSame(first, otherFamily);
        Assert.NotSame(first, otherStates);
        Assert.Equal([2], first.Eligible);
        Assert.Equal([1, 2], otherFamily.Eligible);
        Assert.Equal([0, 2], otherStates.Eligible);
    }

    [Fact]
    public void Build_MoreEndpointsThanShared_BuiltPerProfileAndStillRight()
    {
        // Arrange: 20 IPv4 endpoints, the even ones healthy
        var endpoints = Build([.. Enumerable.Range(1, CandidateSet.MaxShared + 4).Select(i => $"127.0.1.{i}")]);
        EndpointRoutingState[] states = [.. Enumerable.Range(0, endpoints.Length).Select(i => i % 2 == 0 ? Online : Degraded)];

        // Act
        var first = CandidateSet.Build("big", endpoints, states, family: null);
        var second = CandidateSet.Build("big", endpoints, [.. states], family: null);

        // Assert
        Assert.NotSame(first, second);
        Assert.Equal([.. Enumerable.Range(0, endpoints.Length).Where(i => i % 2 == 0)], first.Eligible.ToArray());
        Assert.True(first.IsEligible[18]);
        Assert.False(first.IsEligible[19]);
    }

    private static EndpointRouting[] Build(params string[] targets)
    {
        var profile = Profile("contoso", RoutingMethod.Priority, targets);
        return [.. profile.Endpoints.Select((e, i) => new EndpointRouting(e, i, LatencyTable.Empty, "contoso"))];
    }
}
