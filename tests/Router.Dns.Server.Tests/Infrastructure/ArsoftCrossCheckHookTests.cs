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

    [Fact]
    public async Task UdpQueryAsync_ResponseArsoftCannotRead_Throws()
    {
        // Arrange
        await using var server = await TestDnsServer.StartAsync(TestDnsServer.Options(DeepZone()));

        // Act + Assert
        await Assert.ThrowsAsync<DnsCrossCheckException>(() => RawDns.UdpQueryAsync(server.EndPoint, RawDns.QueryBytes(DeepName, DnsRecordType.A)));
    }

    [Fact]
    public async Task UdpExchangeAsync_ResponseArsoftCannotRead_Throws()
    {
        // Arrange
        await using var server = await TestDnsServer.StartAsync(TestDnsServer.Options(DeepZone()));

        // Act + Assert
        await Assert.ThrowsAsync<DnsCrossCheckException>(() => RawDns.UdpExchangeAsync(server.EndPoint, RawDns.QueryBytes(DeepName, DnsRecordType.A)));
    }

    [Fact]
    public async Task TcpQueryAsync_ResponseArsoftCannotRead_Throws()
    {
        // Arrange
        await using var server = await TestDnsServer.StartAsync(TestDnsServer.Options(DeepZone()));

        // Act + Assert
        await Assert.ThrowsAsync<DnsCrossCheckException>(() => RawDns.TcpQueryAsync(server.EndPoint, RawDns.QueryBytes(DeepName, DnsRecordType.A)));
    }

    [Fact]
    public async Task ReadFramedAsync_ResponseArsoftCannotRead_Throws()
    {
        // Arrange
        await using var server = await TestDnsServer.StartAsync(TestDnsServer.Options(DeepZone()));
        using var socket = await RawDns.ConnectTcpAsync(server.EndPoint);
        await RawDns.SendAllAsync(socket, RawDns.Frame(RawDns.QueryBytes(DeepName, DnsRecordType.A)));

        // Act + Assert
        await Assert.ThrowsAsync<DnsCrossCheckException>(() => RawDns.ReadFramedAsync(socket));
    }

    [Fact]
    public void PipelineHelpers_ResponseArsoftCannotRead_Throw()
    {
        // Arrange
        var errors = new List<string>();
        var zones = ZoneBuilder.Build([DeepZone()], [new IPEndPoint(IPAddress.Loopback, 53)], "Dns:Zones", errors);
        Assert.Empty(errors);
        var pipeline = new DnsPipeline([new AuthoritativeHandler(zones)], 1232, NullLogger.Instance);
        var context = DnsPipelineTests.Context(RawDns.QueryBytes(DeepName, DnsRecordType.A));

        // Act
        pipeline.Process(context);

        // Assert: Router.Dns reads the response; the helpers fail it.
        Assert.Equal(DnsParseError.None, DnsMessage.TryRead(context.Response, out _));
        Assert.Throws<DnsCrossCheckException>(() => DnsPipelineTests.Parse(context));
        Assert.Throws<DnsCrossCheckException>(() => DnsPipelineTests.AssertHeader(context, 0x2345, 0x8500, (1, 1, 0, 0)));
    }

    private static DnsZoneOptions DeepZone() => new()
    {
        Name = "t",
        Ttl = 60,
        Records = [TestZones.Record(DeepName[..^2], "A", "192.0.2.1")],
    };
}
