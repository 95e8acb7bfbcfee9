using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Router.Dns;
using Router.Dns.Server;
using Router.Dns.Server.Configuration;
using Router.Dns.Server.Pipeline;
using Router.Dns.Server.Zones;
using Router.Testing;
using Router.Testing.Dns;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Dns;
using Router.TrafficManager.Routing;
using Router.TrafficManager.Tests.Routing;
using static Router.TrafficManager.Tests.Routing.RoutingFixtures;

namespace Router.TrafficManager.Tests.Dns;

/// <summary>
/// <see cref="TrafficManagerZoneHandler"/> in a <see cref="DnsPipeline"/>, no sockets: each query is real wire bytes in a
/// <see cref="DnsRequestContext"/>, and each response is parsed back.
/// </summary>
public sealed class TrafficManagerZoneHandlerTests
{
    private static readonly NetworkAddress Loopback = NetworkAddress.FromIPAddress(IPAddress.Loopback);

    [Fact]
    public void Handle_ProfileA_RoutedAddressAuthoritativeWithProfileTtl()
    {
        // Act
        var (context, response) = Ask(Contract(), "contoso.tm.registry.test", DnsRecordType.A);

        // Assert
        Assert.True(response.IsAuthoritative);
        Assert.Equal(DnsResponseCode.NoError, response.ResponseCode);
        var answer = Assert.Single(response.Answers);
        Assert.Equal((DnsRecordType.A, 30u), (answer.Type, answer.Ttl));
        Assert.Equal(IPAddress.Parse("127.0.0.11"), Address(answer));
        Assert.Equal("contoso.tm.registry.test.", answer.Name.ToString());
        Assert.Equal(8, context.ClientSubnetScope); // the 127.0.0.0/8 row (echoed only when the query has ECS)
    }

    [Fact]
    public void Handle_MixedCaseName_Answered()
    {
        // Act
        var (_, response) = Ask(Contract(), "CoNtOsO.TM.registry.test", DnsRecordType.A);

        // Assert
        Assert.Equal("CoNtOsO.TM.registry.test.", response.Questions[0].Name.ToString());
        Assert.Single(response.Answers);
    }

    [Fact]
    public void Handle_ClientSubnet_RoutesByEcsAddressAndEchoesScope()
    {
        // Arrange: 10.1.2.0/24 falls in the 10.1.0.0/16 row, where westeurope is nearest.
        var query = Query("contoso.tm.registry.test", DnsRecordType.A, ecs: (IPAddress.Parse("10.1.2.0"), 24));

        // Act
        var (_, response) = Ask(Contract(), query);

        // Assert
        Assert.Equal(IPAddress.Parse("127.0.0.12"), Address(Assert.Single(response.Answers)));
        var subnet = response.Edns?.ClientSubnet;
        Assert.Equal(new EdnsClientSubnet(NetworkAddress.FromBytes([10, 1, 2, 0]), 24, 16), subnet);
    }

    [Fact]
    public void Handle_ApexSoa_MadeUpFromConfiguration()
    {
        // Act
        var (_, response) = Ask(Contract(), "tm.registry.test", DnsRecordType.SOA);

        // Assert
        var soa = Assert.IsType<SoaRecordData>(Assert.Single(response.Answers).Data);
        Assert.Equal("ns1.tm.registry.test.", soa.PrimaryServer.ToString());
        Assert.Equal("hostmaster.tm.registry.test.", soa.ResponsibleMailbox.ToString());
        Assert.Equal(300u, soa.Minimum);
        Assert.Equal(300u, response.Answers[0].Ttl);
        Assert.True(response.IsAuthoritative);
    }

    [Fact]
    public void Handle_ApexNs_MadeUpWithGlueWhenAddressesGiven()
    {
        // Arrange
        var snapshot = RoutingSnapshot.Build(Contract(), AllOnline, [IPAddress.Parse("127.0.0.53"), IPAddress.Any, IPAddress.Parse("::1")]);

        // Act
        var (_, response) = Ask(snapshot, Query("tm.registry.test", DnsRecordType.NS));
        var (_, glue) = Ask(snapshot, Query("ns1.tm.registry.test", DnsRecordType.A));

        // Assert
        var ns = Assert.IsType<NameRecordData>(Assert.Single(response.Answers).Data);
        Assert.Equal("ns1.tm.registry.test.", ns.Target.ToString());
        Assert.Equal([IPAddress.Parse("127.0.0.53"), IPAddress.Parse("::1")], response.Additionals.Select(Address));
        Assert.Equal(IPAddress.Parse("127.0.0.53"), Address(Assert.Single(glue.Answers)));
    }

    [Fact]
    public void Handle_ApexOtherType_NoDataWithSoa()
    {
        // Act
        var (_, response) = Ask(Contract(), "tm.registry.test", DnsRecordType.A);

        // Assert
        Assert.Empty(response.Answers);
        Assert.Equal(DnsRecordType.SOA, Assert.Single(response.Authorities).Type);
        Assert.Equal(DnsResponseCode.NoError, response.ResponseCode);
    }

    [Fact]
    public void Handle_UnknownName_NxDomainWithSoaNegativeTtl()
    {
        // Arrange
        var options = Contract();
        options.ZoneTtl = 60;

        // Act
        var (_, response) = Ask(options, "fabrikam.tm.registry.test", DnsRecordType.A);

        // Assert
        Assert.Equal(DnsResponseCode.NameError, response.ResponseCode);
        Assert.True(response.IsAuthoritative);
        var soa = Assert.Single(response.Authorities);
        Assert.Equal((DnsRecordType.SOA, 60u, "tm.registry.test."), (soa.Type, soa.Ttl, soa.Name.ToString()));
    }

    [Fact]
    public void Handle_ProfileOtherType_NoDataWithSoa()
    {
        // Act
        var (_, response) = Ask(Contract(), "contoso.tm.registry.test", DnsRecordType.MX);

        // Assert
        Assert.Equal(DnsResponseCode.NoError, response.ResponseCode);
        Assert.Empty(response.Answers);
        Assert.Equal(DnsRecordType.SOA, Assert.Single(response.Authorities).Type);
    }

    [Fact]
    public void Handle_AaaaForIPv4Endpoint_NoData()
    {
        // Act
        var (_, response) = Ask(Contract(), "contoso.tm.registry.test", DnsRecordType.AAAA);

        // Assert
        Assert.Empty(response.Answers);
        Assert.Single(response.Authorities);
    }

    [Fact]
    public void Handle_DualStackPriority_EachFamilyRoutedAmongItsOwnEndpoints()
    {
        // Arrange
        var options = Options([Profile("v6", RoutingMethod.Priority, "2001:db8::7", "192.0.2.1")]);

        // Act
        var (_, aaaa) = Ask(options, "v6.tm.example.test", DnsRecordType.AAAA);
        var (_, a) = Ask(options, "v6.tm.example.test", DnsRecordType.A);
        var (_, any) = Ask(options, "v6.tm.example.test", DnsRecordType.ANY);

        // Assert: AAAA gets the priority-1 IPv6 endpoint, A the best IPv4 one, ANY the best of all.
        Assert.Equal(IPAddress.Parse("2001:db8::7"), Address(Assert.Single(aaaa.Answers)));
        Assert.Equal(60u, aaaa.Answers[0].Ttl);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), Address(Assert.Single(a.Answers)));
        Assert.Equal(DnsRecordType.AAAA, Assert.Single(any.Answers).Type);
    }

    [Fact]
    public void Handle_IPv6OnlyProfile_ANoDataNotNxDomain()
    {
        // Act
        var (_, a) = Ask(Options([Profile("v6", RoutingMethod.Performance, "2001:db8::7", "2001:db8::8")]), "v6.tm.example.test", DnsRecordType.A);

        // Assert
        Assert.Equal(DnsResponseCode.NoError, a.ResponseCode);
        Assert.Empty(a.Answers);
        Assert.Equal(DnsRecordType.SOA, Assert.Single(a.Authorities).Type);
    }

    [Fact]
    public void Handle_DualStackPerformance_NearestOfTheQueriedFamilyOrName()
    {
        // Arrange: from 10/8, l0 (IPv6) is nearest, then l1 (a name), then l2 (IPv4).
        var options = Options([Profile("p", RoutingMethod.Performance, "2001:db8::1", "web.example.net", "192.0.2.3")],
            Row("10.0.0.0/8", ("l0", 5), ("l1", 20), ("l2", 10)));
        var client = NetworkAddress.FromIPAddress(IPAddress.Parse("10.0.0.1"));
        var snapshot = RoutingSnapshot.Build(options, States(("e1", Degraded)));

        // Act
        var (_, aaaa) = Ask(snapshot, Query("p.tm.example.test", DnsRecordType.AAAA), client);
        var (_, a) = Ask(snapshot, Query("p.tm.example.test", DnsRecordType.A), client);
        var (_, mx) = Ask(snapshot, Query("p.tm.example.test", DnsRecordType.MX), client);

        // Assert
        Assert.Equal(IPAddress.Parse("2001:db8::1"), Address(Assert.Single(aaaa.Answers)));
        Assert.Equal(IPAddress.Parse("192.0.2.3"), Address(Assert.Single(a.Answers)));
        Assert.Empty(mx.Answers); // routed among all: the IPv6 endpoint, which has no MX
    }

    [Fact]
    public void Handle_DualStackAllOfFamilyDegraded_AllDegradedRuleWithinTheFamily()
    {
        // Arrange: the IPv4 endpoints are both degraded while the IPv6 one is online.
        var profile = Profile("w", RoutingMethod.Weighted, "2001:db8::1", "192.0.2.2", "192.0.2.3");
        var snapshot = RoutingSnapshot.Build(Options([profile]), States(("e1", Degraded), ("e2", Degraded)), random: total => total - 1);

        // Act
        var (_, a) = Ask(snapshot, Query("w.tm.example.test", DnsRecordType.A));

        // Assert: the A query is answered from the degraded IPv4 endpoints (the last band drawn), not NODATA.
        Assert.Equal(IPAddress.Parse("192.0.2.3"), Address(Assert.Single(a.Answers)));
    }

    [Fact]
    public void Handle_ClientSubnetSourceZero_RoutedBySourceAndScopeZero()
    {
        // Arrange: the resolver at 10.1.2.3 sends ECS 0.0.0.0/0 (RFC 7871 §7.1.2: do not use client information).
        var query = Query("contoso.tm.registry.test", DnsRecordType.A, ecs: (IPAddress.Any, 0));

        // Act
        var (_, response) = Ask(RoutingSnapshot.Build(Contract(), AllOnline), query, NetworkAddress.FromIPAddress(IPAddress.Parse("10.1.2.3")));

        // Assert: routed for 10.1.2.3 (10.1.0.0/16: westeurope), the echo's scope 0.
        Assert.Equal(IPAddress.Parse("127.0.0.12"), Address(Assert.Single(response.Answers)));
        Assert.Equal(new EdnsClientSubnet(NetworkAddress.FromBytes([0, 0, 0, 0]), 0, 0), response.Edns?.ClientSubnet);
    }

    [Theory]
    [InlineData(DnsRecordType.A)]
    [InlineData(DnsRecordType.MX)]
    [InlineData(DnsRecordType.CNAME)]
    public void Handle_NameTarget_CnameForEveryType(DnsRecordType type)
    {
        // Arrange
        var options = Options([Profile("web", RoutingMethod.Priority, "EastUS.Example.NET")]);

        // Act
        var (_, response) = Ask(options, "web.tm.example.test", type);

        // Assert
        var answer = Assert.Single(response.Answers);
        Assert.Equal(DnsRecordType.CNAME, answer.Type);
        Assert.Equal("eastus.example.net.", ((NameRecordData)answer.Data).Target.ToString());
        Assert.Empty(response.Authorities);
    }

    [Fact]
    public void Handle_CnameToAnotherProfile_FollowedInsideTheZone()
    {
        // Arrange: "outer" points at the "inner" profile (a nested profile, routed for the same client).
        var options = Options([
            Profile("outer", RoutingMethod.Priority, "inner.tm.example.test."),
            Profile("inner", RoutingMethod.Priority, "192.0.2.44")]);

        // Act
        var (_, response) = Ask(options, "outer.tm.example.test", DnsRecordType.A);

        // Assert
        Assert.Equal([DnsRecordType.CNAME, DnsRecordType.A], response.Answers.Select(a => a.Type));
        Assert.Equal(IPAddress.Parse("192.0.2.44"), Address(response.Answers[1]));
    }

    [Fact]
    public void Handle_CnameLoopInsideTheZone_StopsAtMaxChainLength()
    {
        // Arrange
        var options = Options([
            Profile("a", RoutingMethod.Priority, "b.tm.example.test"),
            Profile("b", RoutingMethod.Priority, "a.tm.example.test")]);

        // Act
        var (_, response) = Ask(options, "a.tm.example.test", DnsRecordType.A);

        // Assert
        Assert.Equal(DnsPipeline.MaxChainLength, response.Answers.Count);
    }

    [Fact]
    public void Handle_MultiValue_EveryEligibleAddressOfTheFamily()
    {
        // Arrange
        var profile = Profile("m", RoutingMethod.MultiValue, "192.0.2.1", "192.0.2.2", "2001:db8::1", "192.0.2.3");
        var options = Options([profile]);
        var snapshot = RoutingSnapshot.Build(options, States(("e1", Degraded)));

        // Act
        var (_, a) = Ask(snapshot, Query("m.tm.example.test", DnsRecordType.A));
        var (_, aaaa) = Ask(snapshot, Query("m.tm.example.test", DnsRecordType.AAAA));

        // Assert
        Assert.Equal([IPAddress.Parse("192.0.2.1"), IPAddress.Parse("192.0.2.3")], a.Answers.Select(Address));
        Assert.Equal([IPAddress.Parse("2001:db8::1")], aaaa.Answers.Select(Address));
    }

    [Fact]
    public void Handle_AllEndpointsDisabled_NxDomain()
    {
        // Act
        var snapshot = RoutingSnapshot.Build(Contract(), States(("eastus", Disabled), ("westeurope", Disabled), ("eastasia", Disabled)));
        var (_, response) = Ask(snapshot, Query("contoso.tm.registry.test", DnsRecordType.A));

        // Assert
        Assert.Equal(DnsResponseCode.NameError, response.ResponseCode);
        Assert.Single(response.Authorities);
    }

    [Fact]
    public void Handle_EmptyNonTerminal_NoData()
    {
        // Act
        var (_, response) = Ask(Options([Profile("web.eu", RoutingMethod.Priority, "192.0.2.1")]), "eu.tm.example.test", DnsRecordType.A);

        // Assert
        Assert.Equal(DnsResponseCode.NoError, response.ResponseCode);
        Assert.Empty(response.Answers);
    }

    [Theory]
    [InlineData(DnsRecordType.AXFR)]
    [InlineData(DnsRecordType.IXFR)]
    public void Handle_ZoneTransfer_Refused(DnsRecordType type)
    {
        // Act
        var (_, response) = Ask(Contract(), "tm.registry.test", type);

        // Assert
        Assert.Equal(DnsResponseCode.Refused, response.ResponseCode);
        Assert.False(response.IsAuthoritative);
    }

    [Fact]
    public void Handle_ChaosClass_Refused()
    {
        // Arrange
        var query = Query("contoso.tm.registry.test", DnsRecordType.TXT);
        query.Questions[0] = query.Questions[0] with { Class = DnsClass.CH };

        // Act
        var (_, response) = Ask(Contract(), query);

        // Assert
        Assert.Equal(DnsResponseCode.Refused, response.ResponseCode);
    }

    [Fact]
    public void Handle_NameOutsideZone_PassedOn()
    {
        // Arrange
        var handler = new TrafficManagerZoneHandler(new RoutingSnapshotHolder(RoutingSnapshot.Build(Contract(), AllOnline)));
        var context = Context(Query("registry.test", DnsRecordType.A));
        new DnsPipeline([], 1232, NullLogger.Instance).Process(context);

        // Act
        var result = handler.Handle(context);

        // Assert
        Assert.Equal(DnsHandlerResult.Continue, result);
        Assert.Equal(-1, handler.MatchApexLength(context.QueryName));
        Assert.Equal(18, handler.MatchApexLength(RoutingSnapshotTests.Wire("a.b.tm.registry.test")));
    }

    [Fact]
    public void Answer_ZoneRenamedAfterThePipelineChoseIt_ServerFailureNotAnEmptyAnswer()
    {
        // Arrange: the pipeline chose this zone for the name; then a reload renamed the zone.
        var holder = new RoutingSnapshotHolder(RoutingSnapshot.Build(Contract(), AllOnline));
        var handler = new TrafficManagerZoneHandler(holder);
        var context = Context(Query("contoso.tm.registry.test", DnsRecordType.A));
        new DnsPipeline([], 1232, NullLogger.Instance).Process(context);
        Assert.True(handler.MatchApexLength(context.QueryName) > 0);
        var renamed = Contract();
        renamed.Zone = "tm.example.test";
        holder.Current = RoutingSnapshot.Build(renamed, AllOnline);

        // Act
        var writer = new DnsResponseWriter(context);
        var code = handler.Answer(ref writer, context, context.QueryName, DnsRecordType.A, out var target);

        // Assert: a resolver would cache an empty NOERROR as NODATA; SERVFAIL makes it ask again.
        Assert.Equal(DnsResponseCode.ServerFailure, code);
        Assert.True(target.IsEmpty);
        Assert.Equal(0, writer.AnswerCount);
    }

    [Fact]
    public void Handle_SnapshotSwapped_NextQuerySeesIt()
    {
        // Arrange
        var holder = new RoutingSnapshotHolder(RoutingSnapshot.Build(Contract(), AllOnline));
        var pipeline = new DnsPipeline([new TrafficManagerZoneHandler(holder)], 1232, NullLogger.Instance);

        // Act
        var first = Answer(pipeline, Query("contoso.tm.registry.test", DnsRecordType.A));
        holder.Update(s => s.WithEndpointStates("contoso", [Degraded, Online, Online]));
        var second = Answer(pipeline, Query("contoso.tm.registry.test", DnsRecordType.A));

        // Assert
        Assert.Equal(IPAddress.Parse("127.0.0.11"), Address(Assert.Single(first.Answers)));
        Assert.Equal(IPAddress.Parse("127.0.0.12"), Address(Assert.Single(second.Answers)));
    }

    [Fact]
    public void Process_StaticZoneCnameIntoProfile_ChainCarriesRoutedAddress()
    {
        // Arrange: the contract's registry.test zone, "contoso CNAME contoso.tm.registry.test." and the zone nested in it.
        var holder = new RoutingSnapshotHolder(RoutingSnapshot.Build(Contract(), AllOnline));
        var handler = new TrafficManagerZoneHandler(holder);
        var errors = new List<string>();
        var zones = ZoneBuilder.Build([RegistryZone()], [], "Dns:Zones", errors);
        Assert.Empty(errors);
        var pipeline = new DnsPipeline([new StaticZones(zones), handler], [], 1232, NullLogger.Instance);

        // Act
        var chained = Answer(pipeline, Query("contoso.registry.test", DnsRecordType.A, ecs: (IPAddress.Parse("10.1.2.0"), 24)));
        var direct = Answer(pipeline, Query("contoso.tm.registry.test", DnsRecordType.A));
        var missing = Answer(pipeline, Query("nothing.tm.registry.test", DnsRecordType.A));

        // Assert
        Assert.Equal([DnsRecordType.CNAME, DnsRecordType.A], chained.Answers.Select(a => a.Type));
        Assert.Equal(IPAddress.Parse("127.0.0.12"), Address(chained.Answers[1]));
        Assert.Equal((byte)16, chained.Edns?.ClientSubnet?.ScopePrefixLength);
        Assert.Equal(IPAddress.Parse("127.0.0.11"), Address(Assert.Single(direct.Answers)));
        Assert.Equal(DnsResponseCode.NameError, missing.ResponseCode);
        Assert.Equal("tm.registry.test.", Assert.Single(missing.Authorities).Name.ToString());
    }

    [Fact]
    public void Process_ProfileCnameIntoStaticZone_ChainCarriesTargetRecords()
    {
        // Arrange: endpoints that are names in the static zone registry.test (one there, one missing from it).
        var options = Contract();
        options.Profiles.Add(Profile("cn", RoutingMethod.Priority, "www.registry.test"));
        options.Profiles.Add(Profile("gone", RoutingMethod.Priority, "nothing.registry.test"));
        var (pipeline, _) = ChainedPipeline(options);

        // Act
        var a = Answer(pipeline, Query("cn.tm.registry.test", DnsRecordType.A));
        var aaaa = Answer(pipeline, Query("cn.tm.registry.test", DnsRecordType.AAAA));
        var cname = Answer(pipeline, Query("cn.tm.registry.test", DnsRecordType.CNAME));
        var missing = Answer(pipeline, Query("gone.tm.registry.test", DnsRecordType.A));

        // Assert
        Assert.Equal([(DnsRecordType.CNAME, "cn.tm.registry.test."), (DnsRecordType.A, "www.registry.test.")],
            a.Answers.Select(r => (r.Type, r.Name.ToString())));
        Assert.Equal(IPAddress.Parse("127.0.0.80"), Address(a.Answers[1]));
        Assert.True(a.IsAuthoritative);
        Assert.Equal([DnsRecordType.CNAME], aaaa.Answers.Select(r => r.Type));
        Assert.Equal("registry.test.", Assert.Single(aaaa.Authorities).Name.ToString()); // NODATA of the target's zone
        Assert.Equal(DnsResponseCode.NoError, aaaa.ResponseCode);
        Assert.Equal([DnsRecordType.CNAME], cname.Answers.Select(r => r.Type));
        Assert.Empty(cname.Authorities);
        Assert.Equal(DnsResponseCode.NameError, missing.ResponseCode); // RFC 6604: the last name's code
        Assert.Equal([DnsRecordType.CNAME], missing.Answers.Select(r => r.Type));
        Assert.Equal("registry.test.", Assert.Single(missing.Authorities).Name.ToString());
    }

    [Fact]
    public void Process_CnameLoopThroughStaticZone_StopsAtMaxChainLength()
    {
        // Arrange: loop.tm.registry.test → loop.registry.test → loop.tm.registry.test → …
        var options = Contract();
        options.Profiles.Add(Profile("loop", RoutingMethod.Priority, "loop.registry.test"));
        var (pipeline, _) = ChainedPipeline(options, new DnsRecordOptions { Name = "loop", Type = "CNAME", Value = "loop.tm.registry.test." });

        // Act
        var fromProfile = Answer(pipeline, Query("loop.tm.registry.test", DnsRecordType.A));
        var fromStatic = Answer(pipeline, Query("loop.registry.test", DnsRecordType.A));

        // Assert
        Assert.Equal(DnsPipeline.MaxChainLength, fromProfile.Answers.Count);
        Assert.Equal(DnsPipeline.MaxChainLength, fromStatic.Answers.Count);
        Assert.All(fromProfile.Answers.Concat(fromStatic.Answers), r => Assert.Equal(DnsRecordType.CNAME, r.Type));
    }

    [Fact]
    public void DnsServerPipeline_SpecificListenAddress_Ns1HasIt()
    {
        // Arrange: the server gives its zones its listen addresses with each query (no socket is bound here).
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var handler = new TrafficManagerZoneHandler(new RoutingSnapshotHolder(RoutingSnapshot.Build(Contract(), AllOnline)));
        var options = new DnsServerOptions { Listen = ["127.0.0.53:5353", "[::1]:5353"], Zones = [RegistryZone()] };
        var server = new DnsServer(options, NullLoggerFactory.Instance, services.GetRequiredService<IMeterFactory>(), TimeProvider.System,
            [handler], "/nonexistent/router-tests/resolv.conf");

        // Act
        var ns = Answer(server.Pipeline, Query("tm.registry.test", DnsRecordType.NS));
        var a = Answer(server.Pipeline, Query("ns1.tm.registry.test", DnsRecordType.A));
        var aaaa = Answer(server.Pipeline, Query("ns1.tm.registry.test", DnsRecordType.AAAA));
        var staticNs1 = Answer(server.Pipeline, Query("ns1.registry.test", DnsRecordType.A));

        // Assert: as the static zones' made-up ns1.
        Assert.Equal("ns1.tm.registry.test.", ((NameRecordData)Assert.Single(ns.Answers).Data).Target.ToString());
        Assert.Equal([IPAddress.Parse("127.0.0.53"), IPAddress.Parse("::1")], ns.Additionals.Select(Address));
        Assert.Equal(IPAddress.Parse("127.0.0.53"), Address(Assert.Single(a.Answers)));
        Assert.Equal(IPAddress.Parse("::1"), Address(Assert.Single(aaaa.Answers)));
        Assert.Equal(DnsResponseCode.NoError, a.ResponseCode);
        Assert.Equal(IPAddress.Parse("127.0.0.53"), Address(Assert.Single(staticNs1.Answers)));
    }

    [Fact]
    public void DnsServerPipeline_WildcardListenOnly_Ns1DoesNotExistAsInStaticZones()
    {
        // Arrange
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var handler = new TrafficManagerZoneHandler(new RoutingSnapshotHolder(RoutingSnapshot.Build(Contract(), AllOnline)));
        var options = new DnsServerOptions { Listen = ["0.0.0.0:5353"], Zones = [RegistryZone()] };
        var server = new DnsServer(options, NullLoggerFactory.Instance, services.GetRequiredService<IMeterFactory>(), TimeProvider.System,
            [handler], "/nonexistent/router-tests/resolv.conf");

        // Act
        var ns = Answer(server.Pipeline, Query("tm.registry.test", DnsRecordType.NS));
        var tmNs1 = Answer(server.Pipeline, Query("ns1.tm.registry.test", DnsRecordType.A));
        var staticNs1 = Answer(server.Pipeline, Query("ns1.registry.test", DnsRecordType.A));

        // Assert
        Assert.Single(ns.Answers);
        Assert.Empty(ns.Additionals);
        Assert.Equal(DnsResponseCode.NameError, tmNs1.ResponseCode);
        Assert.Equal(DnsResponseCode.NameError, staticNs1.ResponseCode);
    }

    [Fact]
    public void DnsServerApply_StaticZonesReplaced_ChainFollowsTheNewZones()
    {
        // Arrange
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var options = Contract();
        options.Profiles.Add(Profile("cn", RoutingMethod.Priority, "www.registry.test"));
        var handler = new TrafficManagerZoneHandler(new RoutingSnapshotHolder(RoutingSnapshot.Build(options, AllOnline)));
        var server = new DnsServer(new DnsServerOptions { Listen = ["127.0.0.1:5353"], Zones = [RegistryZone()] }, NullLoggerFactory.Instance,
            services.GetRequiredService<IMeterFactory>(), TimeProvider.System, [handler], "/nonexistent/router-tests/resolv.conf");
        var before = Answer(server.Pipeline, Query("cn.tm.registry.test", DnsRecordType.A));
        var zone = RegistryZone();
        zone.Records[1].Value = "127.0.0.81";

        // Act: not started, so Apply only records the options; the next pipeline built has the new zones.
        server.Apply(new DnsServerOptions { Listen = ["127.0.0.1:5353"], Zones = [zone] });
        var after = Answer(server.Pipeline, Query("cn.tm.registry.test", DnsRecordType.A));

        // Assert
        Assert.Equal(IPAddress.Parse("127.0.0.80"), Address(before.Answers[1]));
        Assert.Equal(IPAddress.Parse("127.0.0.81"), Address(after.Answers[1]));
    }

    [Fact]
    public void Explain_HandlerAlone_StaticNamesUnknown()
    {
        // Act + Assert: the zone knows no other zone; ZoneChainExplainControl follows the static CNAMEs.
        var handler = new TrafficManagerZoneHandler(new RoutingSnapshotHolder(RoutingSnapshot.Build(Contract(), AllOnline)));
        Assert.Null(handler.Explain("contoso.registry.test", IPAddress.Loopback));
        Assert.Equal("contoso", handler.Explain("contoso", IPAddress.Loopback)?.Profile);
    }

    [Fact]
    public void Explain_DualStack_ByQueryType()
    {
        // Arrange
        var snapshot = RoutingSnapshot.Build(Options([Profile("v6", RoutingMethod.Priority, "2001:db8::7", "192.0.2.1")]), AllOnline);

        // Act
        var a = snapshot.Explain("v6", IPAddress.Loopback)!;
        var aaaa = snapshot.Explain("v6", IPAddress.Loopback, DnsRecordType.AAAA)!;
        var mx = snapshot.Explain("v6", IPAddress.Loopback, DnsRecordType.MX)!;

        // Assert
        Assert.Equal(["A 192.0.2.1"], a.Answer);
        Assert.Equal("lowest priority value among eligible endpoints: e1 (priority 2); A queries are routed among the IPv4 and name targets only", a.Rule);
        Assert.Equal([("e0", false, "cannot answer A (an IPv6 address)"), ("e1", true, "chosen")], a.Candidates.Select(c => (c.Endpoint, c.Eligible, c.Note)));
        Assert.Equal(["AAAA 2001:db8::7"], aaaa.Answer);
        Assert.Empty(mx.Answer); // NODATA, as the DNS answer
        Assert.Equal("lowest priority value among eligible endpoints: e0 (priority 1)", mx.Rule);
    }

    [Fact]
    public void Explain_NoEndpointOfTheFamily_SaysNoData()
    {
        // Act
        var report = RoutingSnapshot.Build(Options([Profile("v6", RoutingMethod.Priority, "2001:db8::7")]), AllOnline).Explain("v6", IPAddress.Loopback)!;

        // Assert
        Assert.Empty(report.Answer);
        Assert.Equal("no enabled endpoint can answer A (IPv4 and name targets): NODATA", report.Rule);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("10.200.0.1")]
    [InlineData("192.0.2.9")]
    public void Explain_SameClient_SameAnswerAndScopeAsDns(string client)
    {
        // Arrange
        var snapshot = RoutingSnapshot.Build(Contract(), States(("eastus", Degraded)));
        var query = Query("contoso.tm.registry.test", DnsRecordType.A, ecs: (IPAddress.Parse(client), 32));

        // Act
        var (_, response) = Ask(snapshot, query);
        var report = snapshot.Explain("contoso", IPAddress.Parse(client))!;

        // Assert
        Assert.Equal(response.Answers.Select(a => $"A {Address(a)}"), report.Answer);
        Assert.Equal(response.Edns!.ClientSubnet!.Value.ScopePrefixLength, report.ScopePrefixLength);
        Assert.Equal(30, report.Ttl);
    }

    [Fact]
    public void Explain_Performance_CandidatesLatenciesAndRule()
    {
        // Arrange
        var snapshot = RoutingSnapshot.Build(Contract(), States(("eastus", Degraded), ("eastasia", Disabled)));

        // Act
        var report = snapshot.Explain("contoso.tm.registry.test.", IPAddress.Parse("127.0.0.9"))!;

        // Assert
        Assert.Equal("contoso", report.Profile);
        Assert.Equal("127.0.0.0/8", report.MatchedNetwork);
        Assert.Equal(["A 127.0.0.12"], report.Answer);
        Assert.Equal(
            [("eastus", false, 10.0, false, "degraded"), ("westeurope", true, 80.0, true, "chosen"), ("eastasia", false, 190.0, false, "disabled")],
            report.Candidates.Select(c => (c.Endpoint, c.Eligible, c.LatencyMs ?? -1, c.Chosen, c.Note)));
        Assert.Equal("lowest latency among eligible endpoints from 127.0.0.0/8: westeurope 80 ms", report.Rule);
        Assert.Equal(8, report.ScopePrefixLength);
    }

    [Fact]
    public void Explain_Weighted_SaysRandomByWeightWithProbabilities()
    {
        // Arrange
        var profile = Profile("w", RoutingMethod.Weighted, "192.0.2.1", "192.0.2.2");
        profile.Endpoints[0].Weight = 1;
        profile.Endpoints[1].Weight = 3;
        var snapshot = RoutingSnapshot.Build(Options([profile]), AllOnline, random: _ => 2);

        // Act
        var report = snapshot.Explain("w", IPAddress.Loopback)!;

        // Assert
        Assert.StartsWith("random by weight among eligible endpoints (e0 weight 1, p=0.25, e1 weight 3, p=0.75)", report.Rule, StringComparison.Ordinal);
        Assert.Equal(["not drawn this time (probability 0.25)", "chosen (random by weight, probability 0.75)"], report.Candidates.Select(c => c.Note));
        Assert.Equal(["A 192.0.2.2"], report.Answer);
    }

    [Fact]
    public void Explain_UnknownName_Null()
    {
        // Act + Assert
        Assert.Null(RoutingSnapshot.Build(Contract(), AllOnline).Explain("fabrikam", IPAddress.Loopback));
        Assert.Null(RoutingSnapshot.Build(Contract(), AllOnline).Explain("contoso.elsewhere.test", IPAddress.Loopback));
    }

    [Fact]
    public void Handle_ThousandQueries_NoAllocation()
    {
        // Arrange: metrics on (no listener), ECS on, a Performance answer.
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new RoutingMetrics(services.GetRequiredService<IMeterFactory>());
        var holder = new RoutingSnapshotHolder(RoutingSnapshot.Build(Contract(), AllOnline));
        var pipeline = new DnsPipeline([new TrafficManagerZoneHandler(holder, metrics)], 1232, NullLogger.Instance);
        var context = Context(Query("contoso.tm.registry.test", DnsRecordType.A, ecs: (IPAddress.Parse("10.1.2.0"), 24)));

        // Act
        var allocated = Allocations.Measure(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                pipeline.Process(context);
            }
        });

        // Assert
        Assert.True(allocated.Bytes == 0, $"allocated {allocated}");
        Assert.Single(Parse(context).Answers);
    }

    [Fact]
    public void Handle_Answer_CountedByProfileAndEndpoint()
    {
        // Arrange
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        var metrics = new RoutingMetrics(meterFactory);
        using var collector = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(
            meterFactory.Create(RoutingMetrics.MeterName), RoutingMetrics.AnswersInstrument);
        var holder = new RoutingSnapshotHolder(RoutingSnapshot.Build(Contract(), AllOnline));
        var pipeline = new DnsPipeline([new TrafficManagerZoneHandler(holder, metrics)], 1232, NullLogger.Instance);

        // Act
        Answer(pipeline, Query("contoso.tm.registry.test", DnsRecordType.A));
        Answer(pipeline, Query("contoso.tm.registry.test", DnsRecordType.A, ecs: (IPAddress.Parse("10.1.2.0"), 24)));
        Answer(pipeline, Query("contoso.tm.registry.test", DnsRecordType.MX));

        // Assert: two answers; the NODATA counts nothing.
        var measurements = collector.GetMeasurementSnapshot();
        Assert.Equal(
            [("contoso", "eastus"), ("contoso", "westeurope")],
            measurements.Select(m => ((string?)m.Tags["profile"], (string?)m.Tags["endpoint"])));
        Assert.All(measurements, m => Assert.Equal(1, m.Value));
    }

    internal static DnsMessage Query(string name, DnsRecordType type, (IPAddress Address, int Length)? ecs = null)
    {
        var message = new DnsMessage { Id = 0x4242, OpCode = DnsOpCode.Query, RecursionDesired = true };
        message.Questions.Add(new DnsQuestion(DnsName.Parse(name + "."), type));
        if (ecs is { } subnet)
        {
            var address = NetworkAddress.FromIPAddress(subnet.Address);
            byte[] option = new byte[4 + (subnet.Length + 7) / 8];
            BinaryPrimitives.WriteUInt16BigEndian(option, address.IsIPv4 ? EdnsClientSubnet.FamilyIPv4 : EdnsClientSubnet.FamilyIPv6);
            option[2] = (byte)subnet.Length;
            Span<byte> bytes = stackalloc byte[16];
            bytes[..address.WriteBytes(bytes)][..(option.Length - 4)].CopyTo(option.AsSpan(4));
            message.Edns = new DnsEdns { UdpPayloadSize = 1232, Options = [new EdnsOption(EdnsClientSubnet.OptionCode, option)] };
        }

        return message;
    }

    private static (DnsRequestContext Context, DnsMessage Response) Ask(TrafficManagerOptions options, string name, DnsRecordType type)
    {
        Assert.Empty(TrafficManagerOptionsValidator.Validate(options));
        return Ask(RoutingSnapshot.Build(options, AllOnline), Query(name, type));
    }

    private static (DnsRequestContext Context, DnsMessage Response) Ask(TrafficManagerOptions options, DnsMessage query) =>
        Ask(RoutingSnapshot.Build(options, AllOnline), query);

    private static (DnsRequestContext Context, DnsMessage Response) Ask(RoutingSnapshot snapshot, DnsMessage query, NetworkAddress? client = null)
    {
        var pipeline = new DnsPipeline([new TrafficManagerZoneHandler(new RoutingSnapshotHolder(snapshot))], 1232, NullLogger.Instance);
        var context = Context(query, client);
        Assert.Equal(DnsHandlerResult.Answered, pipeline.Process(context));
        return (context, Parse(context));
    }

    private static DnsMessage Answer(DnsPipeline pipeline, DnsMessage query)
    {
        var context = Context(query);
        Assert.Equal(DnsHandlerResult.Answered, pipeline.Process(context));
        return Parse(context);
    }

    internal static DnsRequestContext Context(DnsMessage query, NetworkAddress? client = null)
    {
        byte[] packet = query.ToArray();
        var context = new DnsRequestContext();
        packet.CopyTo(context.RequestBuffer, 0);
        context.Reset(packet.Length, DnsTransport.Udp, client ?? Loopback);
        return context;
    }

    internal static DnsMessage Parse(DnsRequestContext context)
    {
        Assert.True(context.ResponseLength > 0, "No response was written.");
        return ArsoftCrossCheck.Parse(context.Response);
    }

    private static IPAddress Address(DnsRecord record) => ((AddressRecordData)record.Data).Address;

    internal static DnsZoneOptions RegistryZone(params DnsRecordOptions[] more) => new()
    {
        Name = "registry.test",
        Ttl = 300,
        Records =
        [
            new DnsRecordOptions { Name = "contoso", Type = "CNAME", Value = "contoso.tm.registry.test." },
            new DnsRecordOptions { Name = "www", Type = "A", Value = "127.0.0.80" },
            .. more,
        ],
    };

    /// <summary>The static zone registry.test and the TM zone nested in it, zones of one pipeline as DnsServer builds it.</summary>
    internal static (DnsPipeline Pipeline, TrafficManagerZoneHandler Handler) ChainedPipeline(TrafficManagerOptions options, params DnsRecordOptions[] more)
    {
        Assert.Empty(TrafficManagerOptionsValidator.Validate(options));
        var handler = new TrafficManagerZoneHandler(new RoutingSnapshotHolder(RoutingSnapshot.Build(options, AllOnline)));
        var errors = new List<string>();
        var zones = ZoneBuilder.Build([RegistryZone(more)], [], "Dns:Zones", errors);
        Assert.Empty(errors);
        return (new DnsPipeline([new StaticZones(zones), handler], [], 1232, NullLogger.Instance), handler);
    }
}
