using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Router.Dns.Server.Configuration;
using Router.Dns.Server.Pipeline;
using Router.Dns.Server.Tests.Pipeline;
using Router.Dns.Server.Zones;
using Router.Testing.Dns;

namespace Router.Dns.Server.Tests.Infrastructure;

/// <summary>
/// The paths by which tests obtain responses all go through <see cref="ArsoftCrossCheck"/>: each is given a response
/// that ARSoft.Tools.Net cannot read, on purpose, and must fail. The response answers a 255-octet name of 127
/// one-octet labels, valid (RFC 1035 §2.3.4) and read by Router.Dns, but more labels than ARSoft.Tools.Net reads
/// (tests/Router.Dns.Tests KnownDisagreementsTests); the question echoes it.
/// </summary>
public sealed class ArsoftCrossCheckHookTests
{
    /// <summary>126 labels "a" under the one-label zone "t": 127 labels, 255 octets.</summary>
    private static readonly string DeepName = string.Concat(Enumerable.Repeat("a.", 126)) + "t";

    public static TheoryData<string> RawDnsPaths => ["UdpQueryAsync", "UdpExchangeAsync", "TcpQueryAsync", "ReadFramedAsync"];

    [Theory]
    [MemberData(nameof(RawDnsPaths))]
    public async Task RawDns_ResponseArsoftCannotRead_Throws(string path)
    {
        // Arrange
        await using var server = await TestDnsServer.StartAsync(TestDnsServer.Options(DeepZone()));
        byte[] query = RawDns.QueryBytes(DeepName, DnsRecordType.A);

        // Act
        Func<Task> obtain = path switch
        {
            "UdpQueryAsync" => () => RawDns.UdpQueryAsync(server.EndPoint, query),
            "UdpExchangeAsync" => () => RawDns.UdpExchangeAsync(server.EndPoint, query),
            "TcpQueryAsync" => () => RawDns.TcpQueryAsync(server.EndPoint, query),
            _ => () => ReadFramedAsync(server.EndPoint, query),
        };

        // Assert
        await Assert.ThrowsAsync<DnsCrossCheckException>(obtain);
    }

    [Fact]
    public void PipelineHelpers_ResponseArsoftCannotRead_Throw()
    {
        // Arrange
        var errors = new List<string>();
        var zones = ZoneBuilder.Build([DeepZone()], [new IPEndPoint(IPAddress.Loopback, 53)], "Dns:Zones", errors);
        Assert.Empty(errors);
        var pipeline = new DnsPipeline([new StaticZones(zones)], [], 1232, NullLogger.Instance);
        var context = DnsPipelineTests.Context(RawDns.QueryBytes(DeepName, DnsRecordType.A));

        // Act
        pipeline.Process(context);

        // Assert: Router.Dns reads the response; the helpers fail it.
        Assert.Equal(DnsParseError.None, DnsMessage.TryRead(context.Response, out _));
        Assert.Throws<DnsCrossCheckException>(() => DnsPipelineTests.Parse(context));
        Assert.Throws<DnsCrossCheckException>(() => DnsPipelineTests.AssertHeader(context, 0x2345, 0x8500, (1, 1, 0, 0)));
    }

    private static async Task ReadFramedAsync(IPEndPoint server, byte[] query)
    {
        using var socket = await RawDns.ConnectTcpAsync(server);
        await RawDns.SendAllAsync(socket, RawDns.Frame(query));
        await RawDns.ReadFramedAsync(socket);
    }

    private static DnsZoneOptions DeepZone() => new()
    {
        Name = "t",
        Ttl = 60,
        Records = [TestZones.Record(DeepName[..^2], "A", "192.0.2.1")],
    };
}
