using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Router.Dns.Server.Configuration;
using Router.Dns.Server.Pipeline;
using Router.Dns.Server.Tests.Infrastructure;
using Router.Dns.Server.Zones;
using Router.Testing;
using Router.Testing.Dns;

namespace Router.Dns.Server.Tests.Pipeline;

/// <summary>
/// <see cref="DnsPipeline"/> with <see cref="StaticZones"/>, no sockets: a <see cref="DnsRequestContext"/>
/// is filled directly and the response checked header bit by header bit (RFC 1035 §4.1.1).
/// </summary>
public sealed class DnsPipelineTests
{
    private const ushort QR = DnsHeader.QueryResponseFlag;
    private const ushort AA = DnsHeader.AuthoritativeAnswerFlag;
    private const ushort TC = DnsHeader.TruncationFlag;
    private const ushort RD = DnsHeader.RecursionDesiredFlag;
    private const ushort CD = DnsHeader.CheckingDisabledFlag;

    private static readonly NetworkAddress Loopback = NetworkAddress.FromIPAddress(IPAddress.Loopback);

    private readonly DnsPipeline _pipeline = Pipeline();

    [Fact]
    public void Process_ApexlessQueryForKnownName_ByteExactResponse()
    {
        // Arrange: ID 0x1234, no flags, one question www.example.test IN A (RFC 1035 §4.1.1-§4.1.2).
        byte[] query =
        [
            0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0, 0x00, 0x01, 0x00, 0x01,
        ];
        var context = Context(query);

        // Act
        var result = _pipeline.Process(context);

        // Assert: QR AA, NOERROR, 1/1/0/0; the question as sent; the answer's owner a pointer to offset 12 (§4.1.4).
        byte[] expected =
        [
            0x12, 0x34, 0x84, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
            3, .. "www"u8, 7, .. "example"u8, 4, .. "test"u8, 0, 0x00, 0x01, 0x00, 0x01,
            0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2C, 0x00, 0x04, 192, 0, 2, 1,
        ];
        Assert.Equal(DnsHandlerResult.Answered, result);
        Assert.Equal(expected, context.Response.ToArray());
    }

    [Fact]
    public void Process_UnknownName_NxDomainAuthoritativeWithSoa()
    {
        // Act
        var context = Run(RawDns.QueryBytes("nope.example.test", DnsRecordType.A, id: 7));

        // Assert
        AssertHeader(context, id: 7, flags: QR | AA | RD | (int)DnsResponseCode.NameError, counts: (1, 0, 1, 0));
        var soa = Assert.Single(Parse(context).Authorities);
        Assert.Equal((DnsRecordType.SOA, 300u), (soa.Type, soa.Ttl));
        Assert.Equal("example.test.", soa.Name.ToString());
    }

    [Fact]
    public void Process_KnownNameOtherType_NoDataAuthoritativeWithSoa()
    {
        // Act
        var context = Run(RawDns.QueryBytes("www.example.test", DnsRecordType.MX));

        // Assert
        AssertHeader(context, id: 0x2345, flags: QR | AA | RD, counts: (1, 0, 1, 0));
    }

    [Fact]
    public void Process_EmptyNonTerminal_NoDataNotNxDomain()
    {
        // Act
        var context = Run(RawDns.QueryBytes("b.example.test", DnsRecordType.A));

        // Assert
        AssertHeader(context, id: 0x2345, flags: QR | AA | RD, counts: (1, 0, 1, 0));
    }

    [Fact]
    public void Process_CnameChainAcrossZones_AllLinksAndTarget()
    {
        // Act
        var context = Run(RawDns.QueryBytes("cross.example.test", DnsRecordType.A));

        // Assert
        AssertHeader(context, id: 0x2345, flags: QR | AA | RD, counts: (1, 2, 0, 0));
        var answers = Parse(context).Answers;
        Assert.Equal([DnsRecordType.CNAME, DnsRecordType.A], answers.Select(a => a.Type));
        Assert.Equal("host.other.test.", answers[1].Name.ToString());
    }

    [Fact]
    public void Process_CnameLoop_StopsAfterMaxChainLength()
    {
        // Act
        var context = Run(RawDns.QueryBytes("loop1.example.test", DnsRecordType.A));

        // Assert
        AssertHeader(context, id: 0x2345, flags: QR | AA | RD, counts: (1, DnsPipeline.MaxChainLength, 0, 0));
    }

    [Fact]
    public void Process_NameOutsideZones_RefusedNotAuthoritative()
    {
        // Act
        var context = Run(RawDns.QueryBytes("www.outside.invalid", DnsRecordType.A));

        // Assert
        AssertHeader(context, id: 0x2345, flags: QR | RD | (int)DnsResponseCode.Refused, counts: (1, 0, 0, 0));
    }

    [Theory]
    [InlineData(DnsRecordType.AXFR)]
    [InlineData(DnsRecordType.IXFR)]
    public void Process_ZoneTransfer_Refused(DnsRecordType type)
    {
        // Act
        var context = Run(RawDns.QueryBytes("example.test", type), DnsTransport.Tcp);

        // Assert
        AssertHeader(context, id: 0x2345, flags: QR | RD | (int)DnsResponseCode.Refused, counts: (1, 0, 0, 0));
    }

    [Fact]
    public void Process_ClassChaos_Refused()
    {
        // Arrange
        var query = RawDns.Query("www.example.test", DnsRecordType.TXT);
        query.Questions[0] = query.Questions[0] with { Class = DnsClass.CH };

        // Act
        var context = Run(query.ToArray());

        // Assert
        AssertHeader(context, id: 0x2345, flags: QR | RD | (int)DnsResponseCode.Refused, counts: (1, 0, 0, 0));
    }

    [Theory]
    [InlineData(DnsOpCode.Notify)]
    [InlineData(DnsOpCode.Update)]
    [InlineData(DnsOpCode.Status)]
    [InlineData(DnsOpCode.InverseQuery)]
    public void Process_UnimplementedOpCode_NotImpWithOpCodeKeptAndNoQuestion(DnsOpCode opCode)
    {
        // Arrange
        var query = RawDns.Query("example.test", DnsRecordType.SOA, recursionDesired: false);
        query.OpCode = opCode;

        // Act
        var context = Run(query.ToArray());

        // Assert (RFC 1035 §4.1.1, RFC 6895 §2: the opcode is kept; nothing of the message is echoed)
        AssertHeader(context, id: 0x2345, flags: QR | (int)opCode << 11 | (int)DnsResponseCode.NotImplemented, counts: (0, 0, 0, 0));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(15)]
    public void Process_UnimplementedOpCodeHeaderOnly_NotImpNotFormErr(int opCode)
    {
        // Arrange: QDCOUNT 0 and nothing after the header; every query flag set, so only RD may come back.
        ushort flags = (ushort)(opCode << 11 | DnsHeader.AuthoritativeAnswerFlag | DnsHeader.TruncationFlag
            | DnsHeader.RecursionDesiredFlag | DnsHeader.RecursionAvailableFlag | DnsHeader.AuthenticDataFlag
            | DnsHeader.CheckingDisabledFlag | 0x0040);
        byte[] packet = [0x12, 0x34, (byte)(flags >> 8), (byte)flags, 0, 0, 0, 0, 0, 0, 0, 0];

        // Act
        var context = Run(packet);

        // Assert
        AssertHeader(context, id: 0x1234, flags: QR | opCode << 11 | RD | (int)DnsResponseCode.NotImplemented, counts: (0, 0, 0, 0));
    }

    [Fact]
    public void Process_UnimplementedOpCodeWithEdns_NotImpWithOpt()
    {
        // Arrange
        var query = RawDns.Query("example.test", DnsRecordType.SOA);
        query.OpCode = DnsOpCode.Notify;
        query.CheckingDisabled = true;
        query.Edns = new DnsEdns { UdpPayloadSize = 4096, DnssecOk = true };

        // Act
        var context = Run(query.ToArray());

        // Assert: RD copied, CD not; an OPT answers the query's OPT (RFC 6891 §6.1.1).
        AssertHeader(context, id: 0x2345, flags: QR | (int)DnsOpCode.Notify << 11 | RD | (int)DnsResponseCode.NotImplemented,
            counts: (0, 0, 0, 1));
        Assert.NotNull(Parse(context).Edns);
    }

    [Fact]
    public void Process_UnimplementedOpCodeInAResponse_Dropped()
    {
        // Arrange: QR set: a response is never answered, whatever its opcode.
        byte[] packet = [0x12, 0x34, 0x80 | 4 << 3, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];

        // Act
        var result = Pipeline().Process(Context(packet));

        // Assert
        Assert.Equal(DnsHandlerResult.Drop, result);
    }

    [Fact]
    public void Process_EdnsVersion1_BadVersWithOptVersion0()
    {
        // Arrange
        var query = RawDns.Query("www.example.test", DnsRecordType.A);
        query.Edns = new DnsEdns { UdpPayloadSize = 1232, Version = 1 };

        // Act
        var context = Run(query.ToArray());

        // Assert: the low 4 bits of BADVERS (16) are 0 in the header; the upper 8 travel in OPT (RFC 6891 §6.1.3).
        AssertHeader(context, id: 0x2345, flags: QR | RD, counts: (1, 0, 0, 1));
        var response = Parse(context);
        Assert.Equal(DnsResponseCode.BadVersion, response.ResponseCode);
        Assert.NotNull(response.Edns);
        Assert.Equal((0, 1232), (response.Edns.Version, response.Edns.UdpPayloadSize));
    }

    [Fact]
    public void Process_DnssecOkAndCheckingDisabled_EchoedInResponse()
    {
        // Arrange
        var query = RawDns.Query("www.example.test", DnsRecordType.A);
        query.CheckingDisabled = true;
        query.Edns = new DnsEdns { UdpPayloadSize = 1232, DnssecOk = true };

        // Act
        var context = Run(query.ToArray());

        // Assert (RFC 3225 §3: DO copied; RFC 4035 §3.1.6: CD copied)
        AssertHeader(context, id: 0x2345, flags: QR | AA | RD | CD, counts: (1, 1, 0, 1));
        Assert.True(Parse(context).Edns!.DnssecOk);
    }

    public static TheoryData<string, byte[]> FormErrQueries => new()
    {
        { "two questions", TwoQuestions() },
        { "trailing octets", [.. RawDns.QueryBytes("www.example.test", DnsRecordType.A), 0] },
        { "OPT in the answer section", OptInAnswerSection() },
        { "question name with a forward pointer", [0x23, 0x45, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 0x20, 0, 1, 0, 1] },
    };

    [Theory]
    [MemberData(nameof(FormErrQueries))]
    public void Process_MalformedQueryWithHeader_FormErrWithoutQuestion(string description, byte[] packet)
    {
        // Act
        var context = Run(packet);

        // Assert
        Assert.True(context.ResponseLength > 0, description);
        AssertHeader(context, id: 0x2345, flags: QR | RD | (int)DnsResponseCode.FormatError, counts: (0, 0, 0, 0));
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x23, 0x45, 0x01, 0x00, 0x00 })]
    [InlineData(new byte[] { 0x23, 0x45, 0x81, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 })]
    public void Process_NoHeaderOrResponseBitSet_Dropped(byte[] packet)
    {
        // Arrange
        var context = Context(packet);

        // Act
        var result = _pipeline.Process(context);

        // Assert
        Assert.Equal(DnsHandlerResult.Drop, result);
        Assert.Equal(0, context.ResponseLength);
    }

    [Theory]
    [InlineData(false, 0, DnsTransport.Udp, 512)]
    [InlineData(true, 100, DnsTransport.Udp, 512)]
    [InlineData(true, 800, DnsTransport.Udp, 800)]
    [InlineData(true, 4096, DnsTransport.Udp, 1232)]
    [InlineData(false, 0, DnsTransport.Tcp, 65535)]
    [InlineData(true, 4096, DnsTransport.Tcp, 65535)]
    public void Process_ClientLimits_MaxResponseLengthFollowsEdnsTransportAndServerMaximum(bool edns, int payload, DnsTransport transport, int expected)
    {
        // Arrange
        var query = RawDns.Query("www.example.test", DnsRecordType.A);
        query.Edns = edns ? new DnsEdns { UdpPayloadSize = (ushort)payload } : null;

        // Act
        var context = Run(query.ToArray(), transport);

        // Assert
        Assert.Equal(expected, context.MaxResponseLength);
        Assert.Equal(1232, context.AdvertisedPayloadSize);
    }

    [Fact]
    public void Process_LargeRRsetOverUdpWithoutEdns_TruncatedToQuestionWithTc()
    {
        // Act
        var context = Run(RawDns.QueryBytes("big.example.test", DnsRecordType.A));

        // Assert (RFC 2181 §9)
        AssertHeader(context, id: 0x2345, flags: QR | AA | TC | RD, counts: (1, 0, 0, 0));
        Assert.InRange(context.ResponseLength, 12, 512);
    }

    [Fact]
    public void Process_LargeRRsetOverUdpWithEdns4096_TruncatedAt1232KeepingOpt()
    {
        // Arrange
        var query = RawDns.Query("big.example.test", DnsRecordType.A);
        query.Edns = new DnsEdns { UdpPayloadSize = 4096 };

        // Act
        var context = Run(query.ToArray());

        // Assert
        AssertHeader(context, id: 0x2345, flags: QR | AA | TC | RD, counts: (1, 0, 0, 1));
        Assert.InRange(context.ResponseLength, 12, 1232);
    }

    [Fact]
    public void Process_LargeRRsetOverTcp_EveryRecord()
    {
        // Act
        var context = Run(RawDns.QueryBytes("big.example.test", DnsRecordType.A), DnsTransport.Tcp);

        // Assert
        AssertHeader(context, id: 0x2345, flags: QR | AA | RD, counts: (1, TestZones.BigRRsetSize, 0, 0));
    }

    [Fact]
    public void Process_MixedCaseQuestion_QuestionEchoedAsSent()
    {
        // Act
        var context = Run(RawDns.QueryBytes("WwW.eXaMpLe.TeSt", DnsRecordType.A));

        // Assert
        var response = Parse(context);
        Assert.Equal("WwW.eXaMpLe.TeSt.", response.Questions[0].Name.ToString());
        Assert.Single(response.Answers);
    }

    [Fact]
    public void Process_ExtraHandlerRoutesByClientSubnet_ScopeEchoed()
    {
        // Arrange: a handler after the zones that answers by the client's subnet and says the answer is valid for /24.
        var routing = new SubnetHandler();
        var pipeline = Pipeline(routing);
        var query = RawDns.Query("routed.invalid", DnsRecordType.A);
        query.Edns = new DnsEdns { UdpPayloadSize = 1232, Options = [new EdnsOption(EdnsClientSubnet.OptionCode, [0, 1, 24, 0, 198, 51, 100])] };
        var zoneQuery = RawDns.Query("www.example.test", DnsRecordType.A);

        // Act
        var context = Context(query.ToArray());
        var result = pipeline.Process(context);
        var zoneContext = Context(zoneQuery.ToArray());
        pipeline.Process(zoneContext);

        // Assert
        Assert.Equal(DnsHandlerResult.Answered, result);
        Assert.Equal(IPAddress.Parse("198.51.100.0"), routing.LastRoutingAddress?.ToIPAddress());
        var subnet = Parse(context).Edns?.ClientSubnet;
        Assert.Equal(new EdnsClientSubnet(NetworkAddress.FromBytes([198, 51, 100, 0]), 24, 24), subnet);
        Assert.Equal(1, routing.Calls);
        AssertHeader(zoneContext, id: 0x2345, flags: QR | AA | RD, counts: (1, 1, 0, 0));
    }

    [Fact]
    public async Task ProcessDeferredAsync_HandlerThrows_ServFailAndLogged()
    {
        // Arrange
        var logs = new FakeLogCollector();
        using var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(new FakeLoggerProvider(logs)));
        var pipeline = new DnsPipeline([new ThrowingDeferredHandler()], 1232, loggerFactory.CreateLogger<DnsPipeline>());
        var context = Context(RawDns.QueryBytes("anything.invalid", DnsRecordType.A));

        // Act
        var result = pipeline.Process(context);
        await pipeline.ProcessDeferredAsync(context, CancellationToken.None);

        // Assert
        Assert.Equal(DnsHandlerResult.Deferred, result);
        AssertHeader(context, id: 0x2345, flags: QR | RD | (int)DnsResponseCode.ServerFailure, counts: (1, 0, 0, 0));
        Assert.Contains(logs.GetSnapshot(), e => e.Id.Name == "HandlerFailed" && e.Level == LogLevel.Error);
    }

    [Fact]
    public void Process_NoHandlers_Refused()
    {
        // Arrange
        var pipeline = new DnsPipeline([], 1232, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        // Act
        var context = Context(RawDns.QueryBytes("www.example.test", DnsRecordType.A));
        pipeline.Process(context);

        // Assert
        AssertHeader(context, id: 0x2345, flags: QR | RD | (int)DnsResponseCode.Refused, counts: (1, 0, 0, 0));
    }

    internal static DnsPipeline Pipeline(params IDnsHandler[] extra)
    {
        var errors = new List<string>();
        DnsZoneOptions[] zones = [TestZones.Example(), TestZones.Other()];
        var set = ZoneBuilder.Build(zones, [new IPEndPoint(IPAddress.Loopback, 53)], "Dns:Zones", errors);
        Assert.Empty(errors);
        return new DnsPipeline([new StaticZones(set)], extra, 1232, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
    }

    internal static DnsRequestContext Context(byte[] packet, DnsTransport transport = DnsTransport.Udp, NetworkAddress? client = null)
    {
        var context = new DnsRequestContext();
        packet.CopyTo(context.RequestBuffer, 0);
        context.Reset(packet.Length, transport, client ?? Loopback);
        return context;
    }

    internal static DnsMessage Parse(DnsRequestContext context)
    {
        Assert.True(context.ResponseLength > 0, "No response was written.");
        return RawDns.Parse(context.Response.ToArray());
    }

    internal static void AssertHeader(DnsRequestContext context, ushort id, int flags, (int Questions, int Answers, int Authorities, int Additionals) counts)
    {
        Assert.True(DnsHeader.TryRead(context.Response, out var header), "No response header.");
        ArsoftCrossCheck.Parse(context.Response);
        Assert.Equal(id, header.Id);
        Assert.True(flags == header.Flags, $"Flags 0x{header.Flags:X4}, expected 0x{flags:X4}");
        Assert.Equal(counts, (header.QuestionCount, header.AnswerCount, header.AuthorityCount, header.AdditionalCount));
    }

    private DnsRequestContext Run(byte[] packet, DnsTransport transport = DnsTransport.Udp)
    {
        var context = Context(packet, transport);
        _pipeline.Process(context);
        if (context.ResponseLength > 0)
        {
            ArsoftCrossCheck.Parse(context.Response);
        }

        return context;
    }

    private static byte[] TwoQuestions()
    {
        var query = RawDns.Query("www.example.test", DnsRecordType.A);
        query.Questions.Add(new DnsQuestion(DnsName.Parse("mail.example.test"), DnsRecordType.A));
        return query.ToArray();
    }

    private static byte[] OptInAnswerSection()
    {
        // Header with ANCOUNT 1, the question, then an OPT pseudo-record where an answer belongs (RFC 6891 §6.1.1).
        byte[] query = RawDns.QueryBytes("www.example.test", DnsRecordType.A);
        query[7] = 1;
        return [.. query, 0, 0x00, 0x29, 0x04, 0xD0, 0, 0, 0, 0, 0, 0];
    }

    private sealed class SubnetHandler : IDnsHandler
    {
        public string Name => "subnet";

        public NetworkAddress? LastRoutingAddress { get; private set; }

        public int Calls { get; private set; }

        public DnsHandlerResult Handle(DnsRequestContext context)
        {
            Calls++;
            LastRoutingAddress = context.RoutingAddress;
            context.ClientSubnetScope = 24;
            var writer = new DnsResponseWriter(context);
            writer.TryAddRecord(DnsSection.Answer, context.QueryName, DnsRecordType.A, 30, [192, 0, 2, 99]);
            writer.Complete(DnsResponseCode.NoError, authoritative: true);
            return DnsHandlerResult.Answered;
        }
    }

    private sealed class ThrowingDeferredHandler : IDnsHandler
    {
        public string Name => "throwing";

        public DnsHandlerResult Handle(DnsRequestContext context) => DnsHandlerResult.Deferred;

        public ValueTask HandleDeferredAsync(DnsRequestContext context, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("Upstream exploded.");
    }
}
