using System.Net;
using System.Net.Sockets;
using Router.Testing;

namespace Router.Health.Tests.Infrastructure;

/// <summary>
/// One Knot DNS shared by a test class, serving <see cref="Zone"/> (a registry's private zone: storage endpoints by
/// name, aliases, a record in the wrong network) and <see cref="BrokenZone"/>, whose file does not parse (Knot answers
/// SERVFAIL for it). Read-only: tests that change a zone start a Knot of their own.
/// </summary>
public sealed class DnsZoneFixture : IAsyncLifetime
{
    public const string Zone = "registry.test";

    public const string BrokenZone = "broken.test";

    /// <summary>A zone file with serial <paramref name="serial"/> and the records <paramref name="records"/> (zone-file lines).</summary>
    public static string ZoneFile(int serial, params string[] records) => $"""
        $ORIGIN {Zone}.
        $TTL 300
        @    IN SOA ns1 hostmaster {serial} 3600 600 86400 120
        @    IN NS  ns1
        ns1  IN A   127.0.0.53
        {string.Join("\n", records)}

        """;

    /// <summary>The records of the shared zone.</summary>
    public static readonly string[] Records =
    [
        "storage  IN A     192.0.2.10",
        "storage  IN A     192.0.2.11",
        "storage  IN AAAA  2001:db8::10",
        "data     IN CNAME storage",
        "outside  IN CNAME blob.elsewhere.test.",
        "moved    IN A     198.51.100.7",
        "textonly IN TXT   \"no address here\"",
    ];

    /// <summary>What <see cref="BrokenZone"/>'s file holds: not a zone file.</summary>
    public const string BrokenZoneFile = "this is not a zone file !!!\n";

    private KnotServer? _knot;

    public KnotServer Knot => _knot ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync() =>
        _knot = await KnotServer.StartAsync("storage." + Zone, (Zone, ZoneFile(1, Records)), (BrokenZone, BrokenZoneFile));

    public async Task DisposeAsync()
    {
        if (_knot is not null)
        {
            await _knot.DisposeAsync();
        }
    }

    /// <summary>A UDP socket on 127.0.0.1 that receives queries and never answers: a DNS server that went silent.</summary>
    public static Socket BlackHole()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }
}
