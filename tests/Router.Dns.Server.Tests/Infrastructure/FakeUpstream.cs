using System.Net;
using System.Net.Sockets;

namespace Router.Dns.Server.Tests.Infrastructure;

/// <summary>
/// A scripted upstream on one loopback port, UDP and TCP: for each query it sends whatever the script returns
/// (raw datagrams, so spoofed and malformed answers are possible). Counts the queries it saw per transport.
/// </summary>
internal sealed class FakeUpstream : IAsyncDisposable
{
    private readonly Socket _udp;
    private readonly Socket _tcp;
    private readonly Func<DnsMessage, IEnumerable<byte[]>> _udpScript;
    private readonly Func<DnsMessage, byte[]?> _tcpScript;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;
    private int _udpQueries;
    private int _tcpQueries;

    public FakeUpstream(Func<DnsMessage, IEnumerable<byte[]>> udpScript, Func<DnsMessage, byte[]?>? tcpScript = null)
    {
        _udpScript = udpScript;
        _tcpScript = tcpScript ?? (_ => null);
        (_udp, _tcp) = BindPair();
        EndPoint = (IPEndPoint)_udp.LocalEndPoint!;
        _udpLoop = UdpLoopAsync();
        _tcpLoop = TcpLoopAsync();
    }

    public IPEndPoint EndPoint { get; }

    public int UdpQueries => Volatile.Read(ref _udpQueries);

    public int TcpQueries => Volatile.Read(ref _tcpQueries);

    /// <summary>A response to <paramref name="query"/>: same ID and question, RA set, the given answers.</summary>
    public static DnsMessage Answer(DnsMessage query, params DnsRecord[] answers)
    {
        ArgumentNullException.ThrowIfNull(query);
        var response = new DnsMessage
        {
            Id = query.Id,
            IsResponse = true,
            OpCode = query.OpCode,
            RecursionDesired = query.RecursionDesired,
            RecursionAvailable = true,
        };
        response.Questions.AddRange(query.Questions);
        response.Answers.AddRange(answers);
        return response;
    }

    /// <summary>An A record for the question of <paramref name="query"/>.</summary>
    public static DnsRecord A(DnsMessage query, string address, uint ttl = 60) =>
        new(query.Questions[0].Name, DnsRecordType.A, DnsClass.IN, ttl, new AddressRecordData(IPAddress.Parse(address)));

    private static (Socket Udp, Socket Tcp) BindPair()
    {
        for (int attempt = 0; ; attempt++)
        {
            var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Bind(udp.LocalEndPoint!);
                tcp.Listen(16);
                return (udp, tcp);
            }
            catch (SocketException) when (attempt < 20)
            {
                udp.Dispose();
                tcp.Dispose();
            }
        }
    }

    private async Task UdpLoopAsync()
    {
        var buffer = new byte[DnsLimits.MaxMessageLength];
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (token.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            if (DnsMessage.TryRead(buffer.AsSpan(0, received.ReceivedBytes), out var query) != DnsParseError.None)
            {
                continue;
            }

            Interlocked.Increment(ref _udpQueries);
            foreach (byte[] datagram in _udpScript(query!))
            {
                await _udp.SendToAsync(datagram, SocketFlags.None, received.RemoteEndPoint, token);
            }
        }
    }

    private async Task TcpLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _tcp.AcceptAsync(token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ServeTcpAsync(client);
        }
    }

    private async Task ServeTcpAsync(Socket client)
    {
        using (client)
        {
            try
            {
                byte[]? message = await RawDns.ReadFramedAsync(client);
                if (message is null)
                {
                    return;
                }

                if (DnsMessage.TryRead(message, out var query) != DnsParseError.None)
                {
                    return;
                }

                Interlocked.Increment(ref _tcpQueries);
                byte[]? response = _tcpScript(query!);
                if (response is not null)
                {
                    await RawDns.SendAllAsync(client, RawDns.Frame(response));
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _udp.Dispose();
        _tcp.Dispose();
        await Task.WhenAll(_udpLoop, _tcpLoop).WaitAsync(TimeSpan.FromSeconds(5));
        _stopping.Dispose();
    }
}
