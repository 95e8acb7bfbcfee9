using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Router.Health.Checks;

/// <summary>A <c>host:port</c> endpoint (<c>127.0.0.1:6379</c>, <c>cache.internal:6379</c>, <c>[::1]:6379</c>).</summary>
internal sealed record HostEndpoint(string Host, int Port)
{
    /// <summary>Parses <c>host:port</c>; IPv6 addresses need brackets. The port must be 1–65535.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out HostEndpoint? endpoint)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string host;
        string port;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                return false;
            }

            host = text[1..close];
            port = text[(close + 2)..];
            if (!IPAddress.TryParse(host, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }
        }
        else
        {
            int colon = text.LastIndexOf(':');
            if (colon <= 0 || text.IndexOf(':', StringComparison.Ordinal) != colon)
            {
                return false;
            }

            host = text[..colon];
            port = text[(colon + 1)..];
            if (Uri.CheckHostName(host) is not (UriHostNameType.Dns or UriHostNameType.IPv4))
            {
                return false;
            }
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number is < 1 or > 65535)
        {
            return false;
        }

        endpoint = new HostEndpoint(host, number);
        return true;
    }

    /// <summary>
    /// Opens a TCP connection: to the address itself, or to each address the name resolves to in turn until one
    /// accepts. Throws the last connection error (a <see cref="SocketException"/>) when none does.
    /// </summary>
    public async Task<Socket> ConnectAsync(CancellationToken cancellationToken)
    {
        IPAddress[] addresses = IPAddress.TryParse(Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(Host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        Exception? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, Port), cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }

    public override string ToString() =>
        Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");
}
