using Router.TrafficManager.Cluster;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Cluster;

/// <summary>The quorum rule, as a table: views of the live instances in, the status every instance answers by out.</summary>
public sealed class AgreedStatusTests
{
    private const EndpointStatus O = EndpointStatus.Online;
    private const EndpointStatus D = EndpointStatus.Degraded;
    private const EndpointStatus C = EndpointStatus.CheckingEndpoint;
    private const EndpointStatus X = EndpointStatus.Disabled;

    public static TheoryData<QuorumRule, EndpointStatus[], EndpointStatus> Table => new()
    {
        // No view, or none conclusive: checking.
        { QuorumRule.Majority, [], C },
        { QuorumRule.Any, [], C },
        { QuorumRule.All, [], C },
        { QuorumRule.Majority, [C, C, X], C },
        { QuorumRule.Any, [C, X], C },
        // A single live instance is its own majority (and its own "any" and "all").
        { QuorumRule.Majority, [D], D },
        { QuorumRule.Majority, [O], O },
        { QuorumRule.Any, [D], D },
        { QuorumRule.All, [D], D },
        // Majority: more than half of the conclusive views.
        { QuorumRule.Majority, [O, O, D], O },
        { QuorumRule.Majority, [O, D, D], D },
        { QuorumRule.Majority, [D, D, D], D },
        { QuorumRule.Majority, [O, D], O },
        { QuorumRule.Majority, [D, D, O, O], O },
        { QuorumRule.Majority, [D, D, D, O], D },
        // Inconclusive views do not count either way: 1 of 1 conclusive, 1 of 2 conclusive.
        { QuorumRule.Majority, [D, C, C], D },
        { QuorumRule.Majority, [D, O, C], O },
        { QuorumRule.Majority, [D, D, C, O], D },
        // Any: one degraded view is enough.
        { QuorumRule.Any, [O, O, D], D },
        { QuorumRule.Any, [O, O, O], O },
        { QuorumRule.Any, [O, C, X], O },
        // All: every conclusive view.
        { QuorumRule.All, [D, D, O], O },
        { QuorumRule.All, [D, D, D], D },
        { QuorumRule.All, [D, D, C], D },
        { QuorumRule.All, [O, C], O },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Decide_Views_TheRuleOfTheIssue(QuorumRule rule, EndpointStatus[] views, EndpointStatus expected) =>
        Assert.Equal(expected, AgreedStatus.Decide(rule, views));

    [Theory]
    [MemberData(nameof(Table))]
    public void Decide_Counts_AgreesWithTheViews(QuorumRule rule, EndpointStatus[] views, EndpointStatus expected)
    {
        int conclusive = views.Count(AgreedStatus.IsConclusive);
        int degraded = views.Count(v => v == D);
        Assert.Equal(expected, AgreedStatus.Decide(rule, conclusive, degraded));
    }

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(0, -1)]
    [InlineData(1, 2)]
    public void Decide_ImpossibleCounts_Throw(int conclusive, int degraded) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AgreedStatus.Decide(QuorumRule.Majority, conclusive, degraded));

    [Fact]
    public void Decide_UnknownRule_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AgreedStatus.Decide((QuorumRule)42, 1, 1));

    [Theory]
    [InlineData(QuorumRule.Majority)]
    [InlineData(QuorumRule.Any)]
    [InlineData(QuorumRule.All)]
    public void Decide_AnyViewsInAnyOrder_SameStatus(QuorumRule rule)
    {
        // Every instance computes from the same views, listed in whatever order: the answer must not depend on it.
        EndpointStatus[] all = [O, D, C, X];
        var random = new Random(11);
        for (int round = 0; round < 500; round++)
        {
            var views = Enumerable.Range(0, random.Next(0, 7)).Select(_ => all[random.Next(all.Length)]).ToArray();
            var shuffled = views.OrderBy(_ => random.Next()).ToArray();
            Assert.Equal(AgreedStatus.Decide(rule, views), AgreedStatus.Decide(rule, shuffled));
        }
    }
}
