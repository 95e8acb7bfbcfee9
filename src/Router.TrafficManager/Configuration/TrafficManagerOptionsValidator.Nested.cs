namespace Router.TrafficManager.Configuration;

/// <summary>Nested endpoints: <c>Endpoints:N:Type: Nested</c>, <c>Profile</c>, <c>MinChildEndpoints[IPv4|IPv6]</c>.</summary>
public static partial class TrafficManagerOptionsValidator
{
    private const int MaxMinChildEndpoints = 1000;

    private static void ValidateNestedEndpoint(ProfileOptions profile, EndpointOptions endpoint, string endpointPath, List<string> errors)
    {
        if (!string.IsNullOrWhiteSpace(endpoint.Target))
        {
            errors.Add($"{endpointPath}:Target: not given for a Nested endpoint (it answers with its Profile's answer)");
        }

        if (string.IsNullOrWhiteSpace(endpoint.Profile))
        {
            errors.Add($"{endpointPath}:Profile: required for a Nested endpoint (the name of another profile of the zone)");
        }

        if (profile.RoutingMethod == RoutingMethod.MultiValue)
        {
            errors.Add($"{endpointPath}:Type: MultiValue profiles answer addresses only; a Nested endpoint answers its profile's answer");
        }

        foreach (var (key, value) in new[]
                 {
                     (nameof(EndpointOptions.MinChildEndpoints), endpoint.MinChildEndpoints),
                     (nameof(EndpointOptions.MinChildEndpointsIPv4), endpoint.MinChildEndpointsIPv4),
                     (nameof(EndpointOptions.MinChildEndpointsIPv6), endpoint.MinChildEndpointsIPv6),
                 })
        {
            if (value is < 1 or > MaxMinChildEndpoints)
            {
                errors.Add($"{endpointPath}:{key}: must be 1-{MaxMinChildEndpoints}");
            }
        }
    }

    /// <summary>Every Nested endpoint names a profile of the zone, with no cycle and at most <see cref="TrafficManagerDefaults.MaxNestingDepth"/> links below.</summary>
    private static void ValidateNesting(TrafficManagerOptions options, string path, List<string> errors)
    {
        var byName = new Dictionary<string, ProfileOptions>(StringComparer.OrdinalIgnoreCase);
        foreach (var profile in options.Profiles)
        {
            if (profile?.Name is { } name)
            {
                byName.TryAdd(name.TrimEnd('.'), profile);
            }
        }

        for (int p = 0; p < options.Profiles.Count; p++)
        {
            var profile = options.Profiles[p];
            if (profile?.Name is null)
            {
                continue;
            }

            for (int e = 0; e < profile.Endpoints.Count; e++)
            {
                var endpoint = profile.Endpoints[e];
                if (endpoint is not { Type: EndpointType.Nested, Profile: { } child } || string.IsNullOrWhiteSpace(child))
                {
                    continue;
                }

                string endpointPath = $"{path}:Profiles:{p}:Endpoints:{e}:Profile";
                if (!byName.ContainsKey(child.TrimEnd('.')))
                {
                    errors.Add($"{endpointPath}: '{child}' is not a profile of the zone");
                    continue;
                }

                var chain = new List<string> { profile.Name.TrimEnd('.') };
                string? problem = Walk(child.TrimEnd('.'), chain, byName);
                if (problem is not null)
                {
                    errors.Add($"{endpointPath}: {problem}");
                }
            }
        }
    }

    /// <summary>
    /// Follows <paramref name="name"/> down every Nested endpoint, depth first; the first cycle back into
    /// <paramref name="chain"/> or the first chain over the depth limit, as text; null when there is neither.
    /// Unknown children are reported at their own endpoint.
    /// </summary>
    private static string? Walk(string name, List<string> chain, Dictionary<string, ProfileOptions> byName)
    {
        if (chain.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            return chain[0].Equals(name, StringComparison.OrdinalIgnoreCase)
                ? $"{string.Join(" -> ", chain)} -> {name} is a cycle"
                : null; // a cycle further down, reported at the endpoints on it
        }

        chain.Add(name);
        try
        {
            if (chain.Count - 1 > TrafficManagerDefaults.MaxNestingDepth)
            {
                return $"{string.Join(" -> ", chain)} nests {chain.Count - 1} profiles deep; at most {TrafficManagerDefaults.MaxNestingDepth} are allowed";
            }

            if (!byName.TryGetValue(name, out var profile))
            {
                return null;
            }

            foreach (var endpoint in profile.Endpoints)
            {
                if (endpoint is { Type: EndpointType.Nested, Profile: { } child } && !string.IsNullOrWhiteSpace(child) &&
                    Walk(child.TrimEnd('.'), chain, byName) is { } problem)
                {
                    return problem;
                }
            }

            return null;
        }
        finally
        {
            chain.RemoveAt(chain.Count - 1);
        }
    }
}
