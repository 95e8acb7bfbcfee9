using Router.Dns;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Routing;

/// <summary>
/// One profile with its endpoints' current states and the eligible sets derived from them, per queried family
/// (<see cref="RouteFamily"/>). Immutable: a state change makes a new instance (<see cref="WithStates"/>) that shares
/// the endpoints. <see cref="Route"/> is the one implementation of the routing methods; it never allocates.
/// </summary>
internal sealed class ProfileRouting
{
    private readonly Func<int, int> _random;
    private readonly GeoLocator _geo;
    private readonly CandidateSet _all;
    private readonly CandidateSet _v4;
    private readonly CandidateSet _v6;

    public ProfileRouting(ProfileOptions options, DnsName apex, LatencyTable table, Func<int, int> random, EndpointRoutingState[] states,
        GeoLocator? geo = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(apex);
        Name = options.Name ?? string.Empty;
        var owner = DnsName.Parse(Name + "." + apex).ToLowerInvariant();
        OwnerWire = owner.Wire.ToArray();
        Fqdn = owner.ToString();
        Method = options.RoutingMethod;
        Ttl = (uint)Math.Max(0, options.Ttl);
        MaxReturn = Math.Clamp(options.MaxReturn, 1, EndpointIndexBuffer.Capacity);
        LatencyTable = table;
        Endpoints = [.. options.Endpoints.Select((e, i) => new EndpointRouting(e, i, table, Name))];
        Subnets = Method == RoutingMethod.Subnet ? SubnetMap.Build([.. options.Endpoints.Select(e => (IReadOnlyList<string>)e.Subnets)]) : SubnetMap.Empty;
        Geo = Method == RoutingMethod.Geographic ? GeoMap.Build([.. options.Endpoints.Select(e => (IReadOnlyList<string>)e.GeoMapping)]) : GeoMap.Empty;
        _random = random;
        _geo = geo ?? new GeoLocator(GeoTable.Empty);
        States = states;
        HasNested = Endpoints.Any(e => e.Kind == EndpointTargetKind.Nested);
        (_all, _v4, _v6) = BuildSets(states);
    }

    private ProfileRouting(ProfileRouting source, EndpointRoutingState[] states)
    {
        Name = source.Name;
        OwnerWire = source.OwnerWire;
        Fqdn = source.Fqdn;
        Method = source.Method;
        Ttl = source.Ttl;
        MaxReturn = source.MaxReturn;
        LatencyTable = source.LatencyTable;
        Endpoints = source.Endpoints;
        Subnets = source.Subnets;
        Geo = source.Geo;
        _random = source._random;
        _geo = source._geo;
        States = states;

        // The candidates depend only on which endpoints are enabled and healthy: CheckingEndpoint -> Online (a region's
        // first verdicts, 100,000 profiles at once) or a failure count that grows keeps them, and shares them.
        HasNested = source.HasNested;
        (_all, _v4, _v6) = !HasNested && SameCandidates(source.States, states) ? (source._all, source._v4, source._v6) : BuildSets(states);
    }

    private (CandidateSet All, CandidateSet IPv4, CandidateSet IPv6) BuildSets(EndpointRoutingState[] states) =>
        (CandidateSet.Build(Name, Endpoints, FamilyStates(states, null), null),
            CandidateSet.Build(Name, Endpoints, FamilyStates(states, EndpointTargetKind.IPv4), EndpointTargetKind.IPv4),
            CandidateSet.Build(Name, Endpoints, FamilyStates(states, EndpointTargetKind.IPv6), EndpointTargetKind.IPv6));

    // A Nested endpoint is, for one family, enabled when its child answers that family and healthy by that family's
    // minimum (NestedStatus); other endpoints keep their state.
    private EndpointRoutingState[] FamilyStates(EndpointRoutingState[] states, EndpointTargetKind? family)
    {
        if (!HasNested)
        {
            return states;
        }

        var adjusted = (EndpointRoutingState[])states.Clone();
        for (int i = 0; i < adjusted.Length; i++)
        {
            if (Endpoints[i].Kind == EndpointTargetKind.Nested && adjusted[i].IsEnabled && adjusted[i].Nested is { } nested)
            {
                adjusted[i] = !nested.Answers(family)
                    ? adjusted[i] with { Enabled = false }
                    : adjusted[i] with { Status = nested.IsHealthy(family) ? EndpointStatus.Online : EndpointStatus.Degraded };
            }
        }

        return adjusted;
    }

    private static bool SameCandidates(IReadOnlyList<EndpointRoutingState> before, EndpointRoutingState[] after)
    {
        for (int i = 0; i < after.Length; i++)
        {
            if (before[i].IsEnabled != after[i].IsEnabled || before[i].IsHealthy != after[i].IsHealthy)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether an endpoint is Nested (its states then carry a <see cref="NestedStatus"/>, per family).</summary>
    public bool HasNested { get; }

    /// <summary>The profile name as configured.</summary>
    public string Name { get; }

    /// <summary>The name answered, lowercased wire form.</summary>
    public byte[] OwnerWire { get; }

    /// <summary>The name answered, with the trailing dot.</summary>
    public string Fqdn { get; }

    public RoutingMethod Method { get; }

    public uint Ttl { get; }

    public int MaxReturn { get; }

    public LatencyTable LatencyTable { get; }

    public EndpointRouting[] Endpoints { get; }

    public SubnetMap Subnets { get; }

    /// <summary>Geographic: the endpoints' <c>GeoMapping</c>.</summary>
    public GeoMap Geo { get; }

    /// <summary>The country database in force (Geographic).</summary>
    public GeoTable GeoTable => _geo.Table;

    /// <summary>The endpoints' states, in configuration order.</summary>
    public IReadOnlyList<EndpointRoutingState> States { get; }

    /// <summary>
    /// Whether endpoint <paramref name="index"/> is in the eligible set of <paramref name="family"/>'s candidates
    /// (after the all-degraded rule, applied within them).
    /// </summary>
    public bool IsEligible(int index, RouteFamily family = RouteFamily.Any) => Candidates(family).IsEligible[index];

    /// <summary>Whether endpoint <paramref name="index"/> can answer a query of <paramref name="family"/> at all.</summary>
    public bool IsCandidate(int index, RouteFamily family = RouteFamily.Any) => Candidates(family).Contains(Endpoints[index].Kind);

    /// <summary>Whether the all-degraded rule is in force among <paramref name="family"/>'s candidates (none enabled is healthy).</summary>
    public bool AllDegraded(RouteFamily family = RouteFamily.Any) => Candidates(family).AllDegraded;

    /// <summary>The eligible endpoints among <paramref name="family"/>'s candidates, in configuration order.</summary>
    public ReadOnlySpan<int> EligibleEndpoints(RouteFamily family = RouteFamily.Any) => Candidates(family).Eligible;

    /// <summary>This profile with other endpoint states (configuration order); everything else is shared.</summary>
    public ProfileRouting WithStates(IReadOnlyList<EndpointRoutingState> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        if (states.Count != Endpoints.Length)
        {
            throw new ArgumentException($"Profile '{Name}' has {Endpoints.Length} endpoints; {states.Count} states were given.", nameof(states));
        }

        return new ProfileRouting(this, [.. states]);
    }

    /// <summary>Routes a query from <paramref name="client"/> (the ECS address when given, else the source).</summary>
    public void Route(NetworkAddress client, RouteFamily family, ref RoutingDecision decision)
    {
        decision.Count = 0;
        decision.Scope = 0;
        decision.Row = null;
        decision.MatchedSubnet = null;
        decision.MappedEndpoint = -1;
        decision.Location = default;
        decision.GeoLevel = GeoLevel.None;
        decision.AllDegraded = _all.AllDegraded;
        if (_all.Eligible.Length == 0)
        {
            decision.Rule = RoutingRule.NoEnabledEndpoint;
            return;
        }

        // The eligible set and the all-degraded rule are those of the endpoints that can answer the queried family.
        var candidates = Candidates(family);
        decision.AllDegraded = candidates.AllDegraded;
        if (candidates.Eligible.Length == 0)
        {
            decision.Rule = RoutingRule.NoEndpointOfFamily;
            return;
        }

        switch (Method)
        {
            case RoutingMethod.Performance:
                RoutePerformance(client, candidates.Eligible, ref decision);
                break;
            case RoutingMethod.Priority:
                Choose(ref decision, LowestPriority(candidates.Eligible), RoutingRule.LowestPriority);
                break;
            case RoutingMethod.Weighted:
                Choose(ref decision, RandomByWeight(candidates.Eligible), RoutingRule.RandomByWeight);
                break;
            case RoutingMethod.MultiValue:
                RouteMultiValue(candidates.Eligible, ref decision);
                break;
            case RoutingMethod.Subnet:
                RouteSubnet(client, candidates, ref decision);
                break;
            case RoutingMethod.Geographic:
                RouteGeographic(client, candidates, ref decision);
                break;
            default:
                Choose(ref decision, candidates.Eligible[0], RoutingRule.FirstEligible);
                break;
        }
    }

    /// <summary>
    /// The probability that Weighted routing answers endpoint <paramref name="index"/> to a query of
    /// <paramref name="family"/> (0 when not eligible for it).
    /// </summary>
    public double WeightedProbability(int index, RouteFamily family = RouteFamily.Any)
    {
        var candidates = Candidates(family);
        if (!candidates.IsEligible[index])
        {
            return 0;
        }

        long total = 0;
        foreach (int e in candidates.Eligible)
        {
            total += Endpoints[e].Weight;
        }

        return (double)Endpoints[index].Weight / total;
    }

    // MultiValue answers addresses only (names are refused by validation), one family per answer: for a non-address
    // query the IPv4 endpoints when any is eligible, else the IPv6 ones.
    private CandidateSet Candidates(RouteFamily family) => family switch
    {
        RouteFamily.IPv4 => _v4,
        RouteFamily.IPv6 => _v6,
        _ when Method == RoutingMethod.MultiValue => _v4.Eligible.Length > 0 ? _v4 : _v6,
        _ => _all,
    };

    private void RoutePerformance(NetworkAddress client, ReadOnlySpan<int> eligible, ref RoutingDecision decision)
    {
        var row = LatencyTable.Lookup(client, out byte scope);
        decision.Row = row;
        decision.Scope = scope;
        int best = -1;
        double bestLatency = double.PositiveInfinity;
        if (row is not null)
        {
            // Strictly lower wins, so ties go to configuration order; endpoints without a latency never beat one with.
            foreach (int e in eligible)
            {
                double latency = row.LatencyTo(Endpoints[e].LocationIndex);
                if (!double.IsNaN(latency) && latency < bestLatency)
                {
                    best = e;
                    bestLatency = latency;
                }
            }
        }

        if (best < 0)
        {
            Choose(ref decision, eligible[0], RoutingRule.FirstEligibleWithoutLatency);
        }
        else
        {
            Choose(ref decision, best, RoutingRule.LowestLatency);
        }
    }

    private int LowestPriority(ReadOnlySpan<int> eligible)
    {
        int best = eligible[0];
        foreach (int e in eligible)
        {
            if (Endpoints[e].Priority < Endpoints[best].Priority)
            {
                best = e;
            }
        }

        return best;
    }

    private int RandomByWeight(ReadOnlySpan<int> eligible)
    {
        int total = 0;
        foreach (int e in eligible)
        {
            total += Endpoints[e].Weight;
        }

        int draw = _random(total);
        foreach (int e in eligible)
        {
            draw -= Endpoints[e].Weight;
            if (draw < 0)
            {
                return e;
            }
        }

        return eligible[^1];
    }

    private void RouteMultiValue(ReadOnlySpan<int> eligible, ref RoutingDecision decision)
    {
        decision.Rule = RoutingRule.MultiValue;
        int count = Math.Min(MaxReturn, eligible.Length);
        for (int i = 0; i < count; i++)
        {
            decision.Chosen[i] = eligible[i];
        }

        decision.Count = count;
    }

    private void RouteSubnet(NetworkAddress client, CandidateSet candidates, ref RoutingDecision decision)
    {
        int mapped = Subnets.Find(client, out byte scope, out string? matched);
        decision.Scope = scope;
        decision.MatchedSubnet = matched;
        decision.MappedEndpoint = mapped;
        if (mapped >= 0 && candidates.IsEligible[mapped])
        {
            Choose(ref decision, mapped, RoutingRule.SubnetMatch);
            return;
        }

        foreach (int e in candidates.Eligible)
        {
            if (!Endpoints[e].HasSubnets)
            {
                Choose(ref decision, e, mapped >= 0 ? RoutingRule.SubnetMappedNotEligible : RoutingRule.SubnetCatchAll);
                return;
            }
        }

        decision.Rule = RoutingRule.SubnetNoEndpoint;
    }

    // Traffic Manager's Geographic: the endpoint of the most specific mapping, and no other; when it is not eligible, or
    // nothing is mapped to where the client is, NODATA (a nested profile as the endpoint is how to fail over).
    private void RouteGeographic(NetworkAddress client, CandidateSet candidates, ref RoutingDecision decision)
    {
        var location = Geo.NeedsLocation ? _geo.Table.Lookup(client) : default;
        decision.Location = location;
        decision.Scope = location.Scope;
        int mapped = Geo.Find(location, out var level);
        decision.GeoLevel = level;
        decision.MappedEndpoint = mapped;
        if (mapped >= 0 && candidates.IsEligible[mapped])
        {
            Choose(ref decision, mapped, RoutingRule.GeographicMatch);
            return;
        }

        decision.Rule = mapped >= 0 ? RoutingRule.GeographicMappedNotEligible : RoutingRule.GeographicNoMapping;
    }

    private static void Choose(ref RoutingDecision decision, int endpoint, RoutingRule rule)
    {
        decision.Chosen[0] = endpoint;
        decision.Count = 1;
        decision.Rule = rule;
    }
}
