using System.Globalization;
using Router.Dns;
using Router.Http;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Configuration;

/// <summary>
/// Validates the <c>TrafficManager</c> section and reports every error as <c>path: reason</c>, the path in
/// configuration-key form (<c>TrafficManager:Profiles:0:Monitor:ToleratedFailures: must be 0-9</c>). Ranges follow
/// Azure Traffic Manager where it has one (TTL, tolerated failures, priority, weight, headers, MultiValue's count).
/// </summary>
public static partial class TrafficManagerOptionsValidator
{
    /// <summary>The largest TTL (RFC 2181 §8) and the largest Traffic Manager accepts.</summary>
    public const int MaxTtl = int.MaxValue;

    /// <summary>Traffic Manager's limit on custom probe headers.</summary>
    public const int MaxHeaders = 8;

    /// <summary>Traffic Manager's limit on the records of one MultiValue answer.</summary>
    public const int MaxMultiValueReturn = 8;

    /// <summary>The name of the made-up name server at the zone apex (<c>ns1.&lt;Zone&gt;</c>); no profile may take it.</summary>
    public const string NameServerLabel = "ns1";

    /// <summary>Every error in <paramref name="options"/>, each with its key path under <paramref name="path"/>.</summary>
    public static IReadOnlyList<string> Validate(TrafficManagerOptions options, string path = "TrafficManager")
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        if (string.IsNullOrWhiteSpace(options.Zone))
        {
            errors.Add($"{path}:Zone: required (the zone profiles are answered in, e.g. tm.example.test)");
        }
        else if (!IsHostName(options.Zone, allowTrailingDot: true, out string? zoneError))
        {
            errors.Add($"{path}:Zone: {zoneError}");
        }

        if (options.ZoneTtl is < 0 or > MaxTtl)
        {
            errors.Add($"{path}:ZoneTtl: must be 0-{MaxTtl}");
        }

        ValidateLatencyTable(options.LatencyTable, $"{path}:LatencyTable", errors);

        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int p = 0; p < options.Profiles.Count; p++)
        {
            string profilePath = $"{path}:Profiles:{p}";
            var profile = options.Profiles[p];
            if (profile is null)
            {
                errors.Add($"{profilePath}: empty profile");
                continue;
            }

            if (ValidateProfileName(profile.Name, options.Zone, $"{profilePath}:Name", errors) &&
                !names.TryAdd(profile.Name!.TrimEnd('.'), p))
            {
                errors.Add($"{profilePath}:Name: '{profile.Name}' is already the name of {path}:Profiles:{names[profile.Name!.TrimEnd('.')]}");
            }

            ValidateProfile(profile, profilePath, errors);
        }

        ValidateNesting(options, path, errors);
        ValidateBatchOrigins(options, path, errors);
        ValidateGeoDatabase(options, path, errors);
        return errors;
    }

    private static void ValidateLatencyTable(List<LatencyEntryOptions> table, string path, List<string> errors)
    {
        var networks = new Dictionary<NetworkPrefix, int>();
        for (int i = 0; i < table.Count; i++)
        {
            string rowPath = $"{path}:{i}";
            var row = table[i];
            if (row is null)
            {
                errors.Add($"{rowPath}: empty entry");
                continue;
            }

            if (string.IsNullOrWhiteSpace(row.Network))
            {
                errors.Add($"{rowPath}:Network: required (a CIDR prefix such as 10.1.0.0/16 or 2001:db8::/32)");
            }
            else if (!NetworkPrefix.TryParse(row.Network.Trim(), out var prefix, out string? error))
            {
                errors.Add($"{rowPath}:Network: {error}");
            }
            else if (!networks.TryAdd(prefix, i))
            {
                errors.Add($"{rowPath}:Network: '{row.Network}' is already {path}:{networks[prefix]}");
            }

            foreach (var (location, latency) in row.Latencies)
            {
                if (string.IsNullOrWhiteSpace(location))
                {
                    errors.Add($"{rowPath}:Latencies: a location name is empty");
                }
                else if (!double.IsFinite(latency) || latency < 0)
                {
                    errors.Add($"{rowPath}:Latencies:{location}: must be a number of milliseconds ≥ 0");
                }
            }
        }
    }

    private static bool ValidateProfileName(string? name, string? zone, string path, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add($"{path}: required (answered as <Name>.<Zone>)");
            return false;
        }

        if (name.EndsWith('.') || name == "@")
        {
            errors.Add($"{path}: '{name}' must be a name relative to the zone (no trailing dot, not '@')");
            return false;
        }

        if (!IsHostName(name, allowTrailingDot: false, out string? error))
        {
            errors.Add($"{path}: {error}");
            return false;
        }

        if (string.Equals(name, NameServerLabel, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{path}: '{NameServerLabel}' is the zone's made-up name server; choose another name");
            return false;
        }

        // <Name>.<Zone>. must fit in 255 octets on the wire (RFC 1035 §2.3.4): text length + 2.
        if (!string.IsNullOrWhiteSpace(zone) && name.Length + 1 + zone.TrimEnd('.').Length + 2 > DnsLimits.MaxNameLength)
        {
            errors.Add($"{path}: '{name}.{zone.TrimEnd('.')}' is longer than 255 octets");
            return false;
        }

        return true;
    }

    private static void ValidateProfile(ProfileOptions profile, string path, List<string> errors)
    {
        if (!Enum.IsDefined(profile.RoutingMethod))
        {
            errors.Add($"{path}:RoutingMethod: must be Performance, Priority, Weighted, MultiValue, Subnet or Geographic");
        }

        if (profile.Ttl is < 0 or > MaxTtl)
        {
            errors.Add($"{path}:Ttl: must be 0-{MaxTtl}");
        }

        if (profile.RoutingMethod == RoutingMethod.MultiValue && profile.MaxReturn is < 1 or > MaxMultiValueReturn)
        {
            errors.Add($"{path}:MaxReturn: must be 1-{MaxMultiValueReturn}");
        }

        if (profile.Monitor is null)
        {
            errors.Add($"{path}:Monitor: empty section");
        }
        else
        {
            ValidateMonitor(profile.Monitor, $"{path}:Monitor", errors);
        }

        ValidateEndpoints(profile, $"{path}:Endpoints", errors);
    }

    private static void ValidateMonitor(MonitorOptions monitor, string path, List<string> errors)
    {
        if (!Enum.IsDefined(monitor.Protocol))
        {
            errors.Add($"{path}:Protocol: must be Http, Https or Tcp");
        }

        if (monitor.Port is < 1 or > 65535)
        {
            errors.Add($"{path}:Port: must be 1-65535");
        }

        ValidatePath(monitor.Path, $"{path}:Path", errors);

        bool intervalValid = double.IsFinite(monitor.IntervalSeconds) && monitor.IntervalSeconds >= 1;
        if (!intervalValid)
        {
            errors.Add($"{path}:IntervalSeconds: must be at least 1");
        }

        if (!double.IsFinite(monitor.TimeoutSeconds) || monitor.TimeoutSeconds <= 0)
        {
            errors.Add($"{path}:TimeoutSeconds: must be greater than 0");
        }
        else if (intervalValid && monitor.TimeoutSeconds >= monitor.IntervalSeconds)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"{path}:TimeoutSeconds: must be less than IntervalSeconds ({monitor.IntervalSeconds})"));
        }

        if (monitor.ToleratedFailures is < 0 or > 9)
        {
            errors.Add($"{path}:ToleratedFailures: must be 0-9");
        }

        if (monitor.SuccessesToOnline is < 1 or > 100)
        {
            errors.Add($"{path}:SuccessesToOnline: must be 1-100");
        }

        ValidateStatusCodes(monitor.ExpectedStatusCodes, $"{path}:ExpectedStatusCodes", errors);
        ValidateHeaders(monitor.Headers, $"{path}:Headers", errors);
        ValidateBatchMode(monitor, path, errors);
        ValidateFailback(monitor.Failback, $"{path}:Failback", errors);

        if (monitor.Fallback is { } fallback)
        {
            string fallbackPath = $"{path}:Fallback";
            if (fallback.Protocol is { } protocol && !Enum.IsDefined(protocol))
            {
                errors.Add($"{fallbackPath}:Protocol: must be Http, Https or Tcp");
            }

            if (fallback.Port is < 1 or > 65535)
            {
                errors.Add($"{fallbackPath}:Port: must be 1-65535");
            }

            if (fallback.Path is not null)
            {
                ValidatePath(fallback.Path, $"{fallbackPath}:Path", errors);
            }

            ValidateStatusCodes(fallback.ExpectedStatusCodes, $"{fallbackPath}:ExpectedStatusCodes", errors);
            ValidateHeaders(fallback.Headers, $"{fallbackPath}:Headers", errors);
        }
    }

    private static void ValidatePath(string? text, string path, List<string> errors)
    {
        if (string.IsNullOrEmpty(text) || text[0] != '/')
        {
            errors.Add($"{path}: must start with '/'");
        }
        else if (text.Any(c => char.IsControl(c) || c == ' '))
        {
            errors.Add($"{path}: must not contain spaces or control characters (percent-encode them)");
        }
    }

    private static void ValidateStatusCodes(List<string> codes, string path, List<string> errors)
    {
        for (int i = 0; i < codes.Count; i++)
        {
            if (!StatusCodeRange.TryParse(codes[i], out _, out string? error))
            {
                errors.Add($"{path}:{i}: {error}");
            }
        }
    }

    private static void ValidateHeaders(Dictionary<string, string> headers, string path, List<string> errors)
    {
        if (headers.Count > MaxHeaders)
        {
            errors.Add($"{path}: at most {MaxHeaders} headers (Traffic Manager's limit), {headers.Count} given");
        }

        foreach (var (name, value) in headers)
        {
            if (string.IsNullOrEmpty(name) || !name.All(IsTokenChar))
            {
                errors.Add($"{path}:{name}: '{name}' is not a valid header name (RFC 9110 §5.1 token)");
            }
            else if (value is null || value.Any(c => (char.IsControl(c) && c != '\t') || c > '\u00FF'))
            {
                errors.Add($"{path}:{name}: the value must be Latin-1 text without control characters");
            }
        }
    }

    // RFC 9110 §5.6.2: tchar.
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);

    private static void ValidateEndpoints(ProfileOptions profile, string path, List<string> errors)
    {
        var endpoints = profile.Endpoints;
        if (endpoints.Count == 0)
        {
            errors.Add($"{path}: at least one endpoint is required");
            return;
        }

        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var priorities = new Dictionary<int, int>();
        var ranges = new List<(AddressRange Range, int Endpoint, string Path, string Text)>();
        for (int e = 0; e < endpoints.Count; e++)
        {
            string endpointPath = $"{path}:{e}";
            var endpoint = endpoints[e];
            if (endpoint is null)
            {
                errors.Add($"{endpointPath}: empty endpoint");
                continue;
            }

            if (string.IsNullOrWhiteSpace(endpoint.Name))
            {
                errors.Add($"{endpointPath}:Name: required");
            }
            else if (!names.TryAdd(endpoint.Name, e))
            {
                errors.Add($"{endpointPath}:Name: '{endpoint.Name}' is already the name of {path}:{names[endpoint.Name]}");
            }

            if (endpoint.Type == EndpointType.Nested)
            {
                ValidateNestedEndpoint(profile, endpoint, endpointPath, errors);
            }
            else if (string.IsNullOrWhiteSpace(endpoint.Target))
            {
                errors.Add($"{endpointPath}:Target: required (an IPv4/IPv6 address or a DNS name)");
            }
            else if (!NetworkAddress.TryParse(endpoint.Target, out _))
            {
                // Not an address (answered as A/AAAA): a name, answered as CNAME.
                if (!IsHostName(endpoint.Target, allowTrailingDot: true, out string? targetError))
                {
                    errors.Add($"{endpointPath}:Target: '{endpoint.Target}' is neither an IP address nor a DNS name ({targetError})");
                }
                else if (profile.RoutingMethod == RoutingMethod.MultiValue)
                {
                    errors.Add($"{endpointPath}:Target: MultiValue profiles answer addresses only; '{endpoint.Target}' is a name");
                }
            }

            if (profile.RoutingMethod == RoutingMethod.Performance && string.IsNullOrWhiteSpace(endpoint.Location))
            {
                errors.Add($"{endpointPath}:Location: required for Performance routing (a location of the LatencyTable)");
            }

            if (endpoint.Priority is < 1 or > 1000)
            {
                errors.Add($"{endpointPath}:Priority: must be 1-1000");
            }
            else if (profile.RoutingMethod == RoutingMethod.Priority)
            {
                // Traffic Manager: endpoints cannot share a priority; an unset priority is the endpoint's position.
                int priority = endpoint.Priority ?? e + 1;
                if (!priorities.TryAdd(priority, e))
                {
                    errors.Add($"{endpointPath}:Priority: {priority}{(endpoint.Priority is null ? " (its position, as none is set)" : string.Empty)} " +
                        $"is already the priority of {path}:{priorities[priority]}; priorities must be unique");
                }
            }

            if (endpoint.Weight is < 1 or > 1000)
            {
                errors.Add($"{endpointPath}:Weight: must be 1-1000");
            }

            for (int s = 0; s < endpoint.Subnets.Count; s++)
            {
                string subnetPath = $"{endpointPath}:Subnets:{s}";
                string? text = endpoint.Subnets[s];
                if (!AddressRange.TryParse(text, out var range, out string? rangeError))
                {
                    errors.Add($"{subnetPath}: {rangeError}");
                    continue;
                }

                ranges.Add((range, e, subnetPath, text!));
            }
        }

        ValidateGeoMappings(profile, path, errors);
        if (profile.RoutingMethod == RoutingMethod.Subnet)
        {
            // Traffic Manager rejects a profile whose address ranges overlap between endpoints.
            ranges.Sort((a, b) => a.Range.CompareTo(b.Range));
            var reported = new HashSet<int>();
            for (int i = 0; i < ranges.Count; i++)
            {
                for (int j = i + 1; j < ranges.Count && ranges[j].Range.IsIPv4 == ranges[i].Range.IsIPv4 &&
                    ranges[j].Range.First <= ranges[i].Range.Last; j++)
                {
                    if (ranges[j].Endpoint != ranges[i].Endpoint && reported.Add(j))
                    {
                        errors.Add($"{ranges[j].Path}: '{ranges[j].Text}' overlaps '{ranges[i].Text}' ({ranges[i].Path}); " +
                            "a client address may map to one endpoint only");
                    }
                }
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="text"/> is a host name: labels of letters, digits, '-' and '_' (not starting or ending
    /// with '-'), at most 63 characters each (RFC 1035 §2.3.1, RFC 1123 §2.1), at most 253 characters in all.
    /// </summary>
    internal static bool IsHostName(string text, bool allowTrailingDot, out string? error)
    {
        string name = allowTrailingDot && text.EndsWith('.') && text.Length > 1 ? text[..^1] : text;
        if (name.Length is 0 or > 253)
        {
            error = $"'{text}' must be 1-253 characters";
            return false;
        }

        foreach (var range in name.AsSpan().Split('.'))
        {
            var label = name.AsSpan(range);
            if (label.Length is 0 or > DnsLimits.MaxLabelLength)
            {
                error = $"'{text}' has an empty label or one longer than 63 characters";
                return false;
            }

            if (label[0] == '-' || label[^1] == '-')
            {
                error = $"'{text}' has a label starting or ending with '-'";
                return false;
            }

            foreach (char c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
                {
                    error = $"'{text}' may hold only letters, digits, '-' and '_' in its labels";
                    return false;
                }
            }
        }

        // RFC 1123 §2.1: a name must not look like a dotted address ("010.0.0.1" is a typo, not a host).
        if (name[(name.LastIndexOf('.') + 1)..].All(char.IsAsciiDigit))
        {
            error = $"'{text}' looks like an IP address but is not a valid one";
            return false;
        }

        error = null;
        return true;
    }
}
