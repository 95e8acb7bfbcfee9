using System.Net;
using Router.Dns.Server.Configuration;
using Router.Dns.Server.Pipeline;
using Router.TrafficManager.Dns;
using Router.TrafficManager.Routing;
using static Router.TrafficManager.Tests.Dns.TrafficManagerZoneHandlerTests;
using static Router.TrafficManager.Tests.Routing.RoutingFixtures;

namespace Router.TrafficManager.Tests.Dns;

/// <summary>
/// <see cref="ZoneChainExplainControl"/>: explain follows the CNAMEs of the DNS pipeline's static zones to a profile, as
/// an answer does, while the traffic manager's zone knows nothing of the static zones.
/// </summary>
public sealed class ZoneChainExplainControlTests
{
    [Fact]
    public void Explain_StaticCnameIntoProfile_FollowedWithTheChainInFront()
    {
        // Arrange
        var (pipeline, handler) = ChainedPipeline(Contract());
        var control = new ZoneChainExplainControl(new HandlerControl(handler), () => pipeline);

        // Act
        var report = control.Explain("contoso.registry.test", IPAddress.Parse("10.1.2.3"));
        var direct = control.Explain("contoso", IPAddress.Parse("10.1.2.3"));

        // Assert
        Assert.NotNull(report);
        Assert.Equal("contoso.registry.test", report.Name);
        Assert.Equal("contoso", report.Profile);
        Assert.Equal(["CNAME contoso.tm.registry.test.", "A 127.0.0.12"], report.Answer);
        Assert.StartsWith("contoso.registry.test. is a CNAME to contoso.tm.registry.test. (static zone); lowest latency", report.Rule, StringComparison.Ordinal);
        Assert.Equal(direct!.Candidates, report.Candidates);
        Assert.Null(control.Explain("www.registry.test", IPAddress.Loopback));
        Assert.Null(control.Explain("nothing.registry.test", IPAddress.Loopback));
        Assert.Null(control.Explain("elsewhere.test", IPAddress.Loopback));
        Assert.Null(control.Explain("nothing.tm.registry.test", IPAddress.Loopback));
    }

    [Fact]
    public void Explain_StaticCnameChainIntoProfile_EveryLinkInFront()
    {
        // Arrange: alias → contoso (static) → contoso.tm.registry.test (profile).
        var (pipeline, handler) = ChainedPipeline(Contract(), new DnsRecordOptions { Name = "alias", Type = "CNAME", Value = "contoso.registry.test." });
        var control = new ZoneChainExplainControl(new HandlerControl(handler), () => pipeline);

        // Act
        var report = control.Explain("alias.registry.test.", IPAddress.Parse("10.1.2.3"));

        // Assert
        Assert.NotNull(report);
        Assert.Equal(["CNAME contoso.registry.test.", "CNAME contoso.tm.registry.test.", "A 127.0.0.12"], report.Answer);
        Assert.StartsWith("alias.registry.test. is a CNAME to contoso.registry.test., contoso.registry.test. is a CNAME to contoso.tm.registry.test. (static zone); ",
            report.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_StaticCnameLoop_NullAfterMaxChainLength()
    {
        // Arrange: loop → loop, never reaching a profile.
        var (pipeline, handler) = ChainedPipeline(Contract(), new DnsRecordOptions { Name = "loop", Type = "CNAME", Value = "loop.registry.test." });
        var inner = new HandlerControl(handler);
        var control = new ZoneChainExplainControl(inner, () => pipeline);

        // Act
        var report = control.Explain("loop.registry.test", IPAddress.Loopback);

        // Assert: the original name, then one ask per link followed.
        Assert.Null(report);
        Assert.Equal(DnsPipeline.MaxChainLength, inner.ExplainCalls);
    }

    /// <summary>The traffic manager's explain, straight from the zone handler; nothing else is asked of it here.</summary>
    private sealed class HandlerControl(TrafficManagerZoneHandler handler) : ITrafficManagerControl
    {
        public int ExplainCalls { get; private set; }

        public IReadOnlyList<ProfileReport> GetProfiles() => throw new NotSupportedException();

        public ProfileReport? GetProfile(string name) => throw new NotSupportedException();

        public Task<EndpointSwitchResult> SetEndpointEnabledAsync(string profile, string endpoint, bool enabled, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<EndpointSwitchResult> SetEndpointAsync(string profile, string endpoint, EndpointChange change, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<EndpointSwitchResult> ReleaseEndpointAsync(string profile, string endpoint, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public ExplainReport? Explain(string name, IPAddress client)
        {
            ExplainCalls++;
            return handler.Explain(name, client);
        }
    }
}
