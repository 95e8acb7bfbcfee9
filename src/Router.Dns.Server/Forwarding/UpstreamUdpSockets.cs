using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Router.Dns.Server.Forwarding;

/// <summary>
/// The shared UDP sockets to the upstream resolvers: <see cref="PerUpstream"/> per upstream, each on its own random
/// source port, each replaced by a new one after <see cref="UpstreamUdpSocket.MaxUses"/> queries. Owned by the server,
/// shared by the resolvers of successive configurations, retired when the server stops.
/// </summary>
internal sealed class UpstreamUdpSockets(ILogger logger) : IDisposable
{
    /// <summary>Sockets (so source ports) in use per upstream at a time.</summary>
    public const int PerUpstream = 4;

    private readonly ConcurrentDictionary<IPEndPoint, UpstreamUdpSocket?[]> _sockets = new();
    private int _next;
    private volatile bool _disposed;

    /// <summary>A socket to <paramref name="upstream"/> with one use reserved for the caller's query.</summary>
    public UpstreamUdpSocket Reserve(IPEndPoint upstream)
    {
        var slots = _sockets.GetOrAdd(upstream, static _ => new UpstreamUdpSocket?[PerUpstream]);
        int slot = (int)((uint)Interlocked.Increment(ref _next) % PerUpstream);
        while (true)
        {
            var current = Volatile.Read(ref slots[slot]);
            if (current is not null && current.TryReserve())
            {
                return current;
            }

            var fresh = new UpstreamUdpSocket(upstream, logger);
            if (Interlocked.CompareExchange(ref slots[slot], fresh, current) == current && fresh.TryReserve())
            {
                if (_disposed)
                {
                    // Stopped meanwhile: this query may still use it; it closes when the query is done.
                    fresh.Retire();
                }

                return fresh;
            }

            fresh.Retire();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var slots in _sockets.Values)
        {
            foreach (var socket in slots)
            {
                socket?.Retire();
            }
        }
    }
}
