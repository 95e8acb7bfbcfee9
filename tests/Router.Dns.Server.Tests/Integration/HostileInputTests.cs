using System.Buffers.Binary;
using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Router.Dns.Server.Diagnostics;
using Router.Dns.Server.Tests.Infrastructure;
using Router.Testing.Dns;

namespace Router.Dns.Server.Tests.Integration;

/// <summary>
/// CONTRACT "Malformed input: never a crash, never a stall of other clients": seeded random and mutated input over
/// UDP and TCP against a running server, then a normal query must still be answered and nothing may have been
/// logged as an error.
/// </summary>
public sealed class HostileInputTests
{
    private const int Seed = 20260101;
    private static readonly TimeSpan FloodBudget = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Udp_TwentyThousandRandomAndMutatedDatagrams_ServerStillAnswers()
    {
        // Arrange
        await using var server = await TestDnsServer.StartAsync(TestDnsServer.Options(TestZones.Example(), TestZones.Other()));
        using var malformed = server.Collect(DnsTelemetryNames.Malformed);
        using var answered = server.Collect(DnsTelemetryNames.Queries);
        var random = new Random(Seed);
        byte[][] seeds = SeedMessages();
        using var socket = RawDns.ConnectUdp(server.EndPoint);
        long started = TimeProvider.System.GetTimestamp();
        int sent = 0;

        // Act
        for (; sent < 20_000 && TimeProvider.System.GetElapsedTime(started) < FloodBudget; sent++)
        {
            byte[] packet = (sent % 3) switch
            {
                0 => RandomBytes(random, random.Next(0, 600)),
                1 => Mutate(random, seeds[random.Next(seeds.Length)]),
                _ => RandomHeaderThenSeedBody(random, seeds[random.Next(seeds.Length)]),
            };
            socket.Send(packet);
            if (sent % 256 == 0)
            {
                // Let the server's receiver keep up a little, and drain our own receive buffer.
                await DrainAsync(socket);
            }
        }

        await DrainAsync(socket);
        var afterwards = await QueryUntilAnsweredAsync(server, tcp: false);
        var afterwardsTcp = await DnsTools.QueryAsync(DnsClientTool.Dig, server.EndPoint, "www.example.test", "A", tcp: true);

        // Assert
        Assert.Equal(20_000, sent);
        Assert.True(afterwards.Status == "NOERROR", afterwards.ToString());
        Assert.Equal("192.0.2.1", Assert.Single(afterwards.Answer).Data);
        Assert.True(afterwardsTcp.Status == "NOERROR", afterwardsTcp.ToString());
        Assert.True(malformed.GetMeasurementSnapshot().EvaluateAsCounter() > 1000, $"Only {malformed.GetMeasurementSnapshot().EvaluateAsCounter()} malformed messages were counted.");
        Assert.True(answered.GetMeasurementSnapshot().EvaluateAsCounter() > 1000, $"Only {answered.GetMeasurementSnapshot().EvaluateAsCounter()} responses were sent.");
        Assert.Empty(server.Errors);
    }

    [Fact]
    public async Task Tcp_GarbageStreams_ServerStillAnswersTcp()
    {
        // Arrange
        await using var server = await TestDnsServer.StartAsync(TestDnsServer.Options(TestZones.Example()));
        var random = new Random(Seed);
        byte[][] seeds = SeedMessages();
        var scripts = new List<byte[]>();
        for (int i = 0; i < 300; i++)
        {
            scripts.Add((i % 6) switch
            {
                // A random length prefix and fewer octets than it announces.
                0 => Prefix(random.Next(1, 65536), RandomBytes(random, random.Next(0, 200))),

                // A zero length.
                1 => [0, 0, .. RandomBytes(random, random.Next(0, 20))],

                // One octet of a length prefix.
                2 => [(byte)random.Next(256)],

                // Whole frames of random octets, several in a row.
                3 => [.. Enumerable.Range(0, random.Next(1, 5)).SelectMany(_ => RawDns.Frame(RandomBytes(random, random.Next(1, 300))))],

                // A mutated query in a correct frame, then a frame cut short.
                4 => [.. RawDns.Frame(Mutate(random, seeds[random.Next(seeds.Length)])), .. Prefix(512, RandomBytes(random, 40))],

                // Random octets with no framing at all.
                _ => RandomBytes(random, random.Next(1, 2000)),
            });
        }

        // Act: 8 connections at a time, each sends its script, reads whatever comes for a moment, and closes.
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(scripts.Select(async script =>
        {
            await gate.WaitAsync();
            try
            {
                using var socket = await RawDns.ConnectTcpAsync(server.EndPoint);
                try
                {
                    await RawDns.SendAllAsync(socket, script);
                    socket.Shutdown(SocketShutdown.Send);
                }
                catch (SocketException)
                {
                    // The server may close first: that is what it should do with garbage.
                }

                await RawDns.WaitForCloseAsync(socket, TimeSpan.FromSeconds(5));
            }
            finally
            {
                gate.Release();
            }
        })).WaitAsync(TimeSpan.FromSeconds(60));
        var afterwards = await QueryUntilAnsweredAsync(server, tcp: true);
        var raw = await RawDns.TcpQueryAsync(server.EndPoint, RawDns.QueryBytes("www.example.test", DnsRecordType.AAAA, id: 99));

        // Assert
        Assert.True(afterwards.Status == "NOERROR", afterwards.ToString());
        Assert.Equal("192.0.2.1", Assert.Single(afterwards.Answer).Data);
        Assert.Equal((99, "2001:db8::1"), (raw.Id, ((AddressRecordData)Assert.Single(raw.Answers).Data).Address.ToString()));
        Assert.Empty(server.Errors);
    }

    [Fact]
    public async Task Tcp_ConnectionsResetRightAfterConnecting_ServerKeepsAccepting()
    {
        // Arrange
        await using var server = await TestDnsServer.StartAsync(TestDnsServer.Options(TestZones.Example()));

        // Act: connect and reset at once (SO_LINGER 0), sometimes after half a query.
        for (int i = 0; i < 200; i++)
        {
            using var socket = await RawDns.ConnectTcpAsync(server.EndPoint);
            socket.LingerState = new LingerOption(true, 0);
            if (i % 2 == 0)
            {
                await socket.SendAsync(RawDns.Frame(RawDns.QueryBytes("www.example.test", DnsRecordType.A))[..10], SocketFlags.None);
            }
        }

        var afterwards = await QueryUntilAnsweredAsync(server, tcp: true);

        // Assert
        Assert.True(afterwards.Status == "NOERROR", afterwards.ToString());
        Assert.Empty(server.Errors);
    }

    [Fact]
    public async Task Tcp_RandomFramesOnOneConnection_EachAnsweredOrConnectionClosed()
    {
        // Arrange: frames of at least a header, so the server answers FORMERR/REFUSED or drops, and keeps reading.
        await using var server = await TestDnsServer.StartAsync(TestDnsServer.Options(TestZones.Example()));
        var random = new Random(Seed + 1);
        byte[][] seeds = SeedMessages();
        using var socket = await RawDns.ConnectTcpAsync(server.EndPoint);

        // Act
        for (int i = 0; i < 200; i++)
        {
            byte[] body = Mutate(random, seeds[random.Next(seeds.Length)]);
            if (body.Length < DnsLimits.HeaderLength)
            {
                continue;
            }

            body[2] &= 0x7F; // QR clear: a query, which is always answered (FORMERR at worst)
            await RawDns.SendAllAsync(socket, RawDns.Frame(body));
            var response = await RawDns.ReadFramedAsync(socket);

            // Assert: the response answers this frame (same ID), then the connection goes on.
            Assert.True(response is not null, $"Frame {i} ({Convert.ToHexString(body)}) was not answered.");
            Assert.Equal(BinaryPrimitives.ReadUInt16BigEndian(body), BinaryPrimitives.ReadUInt16BigEndian(response));
        }

        await RawDns.SendAllAsync(socket, RawDns.Frame(RawDns.QueryBytes("www.example.test", DnsRecordType.A, id: 4321)));
        var last = await RawDns.ReadFramedAsync(socket);
        Assert.NotNull(last);
        Assert.Single(RawDns.Parse(last).Answers);
        Assert.Empty(server.Errors);
    }

    private static async Task<DigResult> QueryUntilAnsweredAsync(TestDnsServer server, bool tcp)
    {
        // Bounded poll: after a flood the server may still be working through queued datagrams.
        long started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var result = await DnsTools.QueryAsync(DnsClientTool.Dig, server.EndPoint, "www.example.test", "A", tcp);
            if (result.Status is not null || TimeProvider.System.GetElapsedTime(started) > TimeSpan.FromSeconds(10))
            {
                return result;
            }
        }
    }

    private static async Task DrainAsync(Socket socket)
    {
        var buffer = new byte[DnsLimits.MaxMessageLength];
        while (socket.Available > 0)
        {
            try
            {
                await socket.ReceiveAsync(buffer, SocketFlags.None);
            }
            catch (SocketException)
            {
                return;
            }
        }

        await Task.Yield();
    }

    private static byte[][] SeedMessages()
    {
        var ecs = RawDns.Query("www.example.test", DnsRecordType.A, id: 1);
        ecs.Edns = new DnsEdns
        {
            UdpPayloadSize = 4096,
            DnssecOk = true,
            Options = [new EdnsOption(EdnsClientSubnet.OptionCode, [0, 1, 24, 0, 192, 0, 2]), new EdnsOption(10, [1, 2, 3, 4, 5, 6, 7, 8])],
        };
        var notify = RawDns.Query("example.test", DnsRecordType.SOA, id: 2);
        notify.OpCode = DnsOpCode.Notify;
        var withAnswer = RawDns.Query("alias2.example.test", DnsRecordType.A, id: 3);
        withAnswer.Answers.Add(new DnsRecord(DnsName.Parse("alias2.example.test"), DnsRecordType.CNAME, DnsClass.IN, 5,
            new NameRecordData(DnsRecordType.CNAME, DnsName.Parse("alias.example.test"))));
        return
        [
            RawDns.QueryBytes("www.example.test", DnsRecordType.A, id: 4),
            RawDns.QueryBytes("big.example.test", DnsRecordType.A, id: 5, edns: true),
            RawDns.QueryBytes("loop1.example.test", DnsRecordType.A, id: 6),
            RawDns.QueryBytes("example.test", DnsRecordType.ANY, id: 7, edns: true),
            RawDns.QueryBytes("nope.outside.invalid", DnsRecordType.TXT, id: 8),
            ecs.ToArray(),
            notify.ToArray(),
            withAnswer.ToArray(),
        ];
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Prefix(int length, byte[] body) => [(byte)(length >> 8), (byte)length, .. body];

    /// <summary>A seed message with some of: flipped octets, a cut, octets added, odd counts, a compression pointer.</summary>
    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = new List<byte>(seed);
        int mutations = random.Next(1, 5);
        for (int m = 0; m < mutations && bytes.Count > 0; m++)
        {
            switch (random.Next(6))
            {
                case 0:
                    bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                    break;
                case 1:
                    int cut = random.Next(bytes.Count);
                    bytes.RemoveRange(cut, bytes.Count - cut);
                    break;
                case 2:
                    bytes.AddRange(RandomBytes(random, random.Next(1, 40)));
                    break;
                case 3 when bytes.Count >= DnsLimits.HeaderLength:
                    int count = 4 + 2 * random.Next(4);
                    bytes[count] = (byte)random.Next(3);
                    bytes[count + 1] = (byte)random.Next(256);
                    break;
                case 4:
                    int at = random.Next(bytes.Count);
                    bytes.Insert(at, (byte)random.Next(256));
                    bytes.Insert(at, (byte)(0xC0 | random.Next(0x40)));
                    break;
                default:
                    bytes[random.Next(bytes.Count)] ^= (byte)(1 << random.Next(8));
                    break;
            }
        }

        return [.. bytes];
    }

    private static byte[] RandomHeaderThenSeedBody(Random random, byte[] seed)
    {
        byte[] packet = [.. seed];
        for (int i = 0; i < Math.Min(DnsLimits.HeaderLength, packet.Length); i++)
        {
            packet[i] = (byte)random.Next(256);
        }

        packet[2] &= 0x7F;
        return packet;
    }
}
