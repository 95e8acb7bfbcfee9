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
/// The pipeline's zones (<see cref="IDnsZone"/>): the static zones and a zone another component answers (as the traffic
/// manager's, faked here as <c>tm.registry.test</c>, nested in the static <c>registry.test</c>). The longest apex holding
/// a name answers it; the pipeline follows CNAME chains from zone to zone in both directions; the rules every zone shares
/// (class, zone transfers) are applied once, before any zone; the server gives the zones its listen addresses.
/// </summary>
public sealed class ZoneChainTests
{
    private const ushort QR = DnsHeader.QueryResponseFlag;
    private const ushort AA = DnsHeader.AuthoritativeAnswerFlag;
    private const ushort RD = DnsHeader.RecursionDesiredFlag;

    [Fact]
    public void Process_StaticCnameIntoOtherZone_ChainContinuesWithRoutedRecordAndScope()
    {
        // Arrange
        var otherZone = new FakeZone();
        var pipeline = Pipeline(otherZone);
        var query = RawDns.Query("contoso.registry.test", DnsRecordType.A);
        query.Edns = new DnsEdns { UdpPayloadSize = 1232, Options = [new EdnsOption(EdnsClientSubnet.OptionCode, [0, 1, 24, 0, 10, 1, 2])] };
        var context = DnsPipelineTests.Context(query.ToArray());

        // Act
        pipeline.Process(context);

        // Assert: CNAME from the static zone, then the other zone's A for the ECS address, AA, scope echoed.
        DnsPipelineTests.AssertHeader(context, id: 0x2345, flags: QR | AA | RD, counts: (1, 2, 0, 1));
        var response = DnsPipelineTests.Parse(context);
        Assert.Equal([DnsRecordType.CNAME, DnsRecordType.A], response.Answers.Select(a => a.Type));
        Assert.Equal("contoso.tm.registry.test.", response.Answers[1].Name.ToString());
        Assert.Equal(IPAddress.Parse("203.0.113.7"), ((AddressRecordData)response.Answers[1].Data).Address);
        Assert.Equal(IPAddress.Parse("10.1.2.0"), otherZone.LastRoutingAddress?.ToIPAddress());
        Assert.Equal((byte)16, response.Edns?.ClientSubnet?.ScopePrefixLength);
        Assert.Equal(1, otherZone.AnswerCalls);
    }

    [Fact]
    public void Process_OtherZoneTargetMissing_NxDomainFromThatZone()
    {
        // Arrange
        var pipeline = Pipeline(new FakeZone());

        // Act
        var context = DnsPipelineTests.Context(RawDns.QueryBytes("gone.registry.test", DnsRecordType.A));
        pipeline.Process(context);

        // Assert: RFC 6604: the code of the last name in the chain.
        DnsPipelineTests.AssertHeader(context, id: 0x2345, flags: QR | AA | RD | (int)DnsResponseCode.NameError, counts: (1, 1, 0, 0));
    }

    [Fact]
    public void Process_OtherZoneCnameIntoStaticZone_ChainCarriesStaticRecordsAndLastCode()
    {
        // Arrange: back.tm → www.registry.test (A), lost.tm → nothing.registry.test (no such name).
        var pipeline = Pipeline(new FakeZone());

        // Act
        var back = Answer(pipeline, "back.tm.registry.test", DnsRecordType.A);
        var lost = Answer(pipeline, "lost.tm.registry.test", DnsRecordType.A);

        // Assert
        Assert.Equal([DnsRecordType.CNAME, DnsRecordType.A], back.Answers.Select(a => a.Type));
        Assert.Equal(IPAddress.Parse("192.0.2.80"), ((AddressRecordData)back.Answers[1].Data).Address);
        Assert.Equal(DnsResponseCode.NoError, back.ResponseCode);
        Assert.Equal([DnsRecordType.CNAME], lost.Answers.Select(a => a.Type));
        Assert.Equal(DnsResponseCode.NameError, lost.ResponseCode);
        Assert.Equal("registry.test.", Assert.Single(lost.Authorities).Name.ToString());
    }

    [Fact]
    public void Process_CnameLoopAcrossZones_StopsAtMaxChainLength()
    {
        // Arrange: loop.registry.test → loop.tm.registry.test → loop.registry.test → …
        var pipeline = Pipeline(new FakeZone());

        // Act
        var fromStatic = Answer(pipeline, "loop.registry.test", DnsRecordType.A);
        var fromOther = Answer(pipeline, "loop.tm.registry.test", DnsRecordType.A);

        // Assert
        Assert.Equal(DnsPipeline.MaxChainLength, fromStatic.Answers.Count);
        Assert.Equal(DnsPipeline.MaxChainLength, fromOther.Answers.Count);
        Assert.All(fromStatic.Answers.Concat(fromOther.Answers), r => Assert.Equal(DnsRecordType.CNAME, r.Type));
        Assert.Equal(DnsResponseCode.NoError, fromStatic.ResponseCode);
    }

    [Fact]
    public void Process_NameInZoneNestedInStaticZone_AnsweredByTheNestedZone()
    {
        // Arrange: tm.registry.test lies inside registry.test; the static zone must not answer NXDOMAIN for it.
        var otherZone = new FakeZone();
        var pipeline = Pipeline(otherZone);

        // Act
        var context = DnsPipelineTests.Context(RawDns.QueryBytes("contoso.tm.registry.test", DnsRecordType.A));
        pipeline.Process(context);

        // Assert
        Assert.Equal(1, otherZone.AnswerCalls);
        DnsPipelineTests.AssertHeader(context, id: 0x2345, flags: QR | AA | RD, counts: (1, 1, 0, 0));
    }

    [Fact]
    public void Process_StaticNameBesideOtherZone_StillAnsweredByStaticZone()
    {
        // Arrange
        var otherZone = new FakeZone();
        var pipeline = Pipeline(otherZone);

        // Act
        var response = Answer(pipeline, "www.registry.test", DnsRecordType.A);

        // Assert
        Assert.Equal(0, otherZone.AnswerCalls);
        Assert.Equal(IPAddress.Parse("192.0.2.80"), ((AddressRecordData)Assert.Single(response.Answers).Data).Address);
    }

    [Fact]
    public void Process_ZonesWithTheSameApex_TheEarlierAnswers()
    {
        // Arrange: a static zone tm.registry.test given before the other zone of the same apex.
        var otherZone = new FakeZone();
        var errors = new List<string>();
        var zones = ZoneBuilder.Build([new DnsZoneOptions { Name = "tm.registry.test", Records = [TestZones.Record("contoso", "A", "192.0.2.9")] }],
            [], "Dns:Zones", errors);
        Assert.Empty(errors);
        var pipeline = new DnsPipeline([new StaticZones(zones), otherZone], [], 1232, NullLogger.Instance);

        // Act
        var response = Answer(pipeline, "contoso.tm.registry.test", DnsRecordType.A);

        // Assert
        Assert.Equal(0, otherZone.AnswerCalls);
        Assert.Equal(IPAddress.Parse("192.0.2.9"), ((AddressRecordData)Assert.Single(response.Answers).Data).Address);
    }

    [Theory]
    [InlineData("www.registry.test", DnsRecordType.AXFR)]
    [InlineData("contoso.tm.registry.test", DnsRecordType.IXFR)]
    public void Process_ZoneTransferOfAnyZone_RefusedBeforeTheZoneIsAsked(string name, DnsRecordType type)
    {
        // Arrange
        var otherZone = new FakeZone();
        var pipeline = Pipeline(otherZone);

        // Act
        var response = Answer(pipeline, name, type);

        // Assert: RFC 5936 §4.2; the zone never sees the query.
        Assert.Equal(DnsResponseCode.Refused, response.ResponseCode);
        Assert.False(response.IsAuthoritative);
        Assert.Equal(0, otherZone.AnswerCalls);
    }

    [Theory]
    [InlineData("www.registry.test")]
    [InlineData("contoso.tm.registry.test")]
    public void Process_ChaosClassInAnyZone_RefusedBeforeTheZoneIsAsked(string name)
    {
        // Arrange
        var otherZone = new FakeZone();
        var pipeline = Pipeline(otherZone);
        var query = RawDns.Query(name, DnsRecordType.TXT);
        query.Questions[0] = query.Questions[0] with { Class = DnsClass.CH };
        var context = DnsPipelineTests.Context(query.ToArray());

        // Act
        pipeline.Process(context);

        // Assert
        DnsPipelineTests.AssertHeader(context, id: 0x2345, flags: QR | RD | (int)DnsResponseCode.Refused, counts: (1, 0, 0, 0));
        Assert.Equal(0, otherZone.AnswerCalls);
    }

    [Fact]
    public void Process_ChaosClassOutsideEveryZone_LeftToTheHandlers()
    {
        // Arrange: the zones' rules are not the handlers' (forwarding passes other classes upstream).
        var handler = new RecordingHandler();
        var errors = new List<string>();
        var zones = ZoneBuilder.Build([RegistryZone()], [], "Dns:Zones", errors);
        var pipeline = new DnsPipeline([new StaticZones(zones), new FakeZone()], [handler], 1232, NullLogger.Instance);
        var query = RawDns.Query("version.bind", DnsRecordType.TXT);
        query.Questions[0] = query.Questions[0] with { Class = DnsClass.CH };

        // Act
        var result = pipeline.Process(DnsPipelineTests.Context(query.ToArray()));

        // Assert
        Assert.Equal(DnsHandlerResult.Drop, result);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public void Process_StaticCnameIntoOtherZone_AllocationFree()
    {
        // Arrange
        var pipeline = Pipeline(new FakeZone());
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
    public void Process_ClientSubnetSourcePrefixZero_RoutedBySourceAndScopeZero()
    {
        // Arrange: ECS 0.0.0.0/0 from 192.0.2.9: the resolver asks not to use client information (RFC 7871 §7.1.2).
        var otherZone = new FakeZone();
        var pipeline = Pipeline(otherZone);
        var query = RawDns.Query("contoso.registry.test", DnsRecordType.A);
        query.Edns = new DnsEdns { UdpPayloadSize = 1232, Options = [new EdnsOption(EdnsClientSubnet.OptionCode, [0, 1, 0, 0])] };
        var context = DnsPipelineTests.Context(query.ToArray(), client: NetworkAddress.FromIPAddress(IPAddress.Parse("192.0.2.9")));

        // Act
        pipeline.Process(context);

        // Assert: the fake sets scope 16, but the echo of a /0 source is /0.
        Assert.Equal(IPAddress.Parse("192.0.2.9"), otherZone.LastRoutingAddress?.ToIPAddress());
        var subnet = DnsPipelineTests.Parse(context).Edns?.ClientSubnet;
        Assert.Equal((byte)0, subnet?.SourcePrefixLength);
        Assert.Equal((byte)0, subnet?.ScopePrefixLength);
    }

    [Fact]
    public void Answer_StaticZones_OneNameAtATimeWithTheCnameTargetToFollow()
    {
        // Arrange
        var zones = new StaticZones(Build(RegistryZone()));

        // Act
        var www = ZoneAnswer(zones, "www.registry.test", DnsRecordType.A, out string? wwwTarget, out var wwwCode);
        var missing = ZoneAnswer(zones, "nothing.registry.test", DnsRecordType.A, out string? missingTarget, out var missingCode);
        var contoso = ZoneAnswer(zones, "contoso.registry.test", DnsRecordType.A, out string? contosoTarget, out var contosoCode);
        var cnameAsked = ZoneAnswer(zones, "contoso.registry.test", DnsRecordType.CNAME, out string? cnameAskedTarget, out _);

        // Assert
        Assert.Equal((DnsResponseCode.NoError, null), (wwwCode, wwwTarget));
        Assert.Equal(IPAddress.Parse("192.0.2.80"), ((AddressRecordData)Assert.Single(www.Answers).Data).Address);
        Assert.Equal((DnsResponseCode.NameError, null), (missingCode, missingTarget));
        Assert.Equal("registry.test.", Assert.Single(missing.Authorities).Name.ToString());
        Assert.Equal((DnsResponseCode.NoError, "contoso.tm.registry.test."), (contosoCode, contosoTarget));
        Assert.Equal([DnsRecordType.CNAME], contoso.Answers.Select(a => a.Type));
        Assert.Null(cnameAskedTarget);
        Assert.Equal([DnsRecordType.CNAME], cnameAsked.Answers.Select(a => a.Type));
        Assert.Equal(15, zones.MatchApexLength(Wire("a.b.registry.test")));
        Assert.Equal(-1, zones.MatchApexLength(Wire("www.example.org")));
    }

    [Fact]
    public void FindCname_FixedCnameOfTheZoneHoldingTheName_ElseNull()
    {
        // Arrange
        var pipeline = Pipeline(new FakeZone());

        // Act + Assert: the static CNAME; a name of the nested zone is that zone's to say (the fake has no fixed CNAMEs).
        Assert.Equal("contoso.tm.registry.test.", pipeline.FindCname(Wire("contoso.registry.test"))?.ToString());
        Assert.Null(pipeline.FindCname(Wire("www.registry.test")));
        Assert.Null(pipeline.FindCname(Wire("nothing.registry.test")));
        Assert.Null(pipeline.FindCname(Wire("back.tm.registry.test")));
        Assert.Null(pipeline.FindCname(Wire("www.example.org")));
    }

    [Fact]
    public async Task DnsServer_ExtraHandlerIsZone_StaticChainsContinueIntoIt()
    {
        // Arrange: the server puts the extra handlers that are zones beside its static zones.
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var options = TestDnsServer.Options(RegistryZone());
        await using var server = new DnsServer(options, NullLoggerFactory.Instance, services.GetRequiredService<IMeterFactory>(),
            TimeProvider.System, [new FakeZone()], TestDnsServer.NoResolvConf);
        var context = DnsPipelineTests.Context(RawDns.QueryBytes("contoso.registry.test", DnsRecordType.A));

        // Act
        server.Pipeline.Process(context);

        // Assert
        Assert.Equal([DnsRecordType.CNAME, DnsRecordType.A], DnsPipelineTests.Parse(context).Answers.Select(a => a.Type));
        Assert.IsType<StaticZones>(server.Pipeline.Zones[0]);
        Assert.IsType<FakeZone>(server.Pipeline.Zones[1]);
        Assert.DoesNotContain(server.Pipeline.Handlers, h => h is IDnsZone);
    }

    [Fact]
    public async Task DnsServer_SpecificListenAddresses_GivenToTheZonesWithEachQuery()
    {
        // Arrange
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var zone = new FakeZone();
        var options = TestDnsServer.Options(RegistryZone());
        options.Listen = ["127.0.0.1:0", "0.0.0.0:0", "[::]:0"];
        await using var server = new DnsServer(options, NullLoggerFactory.Instance, services.GetRequiredService<IMeterFactory>(),
            TimeProvider.System, [zone], TestDnsServer.NoResolvConf);

        // Act
        server.Pipeline.Process(DnsPipelineTests.Context(RawDns.QueryBytes("contoso.tm.registry.test", DnsRecordType.A)));
        var first = zone.LastNameServers;
        server.Apply(TestDnsServer.Options(RegistryZone()));
        server.Pipeline.Process(DnsPipelineTests.Context(RawDns.QueryBytes("contoso.tm.registry.test", DnsRecordType.A)));

        // Assert: the wildcards left out; a rebuilt pipeline gives them too.
        Assert.NotNull(first);
        var record = Assert.Single(first.Records.ToArray());
        Assert.Equal(DnsRecordType.A, record.Type);
        Assert.Equal([127, 0, 0, 1], record.Rdata);
        Assert.Equal(1, zone.LastNameServers?.Records.Length);
        Assert.Null(Processed(new DnsPipeline([zone], [], 1232, NullLogger.Instance), zone));
    }

    [Fact]
    public void NameServerGlue_WildcardsDuplicatesAndMappedAddresses_Normalized()
    {
        // Act
        var glue = new NameServerGlue([IPAddress.Parse("::ffff:192.0.2.1"), IPAddress.Any, IPAddress.Parse("192.0.2.1"), IPAddress.IPv6Any,
            IPAddress.Parse("2001:db8::1")]);

        // Assert
        Assert.Equal([DnsRecordType.A, DnsRecordType.AAAA], glue.Records.ToArray().Select(r => r.Type));
        Assert.Equal([192, 0, 2, 1], glue.Records[0].Rdata);
        Assert.Equal(16, glue.Records[1].Rdata.Length);
        Assert.Equal(0, NameServerGlue.Empty.Records.Length);
    }

    private static NameServerGlue? Processed(DnsPipeline pipeline, FakeZone zone)
    {
        pipeline.Process(DnsPipelineTests.Context(RawDns.QueryBytes("contoso.tm.registry.test", DnsRecordType.A)));
        return zone.LastNameServers;
    }

    private static DnsMessage Answer(DnsPipeline pipeline, string name, DnsRecordType type)
    {
        var context = DnsPipelineTests.Context(RawDns.QueryBytes(name, type));
        Assert.Equal(DnsHandlerResult.Answered, pipeline.Process(context));
        return DnsPipelineTests.Parse(context);
    }

    private static DnsMessage ZoneAnswer(StaticZones zones, string name, DnsRecordType type, out string? target, out DnsResponseCode code)
    {
        var context = DnsPipelineTests.Context(RawDns.QueryBytes("question.example", DnsRecordType.A));
        new DnsPipeline([], 1232, NullLogger.Instance).Process(context);
        var writer = new DnsResponseWriter(context);
        code = zones.Answer(ref writer, context, Wire(name), type, out var cnameTarget);
        target = cnameTarget.IsEmpty ? null : (DnsName.TryFromWire(cnameTarget, out var parsed) ? parsed.ToString() : "?");
        writer.Complete(code, authoritative: true);
        return DnsPipelineTests.Parse(context);
    }

    private static byte[] Wire(string name) => DnsName.Parse(name + ".").ToLowerInvariant().Wire.ToArray();

    private static ZoneSet Build(DnsZoneOptions zone)
    {
        var errors = new List<string>();
        var zones = ZoneBuilder.Build([zone], [], "Dns:Zones", errors);
        Assert.Empty(errors);
        return zones;
    }

    private static DnsPipeline Pipeline(FakeZone otherZone) =>
        new([new StaticZones(Build(RegistryZone()))], [otherZone], 1232, NullLogger.Instance);

    private static DnsZoneOptions RegistryZone() => new()
    {
        Name = "registry.test",
        Ttl = 300,
        Records =
        [
            TestZones.Record("contoso", "CNAME", "contoso.tm.registry.test."),
            TestZones.Record("gone", "CNAME", "gone.tm.registry.test."),
            TestZones.Record("loop", "CNAME", "loop.tm.registry.test."),
            TestZones.Record("www", "A", "192.0.2.80"),
        ],
    };

    /// <summary>Passes every query on and counts them.</summary>
    private sealed class RecordingHandler : IDnsHandler
    {
        public string Name => "recording";

        public int Calls { get; private set; }

        public DnsHandlerResult Handle(DnsRequestContext context)
        {
            Calls++;
            return DnsHandlerResult.Drop;
        }
    }

    /// <summary>
    /// <c>tm.registry.test</c>, given to the pipeline as a handler as hosts do: <c>contoso</c> answers A 203.0.113.7
    /// with scope 16; <c>back</c> is a CNAME to www.registry.test, <c>lost</c> to nothing.registry.test, <c>loop</c> to
    /// loop.registry.test; every other name is NXDOMAIN (no SOA: the fake keeps to what the tests look at).
    /// </summary>
    private sealed class FakeZone : IDnsHandler, IDnsZone
    {
        private static readonly byte[] Apex = [2, .. "tm"u8, 8, .. "registry"u8, 4, .. "test"u8, 0];
        private static readonly byte[] Contoso = [7, .. "contoso"u8, .. Apex];
        private static readonly byte[] Back = [4, .. "back"u8, .. Apex];
        private static readonly byte[] Lost = [4, .. "lost"u8, .. Apex];
        private static readonly byte[] Loop = [4, .. "loop"u8, .. Apex];
        private static readonly byte[] Www = [3, .. "www"u8, 8, .. "registry"u8, 4, .. "test"u8, 0];
        private static readonly byte[] Nothing = [7, .. "nothing"u8, 8, .. "registry"u8, 4, .. "test"u8, 0];
        private static readonly byte[] LoopStatic = [4, .. "loop"u8, 8, .. "registry"u8, 4, .. "test"u8, 0];

        public string Name => "fake-zone";

        public int AnswerCalls { get; private set; }

        public NetworkAddress? LastRoutingAddress { get; private set; }

        public NameServerGlue? LastNameServers { get; private set; }

        public DnsHandlerResult Handle(DnsRequestContext context) => DnsPipeline.AnswerFromZone(context, this);

        public int MatchApexLength(ReadOnlySpan<byte> lowercaseName) =>
            lowercaseName.EndsWith(Apex) && (lowercaseName.Length == Apex.Length || IsLabelBoundary(lowercaseName, lowercaseName.Length - Apex.Length))
                ? Apex.Length
                : -1;

        public DnsResponseCode Answer(scoped ref DnsResponseWriter writer, DnsRequestContext context, ReadOnlySpan<byte> lowercaseName,
            DnsRecordType type, out ReadOnlySpan<byte> cnameTarget)
        {
            AnswerCalls++;
            LastRoutingAddress = context.RoutingAddress;
            LastNameServers = context.NameServers;
            cnameTarget = default;
            if (lowercaseName.SequenceEqual(Contoso))
            {
                context.ClientSubnetScope = 16;
                writer.TryAddRecord(DnsSection.Answer, lowercaseName, DnsRecordType.A, 30, [203, 0, 113, 7]);
                return DnsResponseCode.NoError;
            }

            byte[]? target = lowercaseName.SequenceEqual(Back) ? Www
                : lowercaseName.SequenceEqual(Lost) ? Nothing
                : lowercaseName.SequenceEqual(Loop) ? LoopStatic
                : null;
            if (target is null)
            {
                return DnsResponseCode.NameError;
            }

            writer.TryAddRecord(DnsSection.Answer, lowercaseName, DnsRecordType.CNAME, 30, target, rdataIsName: true);
            cnameTarget = target;
            return DnsResponseCode.NoError;
        }

        public DnsName? FindCname(ReadOnlySpan<byte> lowercaseName) => null;

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
