using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Router.Testing.Dns;

namespace Router.Dns.Server.Tests.Infrastructure;

/// <summary>
/// Raw DNS on loopback sockets, for what real clients will not send: malformed packets, odd opcodes, several queries
/// on one TCP connection. Every receive has a deadline. Every message received and every response parsed here is
/// also read by ARSoft.Tools.Net and must agree with Router.Dns (<see cref="ArsoftCrossCheck"/>).
/// </summary>
internal static class RawDns
{
    public static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A standard query with one question; <paramref name="edns"/> adds OPT with 1232 octets.</summary>
    public static DnsMessage Query(string name, DnsRecordType type, ushort id = 0x2345, bool edns = false, bool recursionDesired = true)
    {
        var message = new DnsMessage { Id = id, OpCode = DnsOpCode.Query, RecursionDesired = recursionDesired };
        message.Questions.Add(new DnsQuestion(DnsName.Parse(name), type));
        if (edns)
        {
            message.Edns = new DnsEdns { UdpPayloadSize = 1232 };
        }

        return message;
    }

    /// <summary>The wire form of <see cref="Query"/>.</summary>
    public static byte[] QueryBytes(string name, DnsRecordType type, ushort id = 0x2345, bool edns = false) =>
        Query(name, type, id, edns).ToArray();

    /// <summary>A UDP socket connected to <paramref name="server"/>.</summary>
    public static Socket ConnectUdp(IPEndPoint server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server);
        return socket;
    }

    /// <summary>
    /// Receives one datagram, or null when none arrives within <paramref name="timeout"/> (or nothing listens:
    /// ICMP port unreachable). The datagram must be a message both Router.Dns and ARSoft.Tools.Net read alike.
    /// </summary>
    public static async Task<byte[]?> ReceiveAsync(Socket socket, TimeSpan timeout) =>
        CrossChecked(await ReceiveUncheckedAsync(socket, timeout));

    private static async Task<byte[]?> ReceiveUncheckedAsync(Socket socket, TimeSpan timeout)
    {
        var buffer = new byte[DnsLimits.MaxMessageLength];
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            int received = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            return buffer[..received];
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
        {
            return null;
        }
    }

    /// <summary>Sends <paramref name="packet"/> over UDP and returns the first datagram back, or null.</summary>
    public static async Task<byte[]?> UdpExchangeAsync(IPEndPoint server, byte[] packet, TimeSpan? timeout = null)
    {
        using var socket = ConnectUdp(server);
        await socket.SendAsync(packet, SocketFlags.None);
        return await ReceiveAsync(socket, timeout ?? ReceiveTimeout);
    }

    /// <summary>Sends <paramref name="packet"/> over UDP and parses the answer; fails the test on silence.</summary>
    public static async Task<DnsMessage> UdpQueryAsync(IPEndPoint server, byte[] packet)
    {
        using var socket = ConnectUdp(server);
        await socket.SendAsync(packet, SocketFlags.None);
        byte[]? response = await ReceiveUncheckedAsync(socket, ReceiveTimeout);
        Assert.True(response is not null, $"No UDP response from {server} within {ReceiveTimeout.TotalSeconds} s.");
        return Parse(response);
    }

    /// <summary>
    /// Parses a response; fails the test when it is not a well-formed message, or when ARSoft.Tools.Net reads it
    /// differently (<see cref="ArsoftCrossCheck"/>).
    /// </summary>
    public static DnsMessage Parse(byte[] response) => ArsoftCrossCheck.Parse(response);

    /// <summary>A TCP connection to <paramref name="server"/>, connected within the deadline.</summary>
    public static async Task<Socket> ConnectTcpAsync(IPEndPoint server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var deadline = new CancellationTokenSource(ReceiveTimeout);
        try
        {
            await socket.ConnectAsync(server, deadline.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return socket;
    }

    /// <summary>The message with its two-octet length prefix (RFC 1035 §4.2.2).</summary>
    public static byte[] Frame(byte[] message)
    {
        var framed = new byte[message.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)message.Length);
        message.CopyTo(framed, 2);
        return framed;
    }

    /// <summary>Sends every octet of <paramref name="data"/>; fails (cancelled) if the peer stops reading for <see cref="ReceiveTimeout"/>.</summary>
    public static async Task SendAllAsync(Socket socket, byte[] data)
    {
        using var deadline = new CancellationTokenSource(ReceiveTimeout);
        int sent = 0;
        while (sent < data.Length)
        {
            sent += await socket.SendAsync(data.AsMemory(sent), SocketFlags.None, deadline.Token);
        }
    }

    /// <summary>
    /// Reads one framed message; null when the peer closes (or resets) the connection first. The message must be one
    /// both Router.Dns and ARSoft.Tools.Net read alike.
    /// </summary>
    public static async Task<byte[]?> ReadFramedAsync(Socket socket, TimeSpan? timeout = null) =>
        CrossChecked(await ReadFramedUncheckedAsync(socket, timeout));

    private static async Task<byte[]?> ReadFramedUncheckedAsync(Socket socket, TimeSpan? timeout)
    {
        using var deadline = new CancellationTokenSource(timeout ?? ReceiveTimeout);
        var prefix = new byte[2];
        if (!await ReadExactlyAsync(socket, prefix, deadline.Token))
        {
            return null;
        }

        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        return await ReadExactlyAsync(socket, message, deadline.Token) ? message : null;
    }

    /// <summary>
    /// Waits until the server closes the connection: true when the peer closed or reset it, false when the deadline
    /// passed with the connection still open. Any data sent meanwhile is discarded.
    /// </summary>
    public static async Task<bool> WaitForCloseAsync(Socket socket, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                int read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                if (read == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            while (!buffer.IsEmpty)
            {
                int read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    return false;
                }

                buffer = buffer[read..];
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A TCP query on a fresh connection; fails the test when no answer arrives.</summary>
    public static async Task<DnsMessage> TcpQueryAsync(IPEndPoint server, byte[] packet)
    {
        using var socket = await ConnectTcpAsync(server);
        await SendAllAsync(socket, Frame(packet));
        byte[]? response = await ReadFramedUncheckedAsync(socket, null);
        Assert.True(response is not null, $"No TCP response from {server}.");
        return Parse(response);
    }

    private static byte[]? CrossChecked(byte[]? message)
    {
        if (message is not null)
        {
            ArsoftCrossCheck.Parse(message);
        }

        return message;
    }
}
