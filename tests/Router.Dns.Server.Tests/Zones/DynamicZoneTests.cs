using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Router.Dns.Server.Configuration;
using Router.Dns.Server.Pipeline;
using Router.Dns.Server.Tests.Infrastructure;
using Router.Dns.Server.Tests.Pipeline;
using Router.Dns.Server.Zones;
using Router.Testing;

namespace Router.Dns.Server.Tests.Zones;

/// <summary>
/// <see cref="AuthoritativeHandler"/> with an <see cref="IDynamicZone"/> (a zone another handler answers, as the traffic
/// manager's): CNAME chains from the static zones continue into it, and a dynamic zone nested in a static one answers
/// its own names; and the other way (<see cref="IStaticZoneChain"/>, <see cref="IChainedZoneConsumer"/>): a dynamic
/// zone's chains continue in the static zones, and the server tells it its listen addresses.
/// </summary>
public sealed class DynamicZoneTests
{
    private const ushort QR = DnsHeader.QueryResponseFlag;
    private const ushort AA = DnsHeader.AuthoritativeAnswerFlag;
    private const ushort RD = DnsHeader.RecursionDesiredFlag;

    [Fact]
    public void Process_StaticCnameIntoDynamicZone_ChainContinuesWithRoutedRecordAndScope()
    {
        // Arrange
        var dynamicZone = new FakeDynamicZone();
        var pipeline = Pipeline(dynamicZone);
        var query = RawDns.Query("contoso.registry.test", DnsRecordType.A);
        query.Edns = new DnsEdns { UdpPayloadSize = 1232, Options = [new EdnsOption(EdnsClientSubnet.OptionCode, [0, 1, 24, 0, 10, 1, 2])] };
        var context = DnsPipelineTests.Context(query.ToArray());

        // Act
        pipeline.Process(context);

        // Assert: CNAME from the static zone, then the dynamic zone's A for the ECS address, AA, scope echoed.
        DnsPipelineTests.AssertHeader(context, id: 0x2345, flags: QR | AA | RD, counts: (1, 2, 0, 1));
        var response = DnsPipelineTests.Parse(context);
        Assert.Equal([DnsRecordType.CNAME, DnsRecordType.A], response.Answers.Select(a => a.Type));
        Assert.Equal("contoso.tm.registry.test.", response.Answers[1].Name.ToString());
        Assert.Equal(IPAddress.Parse("203.0.113.7"), ((AddressRecordData)response.Answers[1].Data).Address);
        Assert.Equal(IPAddress.Parse("10.1.2.0"), dynamicZone.LastRoutingAddress?.ToIPAddress());
        Assert.Equal((byte)16, response.Edns?.ClientSubnet?.ScopePrefixLength);
        Assert.Equal(AuthoritativeHandler.MaxChainLength - 2, dynamicZone.LastRemainingLinks);
        Assert.Equal(0, dynamicZone.HandleCalls);
    }

    [Fact]
    public void Process_DynamicTargetMissing_NxDomainFromDynamicZone()
    {
        // Arrange
        var pipeline = Pipeline(new FakeDynamicZone());

        // Act
        var context = DnsPipelineTests.Context(RawDns.QueryBytes("gone.registry.test", DnsRecordType.A));
        pipeline.Process(context);

        // Assert: RFC 6604: the code of the last name in the chain.
        DnsPipelineTests.AssertHeader(context, id: 0x2345, flags: QR | AA | RD | (int)DnsResponseCode.NameError, counts: (1, 1, 0, 0));
    }

    [Fact]
    public void Process_NameInDynamicZoneNestedInStaticZone_LeftToTheDynamicHandler()
    {
        // Arrange: tm.registry.test lies inside registry.test; the static zone must not answer NXDOMAIN for it.
        var dynamicZone = new FakeDynamicZone();
        var pipeline = Pipeline(dynamicZone);

        // Act
        var context = DnsPipelineTests.Context(RawDns.QueryBytes("contoso.tm.registry.test", DnsRecordType.A));
        pipeline.Process(context);

        // Assert
        Assert.Equal(1, dynamicZone.HandleCalls);
        DnsPipelineTests.AssertHeader(context, id: 0x2345, flags: QR | AA | RD, counts: (1, 1, 0, 0));
    }

    [Fact]
    public void Process_StaticNameBesideDynamicZone_StillAnsweredByStaticZone()
    {
        // Arrange
        var dynamicZone = new FakeDynamicZone();
        var pipeline = Pipeline(dynamicZone);

        // Act
        var context = DnsPipelineTests.Context(RawDns.QueryBytes("www.registry.test", DnsRecordType.A));
        pipeline.Process(context);

        // Assert
        Assert.Equal(0, dynamicZone.HandleCalls);
        var answer = Assert.Single(DnsPipelineTests.Parse(context).Answers);
        Assert.Equal(IPAddress.Parse("192.0.2.80"), ((AddressRecordData)answer.Data).Address);
    }

    [Fact]
    public void Process_StaticCnameIntoDynamicZone_AllocationFree()
    {
        // Arrange
        var pipeline = Pipeline(new FakeDynamicZone());
        var context = DnsPipelineTests.Context(RawDns.QueryBytes("contoso.registry.test", DnsRecordType.A));
        byte[] request = context.Request.ToArray();

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
        Assert.Equal(request, context.Request.ToArray());
        Assert.Equal(2, DnsPipelineTests.Parse(context).Answers.Count);
    }

    [Fact]
    public async Task DnsServer_ExtraHandlerIsDynamicZone_StaticChainsContinueIntoIt()
    {
        // Arrange: the server builds its AuthoritativeHandler with the extra handlers that are zones.
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var options = TestDnsServer.Options(RegistryZone());
        await using var server = new DnsServer(options, NullLoggerFactory.Instance, services.GetRequiredService<IMeterFactory>(),
            TimeProvider.System, [new FakeDynamicZone()], TestDnsServer.NoResolvConf);
        var context = DnsPipelineTests.Context(RawDns.QueryBytes("contoso.registry.test", DnsRecordType.A));

        // Act
        server.Pipeline.Process(context);

        // Assert
        Assert.Equal([DnsRecordType.CNAME, DnsRecordType.A], DnsPipelineTests.Parse(context).Answers.Select(a => a.Type));
    }

    [Fact]
    public void Process_ClientSubnetSourcePrefixZero_RoutedBySourceAndScopeZero()
    {
        // Arrange: ECS 0.0.0.0/0 from 192.0.2.9: the resolver asks not to use client information (RFC 7871 §7.1.2).
        var dynamicZone = new FakeDynamicZone();
        var pipeline = Pipeline(dynamicZone);
        var query = RawDns.Query("contoso.registry.test", DnsRecordType.A);
        query.Edns = new DnsEdns { UdpPayloadSize = 1232, Options = [new EdnsOption(EdnsClientSubnet.OptionCode, [0, 1, 0, 0])] };
        var context = DnsPipelineTests.Context(query.ToArray(), client: NetworkAddress.FromIPAddress(IPAddress.Parse("192.0.2.9")));

        // Act
        pipeline.Process(context);

        // Assert: the fake sets scope 16, but the echo of a /0 source is /0.
        Assert.Equal(IPAddress.Parse("192.0.2.9"), dynamicZone.LastRoutingAddress?.ToIPAddress());
        var subnet = DnsPipelineTests.Parse(context).Edns?.ClientSubnet;
        Assert.Equal((byte)0, subnet?.SourcePrefixLength);
        Assert.Equal((byte)0, subnet?.ScopePrefixLength);
    }

    [Fact]
    public void TryAnswerChained_StaticName_AnsweredFollowingCnamesWithLastCode()
    {
        // Arrange
        var (authoritative, _) = Authoritative(new FakeDynamicZone());

        // Act
        var www = Chained(authoritative, "www.registry.test", 7, out bool wwwFound, out var wwwCode);
        var missing = Chained(authoritative, "nothing.registry.test", 7, out bool missingFound, out var missingCode);
        var intoDynamic = Chained(authoritative, "contoso.registry.test", 7, out _, out var intoDynamicCode);
        var noLinksLeft = Chained(authoritative, "contoso.registry.test", 0, out _, out _);
        var elsewhere = Chained(authoritative, "www.example.org", 7, out bool elsewhereFound, out _);

        // Assert
        Assert.True(wwwFound);
        Assert.Equal(DnsResponseCode.NoError, wwwCode);
        Assert.Equal(IPAddress.Parse("192.0.2.80"), ((AddressRecordData)Assert.Single(www.Answers).Data).Address);
        Assert.True(missingFound);
        Assert.Equal(DnsResponseCode.NameError, missingCode);
        Assert.Equal("registry.test.", Assert.Single(missing.Authorities).Name.ToString());
        Assert.Equal([DnsRecordType.CNAME, DnsRecordType.A], intoDynamic.Answers.Select(a => a.Type));
        Assert.Equal(DnsResponseCode.NoError, intoDynamicCode);
        Assert.Equal([DnsRecordType.CNAME], noLinksLeft.Answers.Select(a => a.Type));
        Assert.False(elsewhereFound);
        Assert.Empty(elsewhere.Answers);
    }

    [Fact]
    public void FindCname_StaticCname_TargetElseNull()
    {
        // Arrange
        var (authoritative, _) = Authoritative(new FakeDynamicZone());

        // Act + Assert
        Assert.Equal("contoso.tm.registry.test.", authoritative.FindCname(Wire("contoso.registry.test"))?.ToString());
        Assert.Null(authoritative.FindCname(Wire("www.registry.test")));
        Assert.Null(authoritative.FindCname(Wire("nothing.registry.test")));
        Assert.Null(authoritative.FindCname(Wire("contoso.tm.registry.test")));
        Assert.Null(authoritative.FindCname(Wire("www.example.org")));
    }

    [Fact]
    public async Task DnsServer_ExtraHandlerIsChainedZoneConsumer_AttachedWithStaticZonesAndSpecificListenAddresses()
    {
        // Arrange
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var consumer = new FakeConsumer();
        var options = TestDnsServer.Options(RegistryZone());
        options.Listen = ["127.0.0.1:0", "0.0.0.0:0", "[::]:0"];
        await using var server = new DnsServer(options, NullLoggerFactory.Instance, services.GetRequiredService<IMeterFactory>(),
            TimeProvider.System, [consumer], TestDnsServer.NoResolvConf);

        // Act
        var pipeline = server.Pipeline;
        var first = consumer.StaticZones;
        server.Apply(TestDnsServer.Options(RegistryZone()));
        var second = server.Pipeline;

        // Assert: the pipeline's own static zones, the wildcards left out; a rebuilt pipeline attaches again.
        Assert.Same(pipeline.Handlers[0], first);
        Assert.Same(second.Handlers[0], consumer.StaticZones);
        Assert.NotSame(first, consumer.StaticZones);
        Assert.Equal(2, consumer.Attachments);
        Assert.Equal([IPAddress.Loopback], consumer.NameServerAddresses);
    }

    private static DnsMessage Chained(AuthoritativeHandler authoritative, string name, int remainingLinks, out bool found, out DnsResponseCode code)
    {
        var context = DnsPipelineTests.Context(RawDns.QueryBytes("question.example", DnsRecordType.A));
        new DnsPipeline([], 1232, NullLogger.Instance).Process(context);
        var writer = new DnsResponseWriter(context);
        found = authoritative.TryAnswerChained(ref writer, context, Wire(name), DnsRecordType.A, remainingLinks, out code);
        writer.Complete(code, authoritative: true);
        return DnsPipelineTests.Parse(context);
    }

    private static byte[] Wire(string name) => DnsName.Parse(name + ".").ToLowerInvariant().Wire.ToArray();

    private static (AuthoritativeHandler Handler, DnsPipeline Pipeline) Authoritative(FakeDynamicZone dynamicZone)
    {
        var errors = new List<string>();
        var zones = ZoneBuilder.Build([RegistryZone()], [], "Dns:Zones", errors);
        Assert.Empty(errors);
        var authoritative = new AuthoritativeHandler(zones, [dynamicZone]);
        return (authoritative, new DnsPipeline([authoritative, dynamicZone], 1232, NullLogger.Instance));
    }

    private static DnsPipeline Pipeline(FakeDynamicZone dynamicZone)
    {
        var errors = new List<string>();
        var zones = ZoneBuilder.Build([RegistryZone()], [], "Dns:Zones", errors);
        Assert.Empty(errors);
        return new DnsPipeline([new AuthoritativeHandler(zones, [dynamicZone]), dynamicZone], 1232, NullLogger.Instance);
    }

    private static DnsZoneOptions RegistryZone() => new()
    {
        Name = "registry.test",
        Ttl = 300,
        Records =
        [
            TestZones.Record("contoso", "CNAME", "contoso.tm.registry.test."),
            TestZones.Record("gone", "CNAME", "gone.tm.registry.test."),
            TestZones.Record("www", "A", "192.0.2.80"),
        ],
    };

    /// <summary>Records what <see cref="DnsServer"/> attaches.</summary>
    private sealed class FakeConsumer : IDnsHandler, IChainedZoneConsumer
    {
        public string Name => "fake-consumer";

        public IStaticZoneChain? StaticZones { get; private set; }

        public IReadOnlyList<IPAddress> NameServerAddresses { get; private set; } = [];

        public int Attachments { get; private set; }

        public DnsHandlerResult Handle(DnsRequestContext context) => DnsHandlerResult.Continue;

        public void AttachPipeline(IStaticZoneChain staticZones, IReadOnlyList<IPAddress> nameServerAddresses)
        {
            StaticZones = staticZones;
            NameServerAddresses = nameServerAddresses;
            Attachments++;
        }
    }

    /// <summary>
    /// <c>tm.registry.test</c>: <c>contoso</c> answers A 203.0.113.7 with scope 16; every other name is NXDOMAIN (no
    /// SOA: the fake keeps to what the tests look at).
    /// </summary>
    private sealed class FakeDynamicZone : IDnsHandler, IDynamicZone
    {
        private static readonly byte[] Apex = [2, .. "tm"u8, 8, .. "registry"u8, 4, .. "test"u8, 0];
        private static readonly byte[] Contoso = [7, .. "contoso"u8, .. Apex];

        public string Name => "fake-dynamic";

        public int HandleCalls { get; private set; }

        public NetworkAddress? LastRoutingAddress { get; private set; }

        public int LastRemainingLinks { get; private set; }

        public DnsHandlerResult Handle(DnsRequestContext context)
        {
            if (MatchApexLength(context.QueryName) < 0)
            {
                return DnsHandlerResult.Continue;
            }

            HandleCalls++;
            var writer = new DnsResponseWriter(context);
            var code = AnswerChained(ref writer, context, context.QueryName, context.Query.Type, 7);
            writer.Complete(code, authoritative: true);
            return DnsHandlerResult.Answered;
        }

        public int MatchApexLength(ReadOnlySpan<byte> lowercaseName) =>
            lowercaseName.EndsWith(Apex) && (lowercaseName.Length == Apex.Length || IsLabelBoundary(lowercaseName, lowercaseName.Length - Apex.Length))
                ? Apex.Length
                : -1;

        public DnsResponseCode AnswerChained(ref DnsResponseWriter writer, DnsRequestContext context, ReadOnlySpan<byte> lowercaseName,
            DnsRecordType type, int remainingLinks)
        {
            LastRoutingAddress = context.RoutingAddress;
            LastRemainingLinks = remainingLinks;
            if (!lowercaseName.SequenceEqual(Contoso))
            {
                return DnsResponseCode.NameError;
            }

            context.ClientSubnetScope = 16;
            writer.TryAddRecord(DnsSection.Answer, lowercaseName, DnsRecordType.A, 30, [203, 0, 113, 7]);
            return DnsResponseCode.NoError;
        }

        private static bool IsLabelBoundary(ReadOnlySpan<byte> name, int offset)
        {
            int position = 0;
            while (position < offset)
            {
                position += name[position] + 1;
            }

            return position == offset;
        }
    }
}
