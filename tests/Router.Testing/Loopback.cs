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

    /// <summary>
    /// A port free for both UDP and TCP on 127.0.0.1 right now, below the kernel's ephemeral range
    /// (<c>/proc/sys/net/ipv4/ip_local_port_range</c>): for a server a test stops and starts again on the same port.
    /// A port of <see cref="FreeEndpoint"/> comes from the ephemeral range, so while its server is down any outgoing
    /// socket (a DNS query's source port, an HTTP connection) may be given it, and the restart fails with
    /// "address already in use".
    /// </summary>
    public static IPEndPoint FreeEndpointOutsideEphemeralRange()
    {
        const int Lowest = 10000;
        int below = EphemeralRangeStart();
        if (below - Lowest < 1000)
        {
            throw new XunitException($"the ephemeral port range starts at {below}: no room below it for a test's fixed port");
        }

        for (int attempt = 0; attempt < 100; attempt++)
        {
            var endpoint = new IPEndPoint(IPAddress.Loopback, Random.Shared.Next(Lowest, below));
            if (IsFree(endpoint, out _))
            {
                return endpoint;
            }
        }

        throw new XunitException($"no port between {Lowest} and {below} was free for both UDP and TCP after 100 attempts");
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

    /// <summary>The first port of the ephemeral range (Linux's default, 32768, when it cannot be read).</summary>
    private static int EphemeralRangeStart()
    {
        const string RangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
        try
        {
            string[] parts = File.ReadAllText(RangeFile).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return parts.Length > 0 && int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out int first) ? first : 32768;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 32768;
        }
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
