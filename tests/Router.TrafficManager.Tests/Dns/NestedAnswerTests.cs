using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Router.Dns;
using Router.Dns.Server.Pipeline;
using Router.TrafficManager.Dns;
using Router.TrafficManager.Routing;
using Router.TrafficManager.Tests.Routing;
using static Router.TrafficManager.Tests.Dns.TrafficManagerZoneHandlerTests;

namespace Router.TrafficManager.Tests.Dns;

/// <summary>Nested profiles on the wire: the child's records under the parent's name, no CNAME, the tighter TTL and scope.</summary>
public sealed class NestedAnswerTests
{
    private static DnsMessage Ask(RoutingSnapshot snapshot, string name, DnsRecordType type, string ecs)
    {
        var pipeline = new DnsPipeline([new TrafficManagerZoneHandler(new RoutingSnapshotHolder(snapshot))], 1232, NullLogger.Instance);
        var context = Context(Query(name, type, ecs: (IPAddress.Parse(ecs), 24)));
        Assert.Equal(DnsHandlerResult.Answered, pipeline.Process(context));
        return Parse(context);
    }

    [Fact]
    public void Handle_NestedChosen_ChildsAddressUnderTheParentsNameWithLowerTtlAndLongerScope()
    {
        // Arrange
        var snapshot = RoutingSnapshot.Build(NestedFixtures.Options(), NestedFixtures.DegradedOnly());

        // Act: an eu client (10.1.2.0/24): parent TTL 60 scope 16, child-eu TTL 20 scope 0.
        var response = Ask(snapshot, "parent.tm.example.test", DnsRecordType.A, "10.1.2.0");

        // Assert
        var answer = Assert.Single(response.Answers);
        Assert.Equal(DnsRecordType.A, answer.Type);
        Assert.Equal("parent.tm.example.test.", answer.Name.ToString());
        Assert.StartsWith("192.0.2.", ((AddressRecordData)answer.Data).Address.ToString(), StringComparison.Ordinal);
        Assert.Equal(20u, answer.Ttl);
        Assert.Equal((byte)16, response.Edns!.ClientSubnet!.Value.ScopePrefixLength);
    }

    [Fact]
    public void Handle_ChildBelowMinimum_OtherChildsAnswerWithItsTtl()
    {
        // Arrange: child-eu has one healthy endpoint of three, below MinChildEndpoints 2.
        var snapshot = NestedFixtures.Degrade(RoutingSnapshot.Build(NestedFixtures.Options(), NestedFixtures.DegradedOnly()),
            "child-eu", "child-eu-0", "child-eu-1");

        // Act
        var a = Ask(snapshot, "parent.tm.example.test", DnsRecordType.A, "10.1.2.0");
        var aaaa = Ask(snapshot, "parent.tm.example.test", DnsRecordType.AAAA, "10.1.2.0");

        // Assert: child-us answers, TTL min(60, 100) = 60, for both families.
        var answer = Assert.Single(a.Answers);
        Assert.Equal(IPAddress.Parse("198.51.100.1"), ((AddressRecordData)answer.Data).Address);
        Assert.Equal(60u, answer.Ttl);
        var answer6 = Assert.Single(aaaa.Answers);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), ((AddressRecordData)answer6.Data).Address);
    }

    [Fact]
    public void Handle_NoChildAnswersTheFamily_NoDataNotNxDomain()
    {
        // Arrange: only the eu child, which has no IPv6 endpoint.
        var options = NestedFixtures.Options();
        options.Profiles[0].Endpoints.RemoveAt(1);
        var snapshot = RoutingSnapshot.Build(options, NestedFixtures.DegradedOnly());

        // Act
        var response = Ask(snapshot, "parent.tm.example.test", DnsRecordType.AAAA, "10.1.2.0");

        // Assert
        Assert.Equal(DnsResponseCode.NoError, response.ResponseCode);
        Assert.Empty(response.Answers);
        Assert.Equal(DnsRecordType.SOA, Assert.Single(response.Authorities).Type);
    }
}
