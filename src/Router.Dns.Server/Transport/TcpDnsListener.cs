using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Router.Dns.Server.Diagnostics;
using Router.Dns.Server.Pipeline;

namespace Router.Dns.Server.Transport;

/// <summary>
/// Serves DNS over TCP on one address (RFC 7766): two-octet length framing, several queries per connection answered
/// as they complete (pipelining), an idle timeout, and a connection limit at which the connection idle the longest
/// is closed to make room, so slow or half-open clients cannot lock others out.
/// </summary>
internal sealed partial class TcpDnsListener : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly DnsServerCore _core;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly HashSet<TcpDnsConnection> _connections_NeedsLock = [];
    private Task _acceptLoop = Task.CompletedTask;

    public TcpDnsListener(IPEndPoint endpoint, DnsServerCore core, ILogger logger)
    {
        _core = core;
        _logger = logger;
        _listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                _listener.DualMode = false;
            }

            _listener.Bind(endpoint);
            _listener.Listen(1024);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Open connections now.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_lock)
            {
                return _connections_NeedsLock.Count;
            }
        }
    }

    internal DnsServerCore Core => _core;

    internal ILogger Logger => _logger;

    internal CancellationToken Stopping => _stopping.Token;

    public void Start() => _acceptLoop = AcceptLoopAsync();

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                // EMFILE and friends: keep serving the connections we have, try again shortly.
                Log.AcceptFailed(_logger, LocalEndPoint, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50), _core.TimeProvider, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                continue;
            }

            client.NoDelay = true;
            var connection = new TcpDnsConnection(client, this);
            TcpDnsConnection? evicted = null;
            int maxConnections = _core.Tcp.MaxConnections;
            lock (_lock)
            {
                if (_connections_NeedsLock.Count >= maxConnections)
                {
                    foreach (var candidate in _connections_NeedsLock)
                    {
                        if (evicted is null || candidate.LastActivity < evicted.LastActivity)
                        {
                            evicted = candidate;
                        }
                    }

                    _connections_NeedsLock.Remove(evicted!);
                }

                _connections_NeedsLock.Add(connection);
            }

            if (evicted is not null)
            {
                Log.ConnectionLimitReached(_logger, LocalEndPoint, maxConnections);
                _core.Metrics.TcpConnectionEvicted();
                evicted.Abort(hard: true);
            }

            _core.Metrics.TcpConnectionOpened();
            _ = connection.RunAsync();
        }
    }

    internal void Remove(TcpDnsConnection connection)
    {
        lock (_lock)
        {
            _connections_NeedsLock.Remove(connection);
        }

        _core.Metrics.TcpConnectionClosed();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        TcpDnsConnection[] open;
        lock (_lock)
        {
            open = [.. _connections_NeedsLock];
        }

        foreach (var connection in open)
        {
            connection.Abort(hard: true);
        }

        _stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.TcpConnectionLimitReached, EventName = nameof(EventIds.TcpConnectionLimitReached), Level = LogLevel.Warning,
            Message = "TCP connection limit {Limit} reached on {Endpoint}; closed the connection idle the longest.")]
        public static partial void ConnectionLimitReached(ILogger logger, IPEndPoint endpoint, int limit);

        [LoggerMessage(EventId = EventIds.ListenerFailed, EventName = nameof(EventIds.ListenerFailed), Level = LogLevel.Warning,
            Message = "Accepting a TCP connection on {Endpoint} failed.")]
        public static partial void AcceptFailed(ILogger logger, IPEndPoint endpoint, Exception exception);
    }
}

/// <summary>One TCP client connection.</summary>
internal sealed partial class TcpDnsConnection
{
    private readonly Socket _socket;
    private readonly TcpDnsListener _listener;
    private readonly CancellationTokenSource _aborted;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SemaphoreSlim _inFlight;
    private readonly int _maxInFlight;
    private readonly ITimer _idleTimer;
    private readonly TimeSpan _idleTimeout;
    private readonly NetworkAddress _client;
    private int _closed;

    public TcpDnsConnection(Socket socket, TcpDnsListener listener)
    {
        _socket = socket;
        _listener = listener;
        _aborted = CancellationTokenSource.CreateLinkedTokenSource(listener.Stopping);
        var limits = listener.Core.Tcp;
        _maxInFlight = limits.MaxQueriesInFlight;
        _inFlight = new SemaphoreSlim(_maxInFlight);
        _idleTimeout = TimeSpan.FromSeconds(limits.IdleTimeoutSeconds);
        _client = socket.RemoteEndPoint is IPEndPoint remote ? NetworkAddress.FromIPAddress(remote.Address) : default;
        LastActivity = listener.Core.TimeProvider.GetTimestamp();

        // RFC 7766 §6.2.3: a connection with no complete query for the idle timeout is closed. Only a complete
        // query resets the timer, so a client that trickles bytes or stops reading is closed too.
        _idleTimer = listener.Core.TimeProvider.CreateTimer(static state => ((TcpDnsConnection)state!).Abort(hard: true), this, _idleTimeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>When the last complete query arrived (a <see cref="TimeProvider"/> timestamp).</summary>
    public long LastActivity { get; private set; }

    /// <summary>
    /// Closes the connection. <paramref name="hard"/> resets it (linger 0): for idle, evicted or stuck clients, so
    /// answers a client never read do not stay queued in the kernel after we are done with it.
    /// </summary>
    public void Abort(bool hard = false)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        if (hard)
        {
            try
            {
                _socket.LingerState = new LingerOption(true, 0);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        }

        try
        {
            _aborted.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
    }

    public async Task RunAsync()
    {
        var core = _listener.Core;
        var context = core.ContextPool.Rent();
        var lengthPrefix = new byte[2];
        var token = _aborted.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (!await ReadExactlyAsync(lengthPrefix, token).ConfigureAwait(false))
                {
                    // The client closed its side after a whole message, possibly a half-close after its last query.
                    // RFC 7766 §6.2.3: a connection is idle only once every query received has been answered, so
                    // queries still being forwarded are answered before closing (the idle timer bounds the wait).
                    await WaitForInFlightAsync(token).ConfigureAwait(false);
                    break;
                }

                int length = lengthPrefix[0] << 8 | lengthPrefix[1];
                if (length == 0 || !await ReadExactlyAsync(context.RequestBuffer.AsMemory(0, length), token).ConfigureAwait(false))
                {
                    break;
                }

                LastActivity = core.TimeProvider.GetTimestamp();
                _idleTimer.Change(_idleTimeout, Timeout.InfiniteTimeSpan);
                context.Reset(length, DnsTransport.Tcp, _client);
                var pipeline = core.Pipeline;
                DnsHandlerResult result;
                try
                {
                    result = pipeline.Process(context);
                }
                catch (Exception ex)
                {
                    Log.PipelineCrashed(_listener.Logger, ex);
                    result = DnsPipeline.Crashed(context);
                }

                if (result == DnsHandlerResult.Answered)
                {
                    await WriteAsync(context, token).ConfigureAwait(false);
                }
                else if (result == DnsHandlerResult.Deferred)
                {
                    await _inFlight.WaitAsync(token).ConfigureAwait(false);
                    var deferred = context;
                    context = core.ContextPool.Rent();
                    _ = CompleteDeferredAsync(pipeline, deferred, token);
                }
                else if (length < DnsLimits.HeaderLength)
                {
                    // Not even a header: the stream cannot be trusted any more.
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        catch (Exception ex)
        {
            Log.ConnectionFailed(_listener.Logger, ex);
        }
        finally
        {
            core.ContextPool.Return(context);
            Abort();
            await _idleTimer.DisposeAsync().ConfigureAwait(false);
            _listener.Remove(this);
        }
    }

    private async Task CompleteDeferredAsync(DnsPipeline pipeline, DnsRequestContext context, CancellationToken token)
    {
        try
        {
            await pipeline.ProcessDeferredAsync(context, token).ConfigureAwait(false);
            if (context.ResponseLength > 0)
            {
                await WriteAsync(context, token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            Abort();
        }
        finally
        {
            _inFlight.Release();
            _listener.Core.ContextPool.Return(context);
        }
    }

    private async ValueTask WaitForInFlightAsync(CancellationToken token)
    {
        for (int i = 0; i < _maxInFlight; i++)
        {
            await _inFlight.WaitAsync(token).ConfigureAwait(false);
        }
    }

    private async ValueTask WriteAsync(DnsRequestContext context, CancellationToken token)
    {
        await _writeLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            var remaining = context.FramedResponse;
            while (!remaining.IsEmpty)
            {
                int sent = await _socket.SendAsync(remaining, SocketFlags.None, token).ConfigureAwait(false);
                remaining = remaining[sent..];
            }

            _listener.Core.Metrics.QueryAnswered(DnsTransport.Tcp, context.Response);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask<bool> ReadExactlyAsync(Memory<byte> buffer, CancellationToken token)
    {
        while (!buffer.IsEmpty)
        {
            int read = await _socket.ReceiveAsync(buffer, SocketFlags.None, token).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            buffer = buffer[read..];
        }

        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.TcpConnectionFailed, EventName = nameof(EventIds.TcpConnectionFailed), Level = LogLevel.Warning,
            Message = "A TCP DNS connection failed.")]
        public static partial void ConnectionFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = EventIds.TcpPipelineCrashed, EventName = nameof(EventIds.TcpPipelineCrashed), Level = LogLevel.Error,
            Message = "The DNS pipeline threw on a TCP query; answered SERVFAIL.")]
        public static partial void PipelineCrashed(ILogger logger, Exception exception);
    }
}
