using System.Net;
using System.Net.Sockets;

namespace Router.TrafficManager.Admin;

/// <summary>An IP address as a person writes one, in a <c>Host</c> header or in <c>/api/explain?client=</c>.</summary>
internal static class AddressText
{
    /// <summary>An IPv4 address in dotted-quad form or an IPv6 address; not the legacy forms <c>10</c> or <c>10.1</c>.</summary>
    public static bool TryParse(string text, out IPAddress address)
    {
        if (IPAddress.TryParse(text, out address!) &&
            (address.AddressFamily == AddressFamily.InterNetworkV6 || text.Count(c => c == '.') == 3))
        {
            return true;
        }

        address = IPAddress.None;
        return false;
    }
}
