using System.Net;
using System.Net.Sockets;
using Xunit.Sdk;

namespace Router.Testing;

/// <summary>Loopback ports for tests that must name a port in a file or variable before the server starts.</summary>
public static class Loopback
{
    /// <summary>A port that is free for both UDP and TCP on 127.0.0.1 right now (the OS picks it).</summary>
    public static IPEndPoint FreeEndpoint()
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var endpoint = (IPEndPoint)udp.LocalEndPoint!;
            if (TryBindTcp(endpoint, out _))
            {
                return endpoint;
            }
        }

        throw new XunitException("no loopback port was free for both UDP and TCP after 20 attempts");
    }

    /// <summary>Binds UDP and TCP on <paramref name="endpoint"/> and holds them until disposed (a busy port).</summary>
    public static IDisposable Occupy(IPEndPoint endpoint)
    {
        var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            udp.Bind(endpoint);
            tcp.Bind(endpoint);
            tcp.Listen();
            return new Held(udp, tcp);
        }
        catch
        {
            udp.Dispose();
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Whether <paramref name="endpoint"/> can be bound for UDP and for TCP right now; else why not.</summary>
    public static bool IsFree(IPEndPoint endpoint, out string? reason)
    {
        try
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(endpoint);
        }
        catch (SocketException ex)
        {
            reason = $"UDP {endpoint}: {ex.SocketErrorCode} ({ex.Message})";
            return false;
        }

        return TryBindTcp(endpoint, out reason);
    }

    private static bool TryBindTcp(IPEndPoint endpoint, out string? reason)
    {
        try
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(endpoint);
            reason = null;
            return true;
        }
        catch (SocketException ex)
        {
            reason = $"TCP {endpoint}: {ex.SocketErrorCode} ({ex.Message})";
            return false;
        }
    }

    private sealed class Held(Socket udp, Socket tcp) : IDisposable
    {
        public void Dispose()
        {
            udp.Dispose();
            tcp.Dispose();
        }
    }
}
