using System.Net;
using System.Net.Sockets;
using Router.Dns.Server.Tests.Infrastructure;
using Router.Testing.Dns;

namespace Router.Dns.Server.Tests.Integration;

/// <summary>
/// <c>Dns:Listen</c> with an IPv4 and an IPv6 loopback address (<c>[::1]:0</c>): both serve UDP and TCP, and the
/// default <c>AllowedClients</c> (<c>127.0.0.0/8</c>, <c>::1/128</c>) lets an IPv6 loopback client use forwarding.
/// </summary>
public sealed class Ipv6ListenTests
{
    public static TheoryData<DnsClientTool, bool> Clients => AuthoritativeDigTests.Clients;

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Query_OverIpv6Loopback_AuthoritativeAndForwardedAnswers(DnsClientTool tool, bool tcp)
    {
        // Arrange
        // A host without ::1 cannot show IPv6 listening works: fail loudly rather than pass without testing.
        Assert.True(Ipv6LoopbackAvailable(), "This test needs the IPv6 loopback address ::1 on this host.");

        await using var upstream = await TestDnsServer.StartAsync(TestDnsServer.Options(ForwardingFixture.UpstreamZone()));
        var options = ForwardingFixture.ForwarderOptions(upstream.EndPoint);
        options.Listen = ["127.0.0.1:0", "[::1]:0"];
        options.Zones = [TestZones.Other()];
        await using var server = await TestDnsServer.StartAsync(options);
        var v6 = server.Server.LocalEndPoints[1];

        // Act
        var local = await DnsTools.QueryAsync(tool, v6, "host.other.test", "A", tcp);
        var forwarded = await DnsTools.QueryAsync(tool, v6, "www.upstream.test", "AAAA", tcp);

        // Assert
        Assert.Equal(IPAddress.IPv6Loopback, v6.Address);
        Assert.NotEqual(0, v6.Port);
        Assert.True(local.Status == "NOERROR" && local.HasFlag("aa"), local.ToString());
        Assert.Equal("192.0.2.30", Assert.Single(local.Answer).Data);
        Assert.True(forwarded.Status == "NOERROR" && forwarded.HasFlag("ra") && !forwarded.HasFlag("aa"), forwarded.ToString());
        Assert.Equal("2001:db8::100", Assert.Single(forwarded.Answer).Data);
    }

    private static bool Ipv6LoopbackAvailable()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return false;
        }

        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
