using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Router.Dns.Server.Configuration;
using Router.Dns.Server.Pipeline;
using Router.Dns.Server.Tests.Infrastructure;
using Router.Dns.Server.Tests.Pipeline;
using Router.Dns.Server.Zones;

namespace Router.Dns.Server.Tests.Zones;

/// <summary>
/// <see cref="AuthoritativeHandler"/> with an <see cref="IDynamicZone"/> (a zone another handler answers, as the traffic
/// manager's): CNAME chains from the static zones continue into it, and a dynamic zone nested in a static one answers
/// its own names.
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
        pipeline.Process(context);

        // Act
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            pipeline.Process(context);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Assert
        Assert.Equal(0, allocated);
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
