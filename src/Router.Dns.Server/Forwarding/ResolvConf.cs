using System.Net;

namespace Router.Dns.Server.Forwarding;

/// <summary>Reads the nameservers of a resolv.conf file (resolv.conf(5): <c>nameserver ADDRESS</c>, port 53).</summary>
internal static class ResolvConf
{
    public const string DefaultPath = "/etc/resolv.conf";

    /// <summary>
    /// The nameservers listed in <paramref name="path"/>, leaving out those that are this server itself
    /// (<paramref name="ownEndpoints"/>): a sidecar that forwarded to itself would loop.
    /// </summary>
    public static IReadOnlyList<IPEndPoint> ReadNameservers(string path, IReadOnlyCollection<IPEndPoint> ownEndpoints)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        var result = new List<IPEndPoint>();
        foreach (string raw in lines)
        {
            string line = raw.Trim();
            if (!line.StartsWith("nameserver", StringComparison.Ordinal))
            {
                continue;
            }

            string[] fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
            {
                continue;
            }

            // IPAddress.TryParse keeps the scope of a link-local address written as fe80::1%eth0.
            if (!IPAddress.TryParse(fields[1], out var address))
            {
                continue;
            }

            var endpoint = new IPEndPoint(address, 53);
            if (!IsOwn(endpoint, ownEndpoints) && !result.Contains(endpoint))
            {
                result.Add(endpoint);
            }
        }

        return result;
    }

    private static bool IsOwn(IPEndPoint candidate, IReadOnlyCollection<IPEndPoint> own)
    {
        foreach (var endpoint in own)
        {
            if (endpoint.Port != candidate.Port)
            {
                continue;
            }

            if (endpoint.Address.Equals(candidate.Address))
            {
                return true;
            }

            bool wildcard = endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any);
            if (wildcard && IPAddress.IsLoopback(candidate.Address))
            {
                return true;
            }
        }

        return false;
    }
}
