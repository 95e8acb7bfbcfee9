using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Router.Dns.Server.Forwarding;

/// <summary>
/// One connected UDP socket to an upstream, shared by concurrent queries: each query gets a random ID that no other
/// query waiting on this socket has, and one receive loop hands every datagram to the query whose ID and question it
/// answers (RFC 5452 §9.1); anything else is logged and ignored. A socket serves at most <see cref="MaxUses"/> queries
/// and then retires: it takes no more, and closes when its last query is done, so the source port keeps changing.
/// Sharing saves a socket, a connect and a close per forwarded query (most of the cost of a cache miss).
/// </summary>
internal sealed class UpstreamUdpSocket
{
    /// <summary>Queries per socket before it retires (and a new one, on a new random port, takes its place).</summary>
    public const int MaxUses = 256;

    // A query is at most header + a 255-octet name + type/class + our OPT record.
    private const int QueryBufferLength = 512;

    private readonly Socket _socket;
    private readonly IPEndPoint _upstream;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<ushort, Pending> _pending = [];
    private int _uses;
    private int _active;
    private bool _retired;
    private bool _closed;

    public UpstreamUdpSocket(IPEndPoint upstream, ILogger logger)
    {
        _upstream = upstream;
        _logger = logger;
        _socket = new Socket(upstream.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // A connected UDP socket: the kernel drops datagrams from any other address and port.
            _socket.Connect(upstream);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        _ = ReceiveLoopAsync();
    }

    /// <summary>Takes one use of the socket; false when it has retired (open a new one).</summary>
    public bool TryReserve()
    {
        lock (_lock)
        {
            if (_retired)
            {
                return false;
            }

            _active++;
            if (++_uses >= MaxUses)
            {
                _retired = true;
            }

            return true;
        }
    }

    /// <summary>Takes no more queries; closes once the ones in flight are done.</summary>
    public void Retire()
    {
        bool close;
        lock (_lock)
        {
            _retired = true;
            close = _active == 0 && !_closed;
            _closed |= close;
        }

        if (close)
        {
            _socket.Dispose();
        }
    }

    /// <summary>
    /// After <see cref="TryReserve"/>: sends the query and waits for its answer. Null when the answer was truncated
    /// (TCP must follow). Throws <see cref="SocketException"/> when the upstream refuses (ICMP), and
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> ends the wait.
    /// </summary>
    public async ValueTask<DnsMessage?> QueryAsync(DnsQuestion question, bool checkingDisabled, CancellationToken cancellationToken)
    {
        var pending = new Pending(question);
        ushort id = Add(pending);
        try
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(QueryBufferLength);
            try
            {
                int length = UpstreamResolver.WriteQuery(buffer, id, question, checkingDisabled);
                await _socket.SendAsync(buffer.AsMemory(0, length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            DnsMessage response;
            using (cancellationToken.UnsafeRegister(static (state, token) => ((Pending)state!).TrySetCanceled(token), pending))
            {
                response = await pending.Task.ConfigureAwait(false);
            }

            return response.IsTruncated ? null : response;
        }
        finally
        {
            Remove(id, pending);
        }
    }

    private ushort Add(Pending pending)
    {
        lock (_lock)
        {
            // At most Forwarding:MaxConcurrent queries wait at once (far fewer than 65,536 IDs), so this ends quickly.
            ushort id;
            do
            {
                id = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
            }
            while (!_pending.TryAdd(id, pending));

            return id;
        }
    }

    private void Remove(ushort id, Pending pending)
    {
        bool close;
        lock (_lock)
        {
            if (_pending.TryGetValue(id, out var current) && ReferenceEquals(current, pending))
            {
                _pending.Remove(id);
            }

            _active--;
            close = _retired && _active == 0 && !_closed;
            _closed |= close;
        }

        if (close)
        {
            _socket.Dispose();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        // Any size the upstream sends: a datagram cut short by a small buffer would not parse.
        byte[] buffer = GC.AllocateUninitializedArray<byte>(DnsLimits.MaxMessageLength);
        while (true)
        {
            int received;
            try
            {
                received = await _socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
            {
                return;
            }
            catch (SocketException ex)
            {
                // An ICMP error (port unreachable: refused) is the socket's, not one query's: every query waiting fails
                // over to the next upstream, as it did when each had its own socket.
                FailAll(ex);
                continue;
            }

            Pending? pending = null;
            if (received >= DnsLimits.HeaderLength)
            {
                ushort id = (ushort)(buffer[0] << 8 | buffer[1]);
                lock (_lock)
                {
                    _pending.TryGetValue(id, out pending);
                }

                if (pending is not null && UpstreamResolver.IsAnswerTo(buffer.AsSpan(0, received), id, pending.Question, out var response))
                {
                    pending.TrySetResult(response);
                    continue;
                }
            }

            UpstreamResolver.LogSpoofedResponse(_logger, _upstream);
        }
    }

    private void FailAll(SocketException error)
    {
        Pending[] waiting;
        lock (_lock)
        {
            waiting = [.. _pending.Values];
        }

        foreach (var pending in waiting)
        {
            pending.TrySetException(new SocketException((int)error.SocketErrorCode));
        }
    }

    private sealed class Pending(DnsQuestion question) : TaskCompletionSource<DnsMessage>
    {
        public DnsQuestion Question { get; } = question;
    }
}
