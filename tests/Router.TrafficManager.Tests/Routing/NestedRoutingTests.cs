using System.Net;
using Router.Dns;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Routing;
using static Router.TrafficManager.Tests.Routing.NestedFixtures;

namespace Router.TrafficManager.Tests.Routing;

/// <summary>Nested endpoints in the routing snapshot: the MinChildEndpoints rule, per family, transitively, and the child's answer.</summary>
public sealed class NestedRoutingTests
{
    private static readonly NetworkAddress EuClient = NetworkAddress.FromIPAddress(IPAddress.Parse("10.1.2.3"));

    private static (ProfileRouting Answering, RoutingDecision Decision, uint Ttl) Route(RoutingSnapshot snapshot, NetworkAddress client,
        RouteFamily family = RouteFamily.IPv4)
    {
        var decision = default(RoutingDecision);
        var answering = snapshot.Route(snapshot.FindProfile("parent")!, client, family, ref decision, out uint ttl);
        return (answering, decision, ttl);
    }

    private static EndpointRoutingState Eu(RoutingSnapshot snapshot) => snapshot.FindProfile("parent")!.States[0];

    [Fact]
    public void Build_ChildrenOnline_NestedOnlineWithTheChildsCounts()
    {
        // Act
        var snapshot = RoutingSnapshot.Build(Options(), DegradedOnly());

        // Assert
        var eu = Eu(snapshot);
        Assert.Equal(EndpointStatus.Online, eu.Status);
        Assert.Equal(new NestedStatus(3, 3, 3, 3, 0, 0, 2, 1, 1), eu.Nested);
        Assert.Equal(new NestedStatus(3, 3, 2, 2, 1, 1, 1, 1, 1), snapshot.FindProfile("parent")!.States[1].Nested);
    }

    [Fact]
    public void WithEndpointStates_ChildEndpointsFailOneByOne_ParentMovesExactlyWhenMinChildEndpointsIsCrossed()
    {
        // Arrange: an eu client is answered by child-eu while it has two healthy endpoints of three.
        var snapshot = RoutingSnapshot.Build(Options(), DegradedOnly());
        Assert.Equal("child-eu", Route(snapshot, EuClient).Answering.Name);

        // Act 1: one of three fails: two left, MinChildEndpoints 2 holds.
        snapshot = Degrade(snapshot, "child-eu", "child-eu-0");

        // Assert 1
        Assert.Equal(EndpointStatus.Online, Eu(snapshot).Status);
        var (answering, decision, _) = Route(snapshot, EuClient);
        Assert.Equal("child-eu", answering.Name);
        Assert.NotEqual("child-eu-0", answering.Endpoints[decision[0]].Name);

        // Act 2: a second fails: one left, below MinChildEndpoints.
        snapshot = Degrade(snapshot, "child-eu", "child-eu-0", "child-eu-1");

        // Assert 2: the nested endpoint is Degraded and the eu client goes to us's child.
        Assert.Equal(EndpointStatus.Degraded, Eu(snapshot).Status);
        (answering, decision, _) = Route(snapshot, EuClient);
        Assert.Equal("child-us", answering.Name);
        Assert.Equal("child-us-0", answering.Endpoints[decision[0]].Name);

        // Act 3: one comes back.
        snapshot = Degrade(snapshot, "child-eu", "child-eu-0");

        // Assert 3
        Assert.Equal(EndpointStatus.Online, Eu(snapshot).Status);
        Assert.Equal("child-eu", Route(snapshot, EuClient).Answering.Name);
    }

    [Fact]
    public void Route_NestedChosen_LowerTtlAndLongerScopeOfTheTwoDecisions()
    {
        // Arrange
        var snapshot = RoutingSnapshot.Build(Options(), DegradedOnly());

        // Act: the parent's decision has TTL 60 and scope 16 (the 10.1.0.0/16 row); child-eu's TTL 20 and scope 0.
        var (answering, decision, ttl) = Route(snapshot, EuClient);

        // Assert
        Assert.Equal("child-eu", answering.Name);
        Assert.Equal(20u, ttl);
        Assert.Equal((byte)16, decision.Scope);
        Assert.Equal(RoutingRule.RandomByWeight, decision.Rule);
    }

    [Fact]
    public void WithEndpointStates_ChildsIPv6EndpointFails_NestedDegradedForAaaaOnly()
    {
        // Arrange: a 127.0.0.0/8 client is nearest us, whose child has one IPv6 endpoint (MinChildEndpointsIPv6 1).
        var snapshot = RoutingSnapshot.Build(Options(), DegradedOnly());
        var client = NetworkAddress.FromIPAddress(IPAddress.Parse("127.0.0.1"));
        Assert.Equal("child-us", Route(snapshot, client, RouteFamily.IPv6).Answering.Name);

        // Act
        snapshot = Degrade(snapshot, "child-us", "child-us-2");

        // Assert: the status shown is Degraded (a family the child answers is below its minimum); A queries still go to
        // us, AAAA queries cannot (eu's child has no IPv6 endpoint: not a candidate), so the all-degraded rule answers us.
        var parent = snapshot.FindProfile("parent")!;
        Assert.Equal(EndpointStatus.Degraded, parent.States[1].Status);
        Assert.True(parent.IsEligible(1, RouteFamily.IPv4));
        Assert.Equal("child-us", Route(snapshot, client, RouteFamily.IPv4).Answering.Name);
        var (answering, decision, _) = Route(snapshot, client, RouteFamily.IPv6);
        Assert.False(parent.IsEligible(0, RouteFamily.IPv6));
        Assert.True(decision.AllDegraded);
        Assert.Equal("child-us", answering.Name);
        Assert.Equal("child-us-2", answering.Endpoints[decision[0]].Name);
    }

    [Fact]
    public void WithEndpointStates_ChildWithoutEnabledEndpointOfTheFamily_NestedIsNoCandidateForIt()
    {
        // Arrange: parent with only the eu child, which has no IPv6 endpoint.
        var options = Options();
        options.Profiles[0].Endpoints.RemoveAt(1);

        // Act
        var (_, decision, _) = Route(RoutingSnapshot.Build(options, DegradedOnly()), EuClient, RouteFamily.IPv6);

        // Assert: NODATA, not NXDOMAIN.
        Assert.Equal(RoutingRule.NoEndpointOfFamily, decision.Rule);
        Assert.Equal(0, decision.Count);
    }

    [Fact]
    public void WithEndpointStates_GrandchildChanges_ReevaluatesEveryProfileAbove()
    {
        // Arrange: top -> parent (eu, us) ; top's only other endpoint is an address.
        var options = Options();
        options.Profiles.Add(new ProfileOptions
        {
            Name = "top",
            RoutingMethod = RoutingMethod.Priority,
            Endpoints = [Nested("all", "parent", min: 2), new EndpointOptions { Name = "spare", Target = "203.0.113.9" }],
        });
        var snapshot = RoutingSnapshot.Build(options, DegradedOnly());
        Assert.Equal(EndpointStatus.Online, snapshot.FindProfile("top")!.States[0].Status);

        // Act: child-eu loses two endpoints: parent's eu is Degraded, so parent has one healthy endpoint of two.
        snapshot = Degrade(snapshot, "child-eu", "child-eu-0", "child-eu-1");

        // Assert
        var top = snapshot.FindProfile("top")!;
        Assert.Equal(EndpointStatus.Degraded, top.States[0].Status);
        Assert.Equal(1, top.States[0].Nested!.Healthy);
        var decision = default(RoutingDecision);
        var answering = snapshot.Route(top, EuClient, RouteFamily.IPv4, ref decision, out _);
        Assert.Equal("top", answering.Name);
        Assert.Equal("spare", answering.Endpoints[decision[0]].Name);
    }

    [Fact]
    public void WithEndpointStates_NestedEndpointDisabled_StaysDisabled()
    {
        // Arrange
        var snapshot = RoutingSnapshot.Build(Options(), DegradedOnly());

        // Act: the service disables eu (the admin API): its state comes as Disabled.
        snapshot = snapshot.WithEndpointStates("parent", [RoutingFixtures.Disabled, RoutingFixtures.Checking]);

        // Assert
        Assert.Equal(EndpointStatus.Disabled, Eu(snapshot).Status);
        Assert.Null(Eu(snapshot).Nested);
        Assert.Equal("child-us", Route(snapshot, EuClient).Answering.Name);
    }

    [Fact]
    public void Explain_NestedChosen_CountsAndTheChildsDecision()
    {
        // Arrange
        var snapshot = Degrade(RoutingSnapshot.Build(Options(), DegradedOnly()), "child-eu", "child-eu-0");

        // Act
        var report = snapshot.Explain("parent", IPAddress.Parse("10.1.2.3"), DnsRecordType.A)!;

        // Assert
        var eu = report.Candidates[0];
        Assert.True(eu.Chosen);
        Assert.StartsWith("nested profile child-eu: 2 of 3 child endpoints eligible, MinChildEndpoints 2; 2 of 3 answer A, MinChildEndpointsIPv4 1",
            eu.Note, StringComparison.Ordinal);
        Assert.Equal("child-eu", report.Nested!.Profile);
        Assert.Equal(report.Nested.Answer, report.Answer);
        Assert.Single(report.Answer);
        Assert.Equal(20, report.Ttl);
        Assert.Equal(16, report.ScopePrefixLength);
    }

    [Fact]
    public void Explain_NestedBelowMinimum_SaysDegradedWithCounts()
    {
        // Arrange
        var snapshot = Degrade(RoutingSnapshot.Build(Options(), DegradedOnly()), "child-eu", "child-eu-0", "child-eu-1");

        // Act
        var report = snapshot.Explain("parent", IPAddress.Parse("10.1.2.3"), DnsRecordType.A)!;

        // Assert
        Assert.Equal(EndpointStatus.Degraded, report.Candidates[0].Status);
        Assert.Equal("nested profile child-eu: 1 of 3 child endpoints eligible, MinChildEndpoints 2; 1 of 3 answer A, MinChildEndpointsIPv4 1: degraded",
            report.Candidates[0].Note);
        Assert.Equal("child-us", report.Nested!.Profile);
        Assert.Equal(["A 198.51.100.1"], report.Answer);
    }
}
