using System.Globalization;
using System.Net;
using Router.Dns;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Routing;

internal sealed partial class RoutingSnapshot
{
    /// <summary>
    /// Why <paramref name="name"/> (a profile name, relative or fully qualified) resolves as it does for
    /// <paramref name="client"/>, routed by <see cref="ProfileRouting.Route"/> exactly as a DNS query of
    /// <paramref name="type"/> whose Client Subnet (or source) address is <paramref name="client"/>; null when the name
    /// is not a profile. Weighted profiles draw as a query would, so the answer shown is one possible answer; the
    /// candidates carry the odds.
    /// </summary>
    /// <param name="name">The profile name, relative to the zone or fully qualified.</param>
    /// <param name="client">The address routed for.</param>
    /// <param name="type">The query type: A (the default) routes among IPv4 and name targets, AAAA among IPv6 and name targets, others among all.</param>
    public ExplainReport? Explain(string name, IPAddress client, DnsRecordType type = DnsRecordType.A)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(client);
        var profile = ResolveProfile(name.Trim());
        return profile is null ? null : ExplainProfile(name, profile, client, type, 0);
    }

    private ExplainReport ExplainProfile(string name, ProfileRouting profile, IPAddress client, DnsRecordType type, int depth)
    {

        var address = NetworkAddress.FromIPAddress(client);
        var family = FamilyOf(type);
        var decision = default(RoutingDecision);
        profile.Route(address, family, ref decision);

        var chosen = new HashSet<int>();
        for (int i = 0; i < decision.Count; i++)
        {
            chosen.Add(decision[i]);
        }

        var candidates = new List<ExplainCandidate>();
        for (int i = 0; i < profile.Endpoints.Length; i++)
        {
            var endpoint = profile.Endpoints[i];
            var state = profile.States[i];
            double? latency = null;
            if (profile.Method == RoutingMethod.Performance && decision.Row is { } row && !double.IsNaN(row.LatencyTo(endpoint.LocationIndex)))
            {
                latency = row.LatencyTo(endpoint.LocationIndex);
            }

            var status = state.IsEnabled || state.Status == EndpointStatus.Maintenance ? state.Status : EndpointStatus.Disabled;
            candidates.Add(new ExplainCandidate(
                endpoint.Name, endpoint.Target, endpoint.Location, status, state.IsEnabled, profile.IsEligible(i, family), latency,
                endpoint.Priority, endpoint.Weight, chosen.Contains(i), Note(profile, i, family, type, decision, chosen.Contains(i), latency))
            {
                Held = state.Held,
                Reason = state.Reason,
            });
        }

        // As the DNS answer: a name target is a CNAME for every type; an address only for its own type (or ANY).
        var answer = new List<string>();
        for (int i = 0; i < decision.Count; i++)
        {
            var endpoint = profile.Endpoints[decision[i]];
            if (endpoint.Kind != EndpointTargetKind.Name && type != DnsRecordType.ANY && endpoint.RecordType != type)
            {
                continue;
            }

            answer.Add(endpoint.Kind switch
            {
                EndpointTargetKind.IPv4 => $"A {new IPAddress(endpoint.Rdata)}",
                EndpointTargetKind.IPv6 => $"AAAA {new IPAddress(endpoint.Rdata)}",
                _ => $"CNAME {DnsName.Parse(endpoint.Target.EndsWith('.') ? endpoint.Target : endpoint.Target + ".")}",
            });
        }

        var report = new ExplainReport(
            name, profile.Name, profile.Method, client, decision.Row?.NetworkText ?? decision.MatchedSubnet, candidates,
            Rule(profile, family, type, decision), answer, (int)profile.Ttl, decision.Scope);
        if (decision.Count > 0 && profile.Endpoints[decision[0]] is { Kind: EndpointTargetKind.Nested, ChildIndex: >= 0 } nested &&
            depth < TrafficManagerDefaults.MaxNestingDepth)
        {
            // The answer is the child's, for the same client and query, with the tighter TTL and ECS scope.
            var child = ExplainProfile(_profiles[nested.ChildIndex].Name, _profiles[nested.ChildIndex], client, type, depth + 1);
            report = report with
            {
                Answer = child.Answer,
                Ttl = Math.Min(report.Ttl, child.Ttl),
                ScopePrefixLength = Math.Max(report.ScopePrefixLength, child.ScopePrefixLength),
                Nested = child,
            };
        }

        return profile.Method != RoutingMethod.Geographic ? report : report with
        {
            ClientCountry = decision.Location.CountryCode,
            ClientContinent = decision.Location.ContinentCode,
            GeoMapping = MatchedCode(decision),
            GeoDatabase = profile.GeoTable.Description,
        };
    }

    /// <summary>The family a query of <paramref name="type"/> is routed for.</summary>
    internal static RouteFamily FamilyOf(DnsRecordType type) => type switch
    {
        DnsRecordType.A => RouteFamily.IPv4,
        DnsRecordType.AAAA => RouteFamily.IPv6,
        _ => RouteFamily.Any,
    };

    private ProfileRouting? ResolveProfile(string name)
    {
        if (name.Length == 0)
        {
            return null;
        }

        if (!name.EndsWith('.') && FindProfile(name) is { } relative)
        {
            return relative;
        }

        return DnsName.TryParse(name.EndsWith('.') ? name : name + ".", DnsName.Root, out var fqdn, out _)
            ? FindProfile(fqdn.ToLowerInvariant().Wire)
            : null;
    }

    private static string Rule(ProfileRouting profile, RouteFamily family, DnsRecordType type, in RoutingDecision decision)
    {
        string first = decision.Count > 0 ? profile.Endpoints[decision[0]].Name : string.Empty;
        string rule = decision.Rule switch
        {
            RoutingRule.NoEnabledEndpoint => "no enabled endpoint: NXDOMAIN (as Traffic Manager answers when every endpoint is disabled)",
            RoutingRule.LowestLatency => string.Create(CultureInfo.InvariantCulture,
                $"lowest latency among eligible endpoints from {decision.Row!.NetworkText}: {first} {decision.Row.LatencyTo(profile.Endpoints[decision[0]].LocationIndex)} ms"),
            RoutingRule.FirstEligibleWithoutLatency => decision.Row is null
                ? $"no latency table entry matches the client: first eligible endpoint in configuration order: {first}"
                : $"the table entry {decision.Row.NetworkText} has no latency for any eligible endpoint's location: first eligible endpoint in configuration order: {first}",
            RoutingRule.LowestPriority => string.Create(CultureInfo.InvariantCulture,
                $"lowest priority value among eligible endpoints: {first} (priority {profile.Endpoints[decision[0]].Priority})"),
            RoutingRule.RandomByWeight => string.Create(CultureInfo.InvariantCulture,
                $"random by weight among eligible endpoints ({string.Join(", ", Weights(profile, family))}); this time {first}"),
            RoutingRule.MultiValue => string.Create(CultureInfo.InvariantCulture,
                $"every eligible endpoint of the family, up to MaxReturn {profile.MaxReturn}"),
            RoutingRule.NoEndpointOfFamily => $"no enabled endpoint can answer {type} ({Candidates(family)}): NODATA",
            RoutingRule.SubnetMatch => $"the client is in {decision.MatchedSubnet}, mapped to {first}",
            RoutingRule.SubnetCatchAll => $"no endpoint's subnets contain the client: the endpoint without subnets, {first}",
            RoutingRule.SubnetMappedNotEligible =>
                $"the client is in {decision.MatchedSubnet}, mapped to {profile.Endpoints[decision.MappedEndpoint].Name}, which is not eligible: the endpoint without subnets, {first}",
            RoutingRule.SubnetNoEndpoint => decision.MappedEndpoint >= 0
                ? $"the client is in {decision.MatchedSubnet}, mapped to {profile.Endpoints[decision.MappedEndpoint].Name}, which is not eligible, and no eligible endpoint is without subnets: NODATA"
                : "no endpoint's subnets contain the client and no eligible endpoint is without subnets: NODATA",
            RoutingRule.GeographicMatch => $"{Placed(profile, decision)}; the most specific mapping is {Mapping(decision)}: {first}",
            RoutingRule.GeographicMappedNotEligible =>
                $"{Placed(profile, decision)}; the most specific mapping is {Mapping(decision)}: {profile.Endpoints[decision.MappedEndpoint].Name}, " +
                "which is not eligible: NODATA (Geographic routing does not fail over to another region; a nested profile as the endpoint does)",
            RoutingRule.GeographicNoMapping => $"{Placed(profile, decision)}; no endpoint maps {Unmatched(decision)}: NODATA",
            _ => $"first eligible endpoint in configuration order: {first}",
        };

        if (decision.AllDegraded)
        {
            rule += " (no enabled endpoint is online: all enabled endpoints are eligible, Traffic Manager's all-degraded rule)";
        }

        // Say so when the query type left endpoints out of the choice (a dual-stack profile).
        bool restricted = decision.Rule != RoutingRule.NoEndpointOfFamily && Enumerable.Range(0, profile.Endpoints.Length).Any(i => !profile.IsCandidate(i, family));
        return restricted ? $"{rule}; {type} queries are routed among the {Candidates(family)} only" : rule;
    }

    private static string? MatchedCode(in RoutingDecision decision) => decision.GeoLevel switch
    {
        GeoLevel.Country => decision.Location.CountryCode,
        GeoLevel.Continent => decision.Location.ContinentCode,
        GeoLevel.World => GeoCodes.World,
        _ => null,
    };

    private static string Mapping(in RoutingDecision decision) => decision.GeoLevel switch
    {
        GeoLevel.Country => $"the country {decision.Location.CountryCode}",
        GeoLevel.Continent => $"the continent {decision.Location.ContinentCode}",
        _ => GeoCodes.World,
    };

    private static string Unmatched(in RoutingDecision decision)
    {
        var codes = new List<string>(3);
        if (decision.Location.CountryCode is { } country)
        {
            codes.Add(country);
        }

        if (decision.Location.ContinentCode is { } continent)
        {
            codes.Add(continent);
        }

        codes.Add(GeoCodes.World);
        return string.Join(", ", codes);
    }

    private static string Placed(ProfileRouting profile, in RoutingDecision decision)
    {
        if (!profile.Geo.NeedsLocation)
        {
            return "the profile maps no country or continent, so the client is not looked up";
        }

        var location = decision.Location;
        if (!location.IsKnown)
        {
            return $"the country database ({profile.GeoTable.Description}) does not place the client";
        }

        return $"the country database places the client in {location.CountryCode ?? "no country"} ({location.ContinentCode ?? "no continent"})";
    }

    private static string Candidates(RouteFamily family) => family switch
    {
        RouteFamily.IPv4 => "IPv4 and name targets",
        RouteFamily.IPv6 => "IPv6 and name targets",
        _ => "endpoints",
    };

    private static IEnumerable<string> Weights(ProfileRouting profile, RouteFamily family)
    {
        foreach (int e in profile.EligibleEndpoints(family).ToArray())
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{profile.Endpoints[e].Name} weight {profile.Endpoints[e].Weight}, p={profile.WeightedProbability(e, family):0.###}");
        }
    }

    private static string Note(ProfileRouting profile, int index, RouteFamily family, DnsRecordType type, in RoutingDecision decision, bool chosen,
        double? latency)
    {
        var state = profile.States[index];
        var endpoint = profile.Endpoints[index];
        if (state.Enabled && state.Status == EndpointStatus.Maintenance)
        {
            return state.Reason is null ? "in maintenance (probed, not answered)" : $"in maintenance (probed, not answered): {state.Reason}";
        }

        if (!state.IsEnabled)
        {
            return "disabled";
        }

        if (endpoint.Kind == EndpointTargetKind.Nested)
        {
            return NestedNote(profile, index, family, type, decision, chosen);
        }

        if (!profile.IsCandidate(index, family))
        {
            return $"cannot answer {type} (an {(endpoint.Kind == EndpointTargetKind.IPv4 ? "IPv4" : "IPv6")} address)";
        }

        if (profile.Method == RoutingMethod.Weighted && profile.IsEligible(index, family))
        {
            string odds = string.Create(CultureInfo.InvariantCulture, $"probability {profile.WeightedProbability(index, family):0.###}");
            return chosen ? $"chosen (random by weight, {odds})" : $"not drawn this time ({odds})";
        }

        if (chosen)
        {
            return decision.AllDegraded ? $"chosen (all enabled endpoints are degraded{(state.Held ? " or held back" : string.Empty)})" : "chosen";
        }

        if (!profile.IsEligible(index, family))
        {
            return state.Held ? $"held back: {state.Reason}" : state.Status == EndpointStatus.Degraded ? "degraded" : $"not eligible ({state.Status})";
        }

        return profile.Method switch
        {
            RoutingMethod.Performance when latency is null => decision.Row is null ? "no latency table entry for the client" : $"no latency to {endpoint.Location ?? "its location"} from {decision.Row.NetworkText}",
            RoutingMethod.Performance => "higher latency",
            RoutingMethod.Priority => "higher priority value",
            RoutingMethod.MultiValue => endpoint.Kind is EndpointTargetKind.Name ? "not an address" : "other address family or beyond MaxReturn",
            RoutingMethod.Subnet => endpoint.HasSubnets ? "its subnets do not contain the client" : "a later endpoint without subnets",
            RoutingMethod.Geographic => $"maps {string.Join(", ", endpoint.GeoMapping)}, not the client's location",
            _ => "not first eligible",
        };
    }
}
