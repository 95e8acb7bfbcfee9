using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using Router.Health.Configuration;

namespace Router.Health.Checks;

/// <summary>What a <see cref="DnsCheck"/> asks, of whom, and which answers pass. Immutable once built.</summary>
internal sealed record DnsCheckSettings : ICheckSettings
{
    /// <summary>The port of a server given without one.</summary>
    public const int DefaultPort = 53;

    /// <summary>The longest name in presentation form without the final dot (RFC 1035 §2.3.4: 255 octets on the wire).</summary>
    public const int MaxNameLength = 253;

    /// <summary>The longest label (RFC 1035 §2.3.4).</summary>
    public const int MaxLabelLength = 63;

    /// <summary>The record types a check may ask for, in the order error messages list them.</summary>
    public static readonly IReadOnlyList<QueryType> RecordTypes = [QueryType.A, QueryType.AAAA, QueryType.CNAME];

    public string Type => CheckTypes.Dns;

    /// <summary>The name to resolve, absolute, in its ASCII (A-label) form, with the final dot.</summary>
    public required string Name { get; init; }

    public QueryType RecordType { get; init; } = QueryType.A;

    /// <summary>The servers to ask, in order; empty means the host's resolvers at the time of each probe.</summary>
    public IReadOnlyList<IPEndPoint> Servers { get; init; } = [];

    /// <summary>Networks of which at least one answered address must be in; empty means any address passes.</summary>
    public IReadOnlyList<IPNetwork> ExpectAddresses { get; init; } = [];

    /// <summary>
    /// Validates the Dns keys of <paramref name="options"/>, adding every problem to <paramref name="errors"/> as
    /// <c>"{path}:Key: reason"</c>; returns null when there was one.
    /// </summary>
    public static DnsCheckSettings? TryCreate(CheckOptions options, string path, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        int before = errors.Count;
        string? name = ValidateName(options.Name, path, errors);

        var recordType = QueryType.A;
        if (!string.IsNullOrWhiteSpace(options.RecordType))
        {
            string wanted = options.RecordType.Trim();
            var match = RecordTypes.Where(t => string.Equals(t.ToString(), wanted, StringComparison.OrdinalIgnoreCase)).ToList();
            if (match.Count == 1)
            {
                recordType = match[0];
            }
            else
            {
                errors.Add($"{path}:RecordType: '{options.RecordType}' is not one of {string.Join(", ", RecordTypes)}");
            }
        }

        var servers = new List<IPEndPoint>(options.Servers.Count);
        for (int i = 0; i < options.Servers.Count; i++)
        {
            if (TryParseServer(options.Servers[i], out var server))
            {
                servers.Add(server);
            }
            else
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{path}:Servers:{i}: '{options.Servers[i]}' is not IP or IP:port (like 127.0.0.53, 127.0.0.53:5353 or [::1]:53; a server is given by address, never by name)"));
            }
        }

        var networks = ValidateExpectAddresses(options, recordType, path, errors);
        if (errors.Count != before)
        {
            return null;
        }

        return new DnsCheckSettings { Name = name!, RecordType = recordType, Servers = servers, ExpectAddresses = networks };
    }

    /// <summary>
    /// Parses <c>IP</c> or <c>IP:port</c>: a dotted-quad IPv4 address, an IPv6 address bare or in brackets
    /// (<c>::1</c>, <c>[::1]:53</c>); the port is 1-65535, <see cref="DefaultPort"/> when absent.
    /// </summary>
    public static bool TryParseServer(string? text, out IPEndPoint endPoint)
    {
        endPoint = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        string host = text;
        string? port = null;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < text.Length && text[close + 1] != ':'))
            {
                return false;
            }

            host = text[1..close];
            port = close + 1 < text.Length ? text[(close + 2)..] : null;
        }
        else if (text.Count(c => c == ':') == 1)
        {
            host = text[..text.IndexOf(':', StringComparison.Ordinal)];
            port = text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..];
        }

        bool bracketed = text.StartsWith('[');
        if (!IPAddress.TryParse(host, out var address) || !IsAddressText(host) ||
            (bracketed && address.AddressFamily != AddressFamily.InterNetworkV6))
        {
            return false;
        }

        int number = DefaultPort;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number is < 1 or > 65535))
        {
            return false;
        }

        endPoint = new IPEndPoint(address, number);
        return true;
    }

    /// <summary>
    /// Whether <paramref name="name"/> (ASCII, without the final dot) is a DNS name a registry could be reached by:
    /// labels of 1-<see cref="MaxLabelLength"/> letters, digits, <c>-</c> or <c>_</c>, not starting or ending with
    /// <c>-</c>, at most <see cref="MaxNameLength"/> characters in all.
    /// </summary>
    public static bool IsName(string name) =>
        name.Length is > 0 and <= MaxNameLength &&
        name.Split('.').All(label => label.Length is > 0 and <= MaxLabelLength &&
            label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') && label[0] != '-' && label[^1] != '-');

    private static string? ValidateName(string? name, string path, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add($"{path}:Name: required for Type Dns (the name to resolve, like storage.registry.internal)");
            return null;
        }

        string text = name.Trim();
        string relative = text.EndsWith('.') ? text[..^1] : text;
        if (IPAddress.TryParse(relative, out _) && (relative.Contains(':', StringComparison.Ordinal) || relative.Count(c => c == '.') == 3))
        {
            errors.Add($"{path}:Name: '{name}' is an IP address; give the name that should resolve to it");
            return null;
        }

        string ascii;
        try
        {
            // Internationalised names are asked in their A-label form (xn--...), as every resolver does.
            ascii = relative.All(char.IsAscii) ? relative : new IdnMapping().GetAscii(relative);
        }
        catch (ArgumentException)
        {
            ascii = string.Empty;
        }

        if (!IsName(ascii))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"{path}:Name: '{name}' is not a DNS name (labels of 1-{MaxLabelLength} letters, digits, '-' or '_' joined by '.', at most {MaxNameLength} characters)"));
            return null;
        }

        return ascii.ToLowerInvariant() + ".";
    }

    private static List<IPNetwork> ValidateExpectAddresses(CheckOptions options, QueryType recordType, string path, List<string> errors)
    {
        var networks = new List<IPNetwork>(options.ExpectAddresses.Count);
        if (options.ExpectAddresses.Count == 0)
        {
            return networks;
        }

        if (recordType == QueryType.CNAME)
        {
            errors.Add($"{path}:ExpectAddresses: not used by RecordType CNAME (its answer is a name, not an address; ask for A or AAAA to check addresses)");
            return networks;
        }

        var family = recordType == QueryType.AAAA ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        for (int i = 0; i < options.ExpectAddresses.Count; i++)
        {
            string entry = options.ExpectAddresses[i]?.Trim() ?? string.Empty;
            string key = string.Create(CultureInfo.InvariantCulture, $"{path}:ExpectAddresses:{i}");
            if (!TryParseNetwork(entry, out var network))
            {
                errors.Add($"{key}: '{options.ExpectAddresses[i]}' is not an address or a CIDR network (like 192.0.2.0/24, 192.0.2.7 or 2001:db8::/32)");
            }
            else if (network.BaseAddress.AddressFamily != family)
            {
                errors.Add($"{key}: {network} never matches: an {recordType} record holds an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address");
            }
            else
            {
                networks.Add(network);
            }
        }

        return networks;
    }

    /// <summary>A CIDR network (host bits are cleared, as <see cref="IPNetwork.TryParse(string, out IPNetwork)"/> does) or one address.</summary>
    private static bool TryParseNetwork(string text, out IPNetwork network)
    {
        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out network) && IsAddressText(text[..text.IndexOf('/', StringComparison.Ordinal)]);
        }

        network = default;
        if (!IPAddress.TryParse(text, out var address) || !IsAddressText(text))
        {
            return false;
        }

        network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }

    /// <summary>IPv6, or IPv4 as a full dotted quad (<see cref="IPAddress.TryParse(string, out IPAddress)"/> also takes <c>10</c> for 0.0.0.10).</summary>
    private static bool IsAddressText(string text) =>
        text.Contains(':', StringComparison.Ordinal) || text.Count(c => c == '.') == 3;
}
