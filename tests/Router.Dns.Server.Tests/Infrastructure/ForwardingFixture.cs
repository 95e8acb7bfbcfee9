using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Router.Dns.Server.Configuration;

namespace Router.Dns.Server.Tests.Infrastructure;

/// <summary>
/// An upstream server (authoritative for <c>upstream.test</c>) and a forwarder in front of it, both in-process on
/// loopback, shared by a test class.
/// </summary>
public sealed class ForwardingFixture : IAsyncLifetime
{
    private TestDnsServer? _upstream;
    private TestDnsServer? _forwarder;

    internal TestDnsServer Upstream => _upstream ?? throw new InvalidOperationException("The fixture has not started.");

    internal TestDnsServer Forwarder => _forwarder ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync()
    {
        _upstream = await TestDnsServer.StartAsync(TestDnsServer.Options(UpstreamZone()));
        _forwarder = await TestDnsServer.StartAsync(ForwarderOptions(_upstream.EndPoint));
    }

    public async Task DisposeAsync()
    {
        if (_forwarder is not null)
        {
            await _forwarder.DisposeAsync();
        }

        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }

    /// <summary>
    /// <c>upstream.test</c>: www A 192.0.2.100 (TTL 300), a made-up SOA with MINIMUM 300, and <c>big</c> with
    /// <see cref="TestZones.BigRRsetSize"/> A records (more than fits in 1232 octets).
    /// </summary>
    internal static DnsZoneOptions UpstreamZone()
    {
        var zone = new DnsZoneOptions
        {
            Name = "upstream.test",
            Ttl = 300,
            Records =
            [
                TestZones.Record("www", "A", "192.0.2.100"),
                TestZones.Record("www", "AAAA", "2001:db8::100"),
                TestZones.Record("alias", "CNAME", "www"),
            ],
        };
        for (int i = 1; i <= TestZones.BigRRsetSize; i++)
        {
            zone.Records.Add(TestZones.Record("big", "A", string.Create(CultureInfo.InvariantCulture, $"198.51.100.{i}")));
        }

        return zone;
    }

    /// <summary>A forwarder for <paramref name="upstreams"/>, loopback clients allowed, with a local zone of its own.</summary>
    internal static DnsServerOptions ForwarderOptions(params IPEndPoint[] upstreams) => ForwarderOptions(2, 0, upstreams);

    internal static DnsServerOptions ForwarderOptions(double timeoutSeconds, int attempts, params IPEndPoint[] upstreams)
    {
        var options = TestDnsServer.Options(new DnsZoneOptions { Name = "local.test", Records = [TestZones.Record("www", "A", "192.0.2.7")] });
        options.Forwarding = new DnsForwardingOptions
        {
            Enabled = true,
            Upstreams = [.. upstreams.Select(u => u.ToString())],
            TimeoutSeconds = timeoutSeconds,
            Attempts = attempts,
        };
        return options;
    }

    /// <summary>A UDP socket that receives queries and never answers them: an upstream that has gone silent.</summary>
    internal static Socket BlackHole()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }
}
