using System.Net;
using Router.Dns;
using Router.Testing;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Routing;
using static Router.TrafficManager.Tests.Routing.RoutingFixtures;

namespace Router.TrafficManager.Tests.Routing;

/// <summary>
/// <see cref="RoutingSnapshot"/> and <see cref="ProfileRouting.Route"/>: each routing method by Traffic Manager's
/// definition, the eligible set (the all-degraded rule, disabled endpoints), ECS scopes, and state updates.
/// </summary>
public sealed class RoutingSnapshotTests
{
    [Theory]
    [InlineData("127.0.0.1", "eastus", 8)]
    [InlineData("10.1.2.3", "westeurope", 16)]
    [InlineData("10.9.9.9", "eastus", 13)]
    public void Route_Performance_LowestLatencyFromLongestPrefixRow(string client, string expected, int scope)
    {
        // Act
        var decision = Route(RoutingSnapshot.Build(Contract(), AllOnline), "contoso", client);

        // Assert
        Assert.Equal(RoutingRule.LowestLatency, decision.Rule);
        Assert.Equal([expected], decision.Chosen);
        Assert.Equal(scope, decision.Scope);
        Assert.False(decision.AllDegraded);
    }

    [Fact]
    public void Route_PerformanceBestDegraded_NextBest()
    {
        // Act
        var decision = Route(RoutingSnapshot.Build(Contract(), States(("eastus", Degraded))), "contoso", "127.0.0.1");

        // Assert
        Assert.Equal(["westeurope"], decision.Chosen);
    }

    [Fact]
    public void Route_PerformanceCheckingEndpoint_Eligible()
    {
        // Act: no probe has finished yet: CheckingEndpoint counts as eligible.
        var decision = Route(RoutingSnapshot.Build(Contract(), States(("eastus", Checking), ("westeurope", Degraded))), "contoso", "127.0.0.1");

        // Assert
        Assert.Equal(["eastus"], decision.Chosen);
    }

    [Fact]
    public void Route_AllDegraded_AllEnabledEligibleSoBestLatencyWins()
    {
        // Act
        var snapshot = RoutingSnapshot.Build(Contract(), States(("eastus", Degraded), ("westeurope", Degraded), ("eastasia", Degraded)));
        var decision = Route(snapshot, "contoso", "127.0.0.1");

        // Assert
        Assert.Equal(["eastus"], decision.Chosen);
        Assert.True(decision.AllDegraded);
    }

    [Fact]
    public void Route_DisabledBestAndOthersDegraded_DisabledNeverAnswered()
    {
        // Act: all-degraded rule over the enabled endpoints only.
        var snapshot = RoutingSnapshot.Build(Contract(), States(("eastus", Disabled), ("westeurope", Degraded), ("eastasia", Degraded)));
        var decision = Route(snapshot, "contoso", "127.0.0.1");

        // Assert
        Assert.Equal(["westeurope"], decision.Chosen);
        Assert.True(decision.AllDegraded);
    }

    [Fact]
    public void Route_DisabledWithOnlineStatus_NotAnswered()
    {
        // Act: the Enabled flag alone disables, whatever the last probe said.
        var snapshot = RoutingSnapshot.Build(Contract(), States(("eastus", new EndpointRoutingState(false, Router.TrafficManager.Monitoring.EndpointStatus.Online))));
        var decision = Route(snapshot, "contoso", "127.0.0.1");

        // Assert
        Assert.Equal(["westeurope"], decision.Chosen);
    }

    [Fact]
    public void Route_AllDisabled_NothingToAnswer()
    {
        // Act
        var snapshot = RoutingSnapshot.Build(Contract(), States(("eastus", Disabled), ("westeurope", Disabled), ("eastasia", Disabled)));
        var decision = Route(snapshot, "contoso", "127.0.0.1");

        // Assert
        Assert.Empty(decision.Chosen);
        Assert.Equal(RoutingRule.NoEnabledEndpoint, decision.Rule);
    }

    [Fact]
    public void Route_OneEndpointProfileDegraded_StillAnswered()
    {
        // Arrange
        var options = Options([Profile("solo", RoutingMethod.Performance, "192.0.2.1")]);

        // Act
        var decision = Route(RoutingSnapshot.Build(options, States(("e0", Degraded))), "solo", "127.0.0.1");

        // Assert
        Assert.Equal(["e0"], decision.Chosen);
    }

    [Fact]
    public void Route_PerformanceNoTableMatch_FirstEligibleInConfigurationOrder()
    {
        // Act: 192.0.2.1 matches no row.
        var decision = Route(RoutingSnapshot.Build(Contract(), States(("eastus", Degraded))), "contoso", "192.0.2.1");

        // Assert
        Assert.Equal(RoutingRule.FirstEligibleWithoutLatency, decision.Rule);
        Assert.Equal(["westeurope"], decision.Chosen);
        Assert.Null(decision.Row);
        Assert.Equal(1, decision.Scope);
    }

    [Fact]
    public void Route_PerformanceLocationMissingFromRow_RanksAfterKnownLatencies()
    {
        // Arrange: the row knows only l1 and l2; e0's location has no latency there.
        var options = Options([Profile("p", RoutingMethod.Performance, "192.0.2.1", "192.0.2.2", "192.0.2.3")],
            Row("10.0.0.0/8", ("l1", 50), ("l2", 50)));

        // Act
        var decision = Route(RoutingSnapshot.Build(options, AllOnline), "p", "10.0.0.1");

        // Assert: tie between e1 and e2 goes to configuration order; e0 without latency never wins over them.
        Assert.Equal(["e1"], decision.Chosen);
    }

    [Fact]
    public void Route_Priority_LowestValueThenNextOnDegradation()
    {
        // Arrange: e0 priority 3, e1 priority 1, e2 unset (its position, 3rd, but set to 2).
        var profile = Profile("p", RoutingMethod.Priority, "192.0.2.1", "192.0.2.2", "192.0.2.3");
        profile.Endpoints[0].Priority = 3;
        profile.Endpoints[1].Priority = 1;
        profile.Endpoints[2].Priority = 2;
        var options = Options([profile]);

        // Act
        var healthy = Route(RoutingSnapshot.Build(options, AllOnline), "p", "127.0.0.1");
        var failover = Route(RoutingSnapshot.Build(options, States(("e1", Degraded))), "p", "127.0.0.1");

        // Assert
        Assert.Equal(["e1"], healthy.Chosen);
        Assert.Equal(["e2"], failover.Chosen);
        Assert.Equal(0, healthy.Scope);
    }

    [Fact]
    public void Route_PriorityUnset_PositionIsPriority()
    {
        // Act
        var decision = Route(RoutingSnapshot.Build(Options([Profile("p", RoutingMethod.Priority, "192.0.2.1", "192.0.2.2")]), AllOnline), "p", "127.0.0.1");

        // Assert
        Assert.Equal(["e0"], decision.Chosen);
    }

    [Fact]
    public void Route_Weighted_DrawFallsInEndpointsWeightBand()
    {
        // Arrange: weights 1, 3, 6 (e1 degraded, so out): bands e0 [0,1), e2 [1,7).
        var profile = Profile("w", RoutingMethod.Weighted, "192.0.2.1", "192.0.2.2", "192.0.2.3");
        profile.Endpoints[0].Weight = 1;
        profile.Endpoints[1].Weight = 3;
        profile.Endpoints[2].Weight = 6;
        var draws = new List<int>();
        int next = 0;
        int Random(int total)
        {
            draws.Add(total);
            return next;
        }

        var snapshot = RoutingSnapshot.Build(Options([profile]), States(("e1", Degraded)), random: Random);

        // Act
        next = 0;
        var first = Route(snapshot, "w", "127.0.0.1");
        next = 1;
        var second = Route(snapshot, "w", "127.0.0.1");
        next = 6;
        var last = Route(snapshot, "w", "127.0.0.1");

        // Assert
        Assert.Equal(["e0"], first.Chosen);
        Assert.Equal(["e2"], second.Chosen);
        Assert.Equal(["e2"], last.Chosen);
        Assert.Equal([7, 7, 7], draws);
        Assert.Equal(RoutingRule.RandomByWeight, first.Rule);
        Assert.Equal(6.0 / 7, snapshot.FindProfile("w")!.WeightedProbability(2), 9);
        Assert.Equal(0, snapshot.FindProfile("w")!.WeightedProbability(1));
    }

    [Fact]
    public void Route_WeightedWithRealRandom_SpreadFollowsWeights()
    {
        // Arrange
        var profile = Profile("w", RoutingMethod.Weighted, "192.0.2.1", "192.0.2.2");
        profile.Endpoints[0].Weight = 1;
        profile.Endpoints[1].Weight = 3;
        var random = new Random(4);
        var snapshot = RoutingSnapshot.Build(Options([profile]), AllOnline, random: random.Next);

        // Act
        int second = Enumerable.Range(0, 4000).Count(_ => Route(snapshot, "w", "127.0.0.1").Chosen[0] == "e1");

        // Assert: 3000 expected; 4 standard deviations is ±110.
        Assert.InRange(second, 2890, 3110);
    }

    [Fact]
    public void Route_MultiValue_UpToMaxReturnOfTheQueriedFamily()
    {
        // Arrange
        var profile = Profile("m", RoutingMethod.MultiValue, "192.0.2.1", "192.0.2.2", "2001:db8::1", "192.0.2.3", "192.0.2.4");
        profile.MaxReturn = 2;
        var snapshot = RoutingSnapshot.Build(Options([profile]), States(("e0", Degraded)));

        // Act
        var a = Route(snapshot, "m", "127.0.0.1", RouteFamily.IPv4);
        var aaaa = Route(snapshot, "m", "127.0.0.1", RouteFamily.IPv6);

        // Assert
        Assert.Equal(["e1", "e3"], a.Chosen);
        Assert.Equal(["e2"], aaaa.Chosen);
        Assert.Equal(RoutingRule.MultiValue, a.Rule);
    }

    [Fact]
    public void Route_MultiValueFamilyAllDegraded_AllOfThatFamilyAnswered()
    {
        // Arrange: every IPv4 endpoint degraded while the IPv6 one is online: the rule applies per family.
        var profile = Profile("m", RoutingMethod.MultiValue, "192.0.2.1", "192.0.2.2", "2001:db8::1");
        var snapshot = RoutingSnapshot.Build(Options([profile]), States(("e0", Degraded), ("e1", Degraded)));

        // Act
        var a = Route(snapshot, "m", "127.0.0.1", RouteFamily.IPv4);

        // Assert
        Assert.Equal(["e0", "e1"], a.Chosen);
        Assert.True(a.AllDegraded);
    }

    [Fact]
    public void Route_MultiValueNoEndpointOfFamily_Nothing()
    {
        // Act
        var decision = Route(RoutingSnapshot.Build(Options([Profile("m", RoutingMethod.MultiValue, "192.0.2.1")]), AllOnline), "m", "127.0.0.1", RouteFamily.IPv6);

        // Assert
        Assert.Empty(decision.Chosen);
        Assert.Equal(RoutingRule.NoEndpointOfFamily, decision.Rule);
    }

    [Fact]
    public void Route_DualStackPriority_PerFamilyCandidates()
    {
        // Arrange: e0 IPv6 (priority 1), e1 a name (priority 2), e2 IPv4 (priority 3).
        var options = Options([Profile("p", RoutingMethod.Priority, "2001:db8::1", "web.example.net", "192.0.2.3")]);
        var snapshot = RoutingSnapshot.Build(options, AllOnline);
        var nameDegraded = RoutingSnapshot.Build(options, States(("e1", Degraded)));

        // Act + Assert: A routes among IPv4 and names, AAAA among IPv6 and names, other types among all.
        Assert.Equal(["e1"], Route(snapshot, "p", "127.0.0.1", RouteFamily.IPv4).Chosen);
        Assert.Equal(["e0"], Route(snapshot, "p", "127.0.0.1", RouteFamily.IPv6).Chosen);
        Assert.Equal(["e0"], Route(snapshot, "p", "127.0.0.1", RouteFamily.Any).Chosen);
        Assert.Equal(["e2"], Route(nameDegraded, "p", "127.0.0.1", RouteFamily.IPv4).Chosen);
    }

    [Fact]
    public void Route_FamilyWithoutEnabledEndpoint_NoEndpointOfFamilyNotNoEnabledEndpoint()
    {
        // Arrange
        var options = Options([Profile("p", RoutingMethod.Performance, "2001:db8::1", "192.0.2.2")]);

        // Act
        var a = Route(RoutingSnapshot.Build(options, States(("e1", Disabled))), "p", "127.0.0.1", RouteFamily.IPv4);
        var aaaa = Route(RoutingSnapshot.Build(options, States(("e1", Disabled))), "p", "127.0.0.1", RouteFamily.IPv6);

        // Assert: NODATA for A; the IPv6 endpoint still answers AAAA.
        Assert.Empty(a.Chosen);
        Assert.Equal(RoutingRule.NoEndpointOfFamily, a.Rule);
        Assert.Equal(["e0"], aaaa.Chosen);
    }

    [Fact]
    public void Route_DualStackAllDegradedRule_AppliedWithinTheFamily()
    {
        // Arrange: IPv4 endpoints both degraded, IPv6 online.
        var options = Options([Profile("p", RoutingMethod.Priority, "192.0.2.1", "192.0.2.2", "2001:db8::3")]);
        var snapshot = RoutingSnapshot.Build(options, States(("e0", Degraded), ("e1", Degraded)));
        var profile = snapshot.FindProfile("p")!;

        // Act
        var a = Route(snapshot, "p", "127.0.0.1", RouteFamily.IPv4);
        var any = Route(snapshot, "p", "127.0.0.1", RouteFamily.Any);

        // Assert
        Assert.Equal(["e0"], a.Chosen);
        Assert.True(a.AllDegraded);
        Assert.Equal(["e2"], any.Chosen);
        Assert.False(any.AllDegraded);
        Assert.True(profile.IsEligible(0, RouteFamily.IPv4));
        Assert.False(profile.IsEligible(0, RouteFamily.Any));
        Assert.False(profile.IsCandidate(2, RouteFamily.IPv4));
    }

    [Fact]
    public void Route_DualStackWeighted_DrawsAmongTheFamilyOnly()
    {
        // Arrange: weights 1 (IPv6), 3 (IPv4), 6 (IPv4).
        var profile = Profile("w", RoutingMethod.Weighted, "2001:db8::1", "192.0.2.2", "192.0.2.3");
        profile.Endpoints[0].Weight = 1;
        profile.Endpoints[1].Weight = 3;
        profile.Endpoints[2].Weight = 6;
        var draws = new List<int>();
        var snapshot = RoutingSnapshot.Build(Options([profile]), AllOnline, random: total =>
        {
            draws.Add(total);
            return 0;
        });

        // Act
        var a = Route(snapshot, "w", "127.0.0.1", RouteFamily.IPv4);
        var aaaa = Route(snapshot, "w", "127.0.0.1", RouteFamily.IPv6);

        // Assert
        Assert.Equal(["e1"], a.Chosen);
        Assert.Equal(["e0"], aaaa.Chosen);
        Assert.Equal([9, 1], draws);
        Assert.Equal(3.0 / 9, snapshot.FindProfile("w")!.WeightedProbability(1, RouteFamily.IPv4), 9);
        Assert.Equal(0, snapshot.FindProfile("w")!.WeightedProbability(0, RouteFamily.IPv4));
    }

    [Fact]
    public void Route_DualStackSubnet_MappedEndpointOfOtherFamilyFallsToCatchAllOfTheFamily()
    {
        // Arrange: 10.1.0.0/16 maps to e0 (IPv6); e1 (IPv4) and e2 (IPv6) have no subnets.
        var profile = Profile("s", RoutingMethod.Subnet, "2001:db8::1", "192.0.2.2", "2001:db8::3");
        profile.Endpoints[0].Subnets = ["10.1.0.0/16"];
        var snapshot = RoutingSnapshot.Build(Options([profile]), AllOnline);

        // Act
        var a = Route(snapshot, "s", "10.1.2.3", RouteFamily.IPv4);
        var aaaa = Route(snapshot, "s", "10.1.2.3", RouteFamily.IPv6);

        // Assert
        Assert.Equal(["e1"], a.Chosen);
        Assert.Equal(RoutingRule.SubnetMappedNotEligible, a.Rule);
        Assert.Equal(["e0"], aaaa.Chosen);
        Assert.Equal(RoutingRule.SubnetMatch, aaaa.Rule);
    }

    public static TheoryData<string, string, int, string> SubnetCases => new()
    {
        { "10.1.2.3", "e0", 16, nameof(RoutingRule.SubnetMatch) },
        { "192.0.2.77", "e0", 24, nameof(RoutingRule.SubnetMatch) },
        { "10.2.0.1", "e1", 16, nameof(RoutingRule.SubnetMatch) },
        { "10.5.0.4", "e1", 30, nameof(RoutingRule.SubnetMatch) },          // 10.5.0.1-10.5.0.9: 10.5.0.4/30 lies inside
        { "10.3.0.1", "e2", 16, nameof(RoutingRule.SubnetCatchAll) },       // 10.3.0.0/16 touches no mapped range
        { "2001:db8::1", "e2", 0, nameof(RoutingRule.SubnetCatchAll) },     // no IPv6 range: the same for every IPv6 client
    };

    [Theory]
    [MemberData(nameof(SubnetCases))]
    public void Route_Subnet_MappedEndpointElseCatchAll(string client, string expected, int scope, string rule)
    {
        // Act
        var decision = Route(RoutingSnapshot.Build(SubnetOptions(), AllOnline), "s", client);

        // Assert
        Assert.Equal([expected], decision.Chosen);
        Assert.Equal(rule, decision.Rule.ToString());
        Assert.Equal(scope, decision.Scope);
    }

    [Fact]
    public void Route_SubnetMappedEndpointDegraded_CatchAll()
    {
        // Act
        var decision = Route(RoutingSnapshot.Build(SubnetOptions(), States(("e0", Degraded))), "s", "10.1.2.3");

        // Assert
        Assert.Equal(["e2"], decision.Chosen);
        Assert.Equal(RoutingRule.SubnetMappedNotEligible, decision.Rule);
        Assert.Equal("10.1.0.0/16", decision.MatchedSubnet);
    }

    [Fact]
    public void Route_SubnetNoCatchAllAndNoMatch_Nothing()
    {
        // Arrange
        var options = SubnetOptions();
        options.Profiles[0].Endpoints.RemoveAt(2);

        // Act
        var decision = Route(RoutingSnapshot.Build(options, AllOnline), "s", "10.3.0.1");

        // Assert
        Assert.Empty(decision.Chosen);
        Assert.Equal(RoutingRule.SubnetNoEndpoint, decision.Rule);
    }

    [Fact]
    public void Route_SubnetAllDegraded_MappedEndpointAnswered()
    {
        // Act: every enabled endpoint degraded: all eligible, so the mapping holds again.
        var decision = Route(RoutingSnapshot.Build(SubnetOptions(), States(("e0", Degraded), ("e1", Degraded), ("e2", Degraded))), "s", "10.1.2.3");

        // Assert
        Assert.Equal(["e0"], decision.Chosen);
    }

    [Fact]
    public void WithEndpointStates_OneProfile_OthersSharedAndOriginalUnchanged()
    {
        // Arrange
        var options = Contract();
        options.Profiles.Add(Profile("other", RoutingMethod.Priority, "192.0.2.1"));
        var before = RoutingSnapshot.Build(options, AllOnline);

        // Act
        var after = before.WithEndpointStates("CONTOSO", [Degraded, Online, Online]);

        // Assert
        Assert.Same(before.Profiles[1], after.Profiles[1]);
        Assert.Same(before.LatencyTable, after.LatencyTable);
        Assert.Same(before.Zone, after.Zone);
        Assert.Same(before.Profiles[0].Endpoints, after.Profiles[0].Endpoints);
        Assert.Equal(["eastus"], Route(before, "contoso", "127.0.0.1").Chosen);
        Assert.Equal(["westeurope"], Route(after, "contoso", "127.0.0.1").Chosen);
        Assert.Throws<ArgumentException>(() => before.WithEndpointStates("contoso", [Online]));
        Assert.Throws<ArgumentException>(() => before.WithEndpointStates("nope", []));
    }

    [Fact]
    public void FindProfile_LowercaseWireName_FoundAndEmptyNonTerminalExists()
    {
        // Arrange
        var options = Options([Profile("web.eu", RoutingMethod.Priority, "192.0.2.1")]);
        var snapshot = RoutingSnapshot.Build(options, AllOnline);

        // Act + Assert
        Assert.Equal("web.eu", snapshot.FindProfile(Wire("web.eu.tm.example.test"))?.Name);
        Assert.Null(snapshot.FindProfile(Wire("eu.tm.example.test")));
        Assert.True(snapshot.NameExists(Wire("eu.tm.example.test")));
        Assert.False(snapshot.NameExists(Wire("us.tm.example.test")));
        Assert.Equal("web.eu.tm.example.test.", snapshot.FindProfile("WEB.EU")?.Fqdn);
    }

    [Fact]
    public void Route_AnyAddress_NeverAllocates()
    {
        // Arrange
        var snapshot = RoutingSnapshot.Build(Contract(), States(("eastus", Degraded)));
        var profile = snapshot.FindProfile("contoso")!;
        var client = NetworkAddress.FromIPAddress(IPAddress.Parse("10.1.2.3"));
        var decision = default(RoutingDecision);

        // Act
        var allocated = Allocations.Measure(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                profile.Route(client, RouteFamily.IPv4, ref decision);
            }
        });

        // Assert
        Assert.True(allocated.Bytes == 0, $"allocated {allocated}");
    }

    internal static Routed Route(RoutingSnapshot snapshot, string profile, string client, RouteFamily family = RouteFamily.Any)
    {
        var routing = snapshot.FindProfile(profile)!;
        var decision = default(RoutingDecision);
        routing.Route(NetworkAddress.FromIPAddress(IPAddress.Parse(client)), family, ref decision);
        var chosen = Enumerable.Range(0, decision.Count).Select(i => routing.Endpoints[decision[i]].Name).ToArray();
        return new Routed(chosen, decision.Rule, decision.Scope, decision.AllDegraded, decision.Row, decision.MatchedSubnet);
    }

    internal static byte[] Wire(string name) => DnsName.Parse(name + ".").ToLowerInvariant().Wire.ToArray();

    private static TrafficManagerOptions SubnetOptions()
    {
        var profile = Profile("s", RoutingMethod.Subnet, "192.0.2.1", "192.0.2.2", "192.0.2.3");
        profile.Endpoints[0].Subnets = ["10.1.0.0/16", "192.0.2.0/24"];
        profile.Endpoints[1].Subnets = ["10.2.0.0/16", "10.5.0.1-10.5.0.9"];
        return Options([profile]);
    }
}

/// <summary>A routing decision with endpoint names, for assertions.</summary>
internal sealed record Routed(string[] Chosen, RoutingRule Rule, int Scope, bool AllDegraded, LatencyRow? Row, string? MatchedSubnet);
