using System.Net;
using System.Net.Sockets;
using Router.Dns.Server.Tests.Infrastructure;
using Router.Testing.Dns;

namespace Router.Dns.Server.Tests.Integration;

/// <summary>
/// What the server does not answer normally: names outside its zones (REFUSED unless forwarding serves the client),
/// opcodes it does not implement (NOTIMP), malformed queries with a readable header (FORMERR) and everything else
/// (no response at all).
/// </summary>
public sealed class RefusalAndErrorTests(AuthoritativeServerFixture fixture) : IClassFixture<AuthoritativeServerFixture>
{
    private static readonly TimeSpan Silence = TimeSpan.FromMilliseconds(500);

    public static TheoryData<DnsClientTool, bool> Clients => AuthoritativeDigTests.Clients;

    public static TheoryData<DnsOpCode> UnimplementedOpCodes => new() { DnsOpCode.Notify, DnsOpCode.Update, DnsOpCode.Status, DnsOpCode.InverseQuery };

    /// <summary>Packets with a readable header that are not one well-formed query: FORMERR (RFC 1035 §4.1.1).</summary>
    public static TheoryData<string, byte[]> FormErrPackets
    {
        get
        {
            var twoQuestions = RawDns.Query("www.example.test", DnsRecordType.A, id: 0xF0E1);
            twoQuestions.Questions.Add(new DnsQuestion(DnsName.Parse("mail.example.test"), DnsRecordType.A));
            var noQuestion = new DnsMessage { Id = 0xF0E1 };
            return new()
            {
                { "QDCOUNT 2", twoQuestions.ToArray() },
                { "QDCOUNT 0", noQuestion.ToArray() },
                { "trailing garbage", [.. RawDns.QueryBytes("www.example.test", DnsRecordType.A, id: 0xF0E1), 0xDE, 0xAD, 0xBE] },
                { "question cut short", RawDns.QueryBytes("www.example.test", DnsRecordType.A, id: 0xF0E1)[..20] },
                { "ARCOUNT 1 with no record", SetUInt16(RawDns.QueryBytes("www.example.test", DnsRecordType.A, id: 0xF0E1), 10, 1) },
            };
        }
    }

    /// <summary>Packets that get no response: no whole header, or not a query (RFC 1035 §4.1.1: never answer a response).</summary>
    public static TheoryData<string, byte[]> DroppedPackets => new()
    {
        { "empty datagram", [] },
        { "5 octets", [0x12, 0x34, 0x01, 0x00, 0x00] },
        { "11 octets", [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00] },
        { "QR set (a response)", SetUInt16(RawDns.QueryBytes("www.example.test", DnsRecordType.A), 2, 0x8400) },
        { "QR set, garbage after the header", [0xAB, 0xCD, 0x80, 0x00, 0x00, 0x07, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x01] },
    };

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_NameOutsideZonesForwardingOff_Refused(DnsClientTool tool, bool tcp)
    {
        // Act
        var result = await DnsTools.QueryAsync(tool, fixture.Server.EndPoint, "www.outside.invalid", "A", tcp);

        // Assert: never an open resolver by default.
        Assert.True(result.Status == "REFUSED", result.ToString());
        Assert.False(result.HasFlag("aa"), result.ToString());
        Assert.False(result.HasFlag("ra"), result.ToString());
        Assert.Equal(0, result.AnswerCount);
    }

    [Fact]
    public async Task Query_ForwardingOnClientNotAllowed_RefusedWithoutAskingUpstream()
    {
        // Arrange: an upstream that would record any query it got.
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        upstream.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var options = TestDnsServer.Options(TestZones.Other());
        options.Forwarding = new()
        {
            Enabled = true,
            Upstreams = [upstream.LocalEndPoint!.ToString()!],
            AllowedClients = ["10.0.0.0/8"],
        };
        await using var server = await TestDnsServer.StartAsync(options);

        // Act
        var outside = await DnsTools.DigAsync(server.EndPoint, "www.outside.invalid", "A");
        var inZone = await DnsTools.DigAsync(server.EndPoint, "host.other.test", "A");

        // Assert
        Assert.True(outside.Status == "REFUSED", outside.ToString());
        Assert.False(outside.HasFlag("ra"), outside.ToString());
        Assert.True(inZone.Status == "NOERROR" && inZone.HasFlag("aa"), inZone.ToString());
        Assert.Equal(0, upstream.Available);
    }

    [Theory]
    [MemberData(nameof(UnimplementedOpCodes))]
    public async Task Query_UnimplementedOpCode_NotImp(DnsOpCode opCode)
    {
        // Arrange: a well-formed message (one question: the zone section of UPDATE, the SOA of NOTIFY).
        var message = RawDns.Query("example.test", DnsRecordType.SOA, id: 0x0B0C, recursionDesired: false);
        message.OpCode = opCode;

        // Act
        var response = await RawDns.UdpQueryAsync(fixture.Server.EndPoint, message.ToArray());

        // Assert
        Assert.True(response.IsResponse);
        Assert.Equal(0x0B0C, response.Id);
        Assert.Equal(opCode, response.OpCode);
        Assert.Equal(DnsResponseCode.NotImplemented, response.ResponseCode);
        Assert.False(response.IsAuthoritative);
        Assert.Empty(response.Questions);
        Assert.Empty(response.Answers);
    }

    [Theory]
    [MemberData(nameof(UnimplementedOpCodes))]
    public async Task Query_UnimplementedOpCodeHeaderOnly_NotImpWithRdOnly(DnsOpCode opCode)
    {
        // Arrange: QDCOUNT 0, RD and CD set (RFC 1035 §4.1.1, RFC 6895 §2: NOTIMP, not FORMERR; only RD copied).
        int flags = (int)opCode << 11 | DnsHeader.RecursionDesiredFlag | DnsHeader.CheckingDisabledFlag;
        byte[] packet = [0x0B, 0x0D, (byte)(flags >> 8), (byte)flags, 0, 0, 0, 0, 0, 0, 0, 0];

        // Act
        var response = await RawDns.UdpQueryAsync(fixture.Server.EndPoint, packet);

        // Assert
        Assert.Equal((0x0B0D, opCode, DnsResponseCode.NotImplemented), (response.Id, response.OpCode, response.ResponseCode));
        Assert.True(response.IsResponse && response.RecursionDesired);
        Assert.False(response.CheckingDisabled || response.RecursionAvailable || response.IsAuthoritative);
        Assert.Empty(response.Questions);
    }

    [Theory]
    [MemberData(nameof(FormErrPackets))]
    public async Task Query_MalformedWithReadableHeader_FormErr(string description, byte[] packet)
    {
        // Act
        byte[]? response = await RawDns.UdpExchangeAsync(fixture.Server.EndPoint, packet);

        // Assert
        Assert.True(response is not null, $"No response to a query with {description}.");
        var message = RawDns.Parse(response);
        Assert.True(message.IsResponse);
        Assert.Equal(0xF0E1, message.Id);
        Assert.Equal(DnsResponseCode.FormatError, message.ResponseCode);
        Assert.Empty(message.Questions);
        Assert.Empty(message.Answers);
    }

    [Fact]
    public async Task Query_FormErrOverTcp_ConnectionKeepsServing()
    {
        // Arrange
        using var socket = await RawDns.ConnectTcpAsync(fixture.Server.EndPoint);
        var twoQuestions = RawDns.Query("www.example.test", DnsRecordType.A, id: 1);
        twoQuestions.Questions.Add(new DnsQuestion(DnsName.Parse("mail.example.test"), DnsRecordType.A));

        // Act
        await RawDns.SendAllAsync(socket, RawDns.Frame(twoQuestions.ToArray()));
        var first = await RawDns.ReadFramedAsync(socket);
        await RawDns.SendAllAsync(socket, RawDns.Frame(RawDns.QueryBytes("www.example.test", DnsRecordType.A, id: 2)));
        var second = await RawDns.ReadFramedAsync(socket);

        // Assert
        Assert.NotNull(first);
        Assert.Equal(DnsResponseCode.FormatError, RawDns.Parse(first).ResponseCode);
        Assert.NotNull(second);
        var answer = RawDns.Parse(second);
        Assert.Equal((2, DnsResponseCode.NoError), (answer.Id, answer.ResponseCode));
        Assert.Single(answer.Answers);
    }

    [Theory]
    [MemberData(nameof(DroppedPackets))]
    public async Task Query_UnanswerablePacket_NoResponse(string description, byte[] packet)
    {
        // Arrange: one receiver answers in arrival order, so if the packet were answered, that answer would come
        // before the answer to the good query sent right after it.
        using var socket = RawDns.ConnectUdp(fixture.Server.EndPoint);
        byte[] good = RawDns.QueryBytes("www.example.test", DnsRecordType.A, id: 0x7777);

        // Act
        await socket.SendAsync(packet, SocketFlags.None);
        await socket.SendAsync(good, SocketFlags.None);
        byte[]? first = await RawDns.ReceiveAsync(socket, RawDns.ReceiveTimeout);
        byte[]? second = await RawDns.ReceiveAsync(socket, Silence);

        // Assert
        Assert.True(first is not null, $"The server stopped answering after {description}.");
        Assert.Equal(0x7777, RawDns.Parse(first).Id);
        Assert.True(second is null, $"The server answered {description}.");
    }

    [Fact]
    public async Task Query_FiveOctetsOverTcp_ConnectionClosedWithoutResponse()
    {
        // Arrange
        using var socket = await RawDns.ConnectTcpAsync(fixture.Server.EndPoint);

        // Act
        await RawDns.SendAllAsync(socket, RawDns.Frame([0x12, 0x34, 0x01, 0x00, 0x00]));
        var response = await RawDns.ReadFramedAsync(socket);

        // Assert
        Assert.Null(response);
    }

    private static byte[] SetUInt16(byte[] packet, int offset, ushort value)
    {
        packet[offset] = (byte)(value >> 8);
        packet[offset + 1] = (byte)value;
        return packet;
    }
}
