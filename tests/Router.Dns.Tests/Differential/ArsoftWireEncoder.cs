using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Ar = ARSoft.Tools.Net.Dns;

namespace Router.Dns.Tests.Differential;

/// <summary>
/// Encodes ARSoft.Tools.Net messages exactly as ARSoft.Tools.Net puts them on the wire. Its encoder is internal and
/// runs only inside its <see cref="Ar.DnsServer"/> and client, so this drives a real <see cref="Ar.DnsServer"/> over an
/// in-memory <see cref="Ar.IServerTransport"/> (public API): each encoding hands the server a connection carrying one
/// header-only query, the <see cref="Ar.DnsServer.QueryReceived"/> handler answers it with the message, and the
/// octets the server sends back are the encoding. Thread-safe; dispose to stop the server.
/// </summary>
internal sealed class ArsoftWireEncoder : IDisposable
{
    /// <summary>A bound on one encoding, so a server that never answers fails the test instead of hanging it.</summary>
    private static readonly TimeSpan EncodeTimeout = TimeSpan.FromSeconds(30);

    private readonly InMemoryTransport _transport = new();
    private readonly ConcurrentDictionary<ushort, Ar.DnsMessage> _pending = new();
    private readonly Ar.DnsServer _server;
    private int _nextQueryId;

    public ArsoftWireEncoder()
    {
        _server = new Ar.DnsServer(_transport);
        _server.QueryReceived += (_, e) =>
        {
            e.Response = _pending.TryRemove(e.Query.TransactionID, out var message) ? message : null;
            return Task.CompletedTask;
        };
        _server.ExceptionThrown += (_, e) =>
        {
            _transport.FailAll(e.Exception);
            return Task.CompletedTask;
        };
        _server.Start();
    }

    /// <summary>The octets ARSoft.Tools.Net's server sends for <paramref name="message"/> (no TCP length prefix).</summary>
    public async Task<byte[]> EncodeAsync(Ar.DnsMessage message)
    {
        // The query ID only pairs the query with its message here; it is unique while fewer than 65,536 are in flight.
        ushort queryId = unchecked((ushort)Interlocked.Increment(ref _nextQueryId));
        _pending[queryId] = message;
        var connection = _transport.Accept(HeaderOnlyQuery(queryId));
        return await connection.Response.WaitAsync(EncodeTimeout);
    }

    public void Dispose() => _server.Stop();

    // RFC 1035 §4.1.1 header with QDCOUNT 0, preceded by the two-octet length ARSoft's raw packages carry (§4.2.2).
    private static byte[] HeaderOnlyQuery(ushort id)
    {
        var package = new byte[2 + DnsLimits.HeaderLength];
        BinaryPrimitives.WriteUInt16BigEndian(package, DnsLimits.HeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(package.AsSpan(2), id);
        return package;
    }

    private sealed class InMemoryTransport : Ar.IServerTransport
    {
        private readonly Channel<InMemoryConnection> _accepted = Channel.CreateUnbounded<InMemoryConnection>();
        private readonly ConcurrentDictionary<InMemoryConnection, byte> _open = new();

        public ushort DefaultAllowedResponseSize => ushort.MaxValue;

        public bool SupportsMultipleResponses => false;

        public bool AllowTruncatedResponses => false;

        public Ar.TransportProtocol TransportProtocol => Ar.TransportProtocol.Custom;

        public InMemoryConnection Accept(byte[] queryPackage)
        {
            var connection = new InMemoryConnection(this, queryPackage);
            _open[connection] = 0;
            _accepted.Writer.TryWrite(connection);
            return connection;
        }

        public void Completed(InMemoryConnection connection) => _open.TryRemove(connection, out _);

        /// <summary>The server reports its failures without saying for which query: every open one fails.</summary>
        public void FailAll(Exception exception)
        {
            foreach (var connection in _open.Keys)
            {
                connection.Fail(exception);
            }
        }

        public void Bind()
        {
        }

        public void Close() => _accepted.Writer.TryComplete();

        public async Task<Ar.IServerConnection?> AcceptConnectionAsync(CancellationToken token)
        {
            try
            {
                return await _accepted.Reader.ReadAsync(token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
            {
                // The server's accept loop is an async void method: it must see "no connection", never an exception.
                return null;
            }
        }

        public void Dispose() => Close();
    }

    private sealed class InMemoryConnection(InMemoryTransport transport, byte[] queryPackage) : Ar.IServerConnection
    {
        private static readonly IPEndPoint Client = new(IPAddress.Loopback, 53_000);
        private static readonly IPEndPoint Server = new(IPAddress.Loopback, 53);
        private readonly TaskCompletionSource<byte[]> _response = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _received;

        public Task<byte[]> Response => _response.Task;

        public Ar.IServerTransport Transport => transport;

        public IPEndPoint RemoteEndPoint => Client;

        public IPEndPoint LocalEndPoint => Server;

        public bool CanRead => Volatile.Read(ref _received) == 0;

        public Task<bool> InitializeAsync(CancellationToken token) => Task.FromResult(true);

        public Task<Ar.DnsReceivedRawPackage?> ReceiveAsync(CancellationToken token) =>
            Task.FromResult(Interlocked.Exchange(ref _received, 1) == 0 ? new Ar.DnsReceivedRawPackage(queryPackage, Client, Server) : null);

        public Task<bool> SendAsync(Ar.DnsRawPackage package, CancellationToken token)
        {
            _response.TrySetResult(package.ToArraySegment(false).ToArray());
            transport.Completed(this);
            return Task.FromResult(true);
        }

        public void Fail(Exception exception)
        {
            _response.TrySetException(exception);
            transport.Completed(this);
        }

        public void Dispose()
        {
        }
    }
}
