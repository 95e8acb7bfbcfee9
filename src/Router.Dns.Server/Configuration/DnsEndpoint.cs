using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Router.Dns.Server.Configuration;

/// <summary>Parses <c>IP:port</c> (<c>[IPv6]:port</c>); a bare address gets the default port.</summary>
public static class DnsEndpoint
{
    public static bool TryParse(string? text, int defaultPort, [NotNullWhen(true)] out IPEndPoint? endpoint, [NotNullWhen(false)] out string? error)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty address";
            return false;
        }

        string trimmed = text.Trim();
        string host = trimmed;
        int port = defaultPort;
        if (trimmed.StartsWith('['))
        {
            int close = trimmed.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = $"'{text}' has no closing ']'";
                return false;
            }

            host = trimmed[1..close];
            string rest = trimmed[(close + 1)..];
            if (rest.Length > 0 && (!rest.StartsWith(':') || !TryParsePort(rest[1..], out port)))
            {
                error = $"'{text}' does not end in ':PORT' with a port 1-65535";
                return false;
            }
        }
        else if (trimmed.Count(c => c == ':') == 1)
        {
            int colon = trimmed.IndexOf(':', StringComparison.Ordinal);
            host = trimmed[..colon];
            if (!TryParsePort(trimmed[(colon + 1)..], out port))
            {
                error = $"'{text}' does not end in ':PORT' with a port 0-65535";
                return false;
            }
        }

        if (!IPAddress.TryParse(host, out var address))
        {
            error = $"'{text}' is not IP:port (IPv6 as [::1]:53)";
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        error = null;
        return true;
    }

    private static bool TryParsePort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 0 and <= 65535;
}
