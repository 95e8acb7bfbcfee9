using System.Runtime.CompilerServices;
using Router.Dns;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Routing;

/// <summary>What routing needs to know of an endpoint's monitor state.</summary>
/// <param name="Enabled">The effective flag (configuration, overridden by the admin API).</param>
/// <param name="Status">The monitor status; <see cref="EndpointStatus.Disabled"/> is never answered.</param>
internal readonly record struct EndpointRoutingState(bool Enabled, EndpointStatus Status)
{
    /// <summary>Enabled and not <see cref="EndpointStatus.Disabled"/>.</summary>
    public bool IsEnabled => Enabled && Status != EndpointStatus.Disabled;

    /// <summary>Enabled and <see cref="EndpointStatus.Online"/> or <see cref="EndpointStatus.CheckingEndpoint"/>.</summary>
    public bool IsHealthy => IsEnabled && Status is EndpointStatus.Online or EndpointStatus.CheckingEndpoint;
}

/// <summary>How an endpoint is answered.</summary>
internal enum EndpointTargetKind
{
    /// <summary>An IPv4 address: an A record.</summary>
    IPv4,

    /// <summary>An IPv6 address: an AAAA record.</summary>
    IPv6,

    /// <summary>A name: a CNAME record.</summary>
    Name,
}

/// <summary>
/// Which address family a query asks for. Routing chooses among the endpoints that can answer it: for
/// <see cref="IPv4"/> the IPv4 and name (CNAME) targets, for <see cref="IPv6"/> the IPv6 and name targets, otherwise
/// all; MultiValue (addresses only) answers that family alone.
/// </summary>
internal enum RouteFamily
{
    /// <summary>Not an address query (ANY, CNAME, MX, …): every endpoint; MultiValue answers IPv4 when it has eligible IPv4 endpoints, else IPv6.</summary>
    Any,

    /// <summary>An A query: IPv4 and name targets.</summary>
    IPv4,

    /// <summary>An AAAA query: IPv6 and name targets.</summary>
    IPv6,
}

/// <summary>The rule that produced a <see cref="RoutingDecision"/>.</summary>
internal enum RoutingRule
{
    /// <summary>No endpoint is enabled: nothing to answer.</summary>
    NoEnabledEndpoint,

    /// <summary>Performance: the eligible endpoint with the lowest latency from the client's network.</summary>
    LowestLatency,

    /// <summary>Performance: no latency known for any eligible endpoint (no table row, or no location in it): the first eligible.</summary>
    FirstEligibleWithoutLatency,

    /// <summary>Priority: the eligible endpoint with the lowest priority value.</summary>
    LowestPriority,

    /// <summary>Weighted: a random eligible endpoint, in proportion to the weights.</summary>
    RandomByWeight,

    /// <summary>MultiValue: up to MaxReturn eligible endpoints of the queried family.</summary>
    MultiValue,

    /// <summary>Endpoints are enabled, but none that can answer the queried family: NODATA.</summary>
    NoEndpointOfFamily,

    /// <summary>Subnet: the eligible endpoint whose subnets contain the client.</summary>
    SubnetMatch,

    /// <summary>Subnet: no endpoint's subnets contain the client; the first eligible endpoint without subnets.</summary>
    SubnetCatchAll,

    /// <summary>Subnet: the endpoint mapped to the client is not eligible; the first eligible endpoint without subnets.</summary>
    SubnetMappedNotEligible,

    /// <summary>Subnet: neither a matching nor an eligible catch-all endpoint: NODATA.</summary>
    SubnetNoEndpoint,

    /// <summary>A method without its own rule (Geographic, refused by validation): the first eligible endpoint.</summary>
    FirstEligible,
}

/// <summary>Endpoint indices of one answer, inline (at most <see cref="Capacity"/>, MultiValue's maximum).</summary>
[InlineArray(Capacity)]
internal struct EndpointIndexBuffer
{
    public const int Capacity = TrafficManagerOptionsValidator.MaxMultiValueReturn;

    private int _element;
}

/// <summary>
/// The outcome of routing one query: which endpoints answer, the ECS scope the answer holds for, and why. A value on
/// the stack; the DNS answer path and Explain both produce it with <see cref="ProfileRouting.Route"/>.
/// </summary>
internal struct RoutingDecision
{
    /// <summary>Indices (configuration order) of the endpoints in the answer, the first <see cref="Count"/> valid.</summary>
    public EndpointIndexBuffer Chosen;

    public int Count;

    /// <summary>The RFC 7871 scope prefix length: how much of the client address the choice depended on (0: none).</summary>
    public byte Scope;

    public RoutingRule Rule;

    /// <summary>Whether no enabled endpoint was healthy, so every enabled endpoint was eligible (the all-degraded rule).</summary>
    public bool AllDegraded;

    /// <summary>Performance: the latency table row that matched the client, if any.</summary>
    public LatencyRow? Row;

    /// <summary>Subnet: the configured subnet entry that matched the client, if any.</summary>
    public string? MatchedSubnet;

    /// <summary>Subnet: the endpoint mapped to the client, or -1.</summary>
    public int MappedEndpoint;

    public readonly int this[int index] => Chosen[index];
}

/// <summary>One endpoint as routing and the DNS answer need it; immutable, with its answer's RDATA pre-encoded.</summary>
internal sealed class EndpointRouting
{
    public EndpointRouting(EndpointOptions options, int index, LatencyTable table, string profile)
    {
        Name = options.Name ?? $"endpoint{index}";
        Target = options.Target?.Trim() ?? string.Empty;
        Location = options.Location;
        LocationIndex = table.LocationIndex(options.Location);
        Priority = options.Priority ?? index + 1;
        Weight = Math.Max(1, options.Weight);
        HasSubnets = options.Subnets.Count > 0;
        if (NetworkAddress.TryParse(Target, out var address))
        {
            Kind = address.IsIPv4 ? EndpointTargetKind.IPv4 : EndpointTargetKind.IPv6;
            RecordType = address.IsIPv4 ? DnsRecordType.A : DnsRecordType.AAAA;
            Span<byte> bytes = stackalloc byte[16];
            Rdata = bytes[..address.WriteBytes(bytes)].ToArray();
            TargetWire = [];
        }
        else
        {
            Kind = EndpointTargetKind.Name;
            RecordType = DnsRecordType.CNAME;
            var target = DnsName.Parse(Target.EndsWith('.') ? Target : Target + ".").ToLowerInvariant();
            TargetWire = target.Wire.ToArray();
            Rdata = TargetWire;
        }

        AnswerTags =
        [
            new(RoutingMetrics.ProfileTag, profile),
            new(RoutingMetrics.EndpointTag, Name),
        ];
    }

    public string Name { get; }

    public string Target { get; }

    public string? Location { get; }

    /// <summary>The location's index in latency rows, or -1 when the table does not name it.</summary>
    public int LocationIndex { get; }

    /// <summary>The effective priority: the configured one, else the 1-based position.</summary>
    public int Priority { get; }

    public int Weight { get; }

    public bool HasSubnets { get; }

    public EndpointTargetKind Kind { get; }

    /// <summary>A, AAAA or CNAME.</summary>
    public DnsRecordType RecordType { get; }

    /// <summary>The answer's RDATA: 4 or 16 address octets, or the target name in lowercased wire form.</summary>
    public byte[] Rdata { get; }

    /// <summary>For a name target, the name in lowercased wire form; empty otherwise.</summary>
    public byte[] TargetWire { get; }

    /// <summary>The tags of <c>router.tm.dns.answers</c> for this endpoint, built once.</summary>
    public KeyValuePair<string, object?>[] AnswerTags { get; }
}

/// <summary>
/// One profile with its endpoints' current states and the eligible sets derived from them, per queried family
/// (<see cref="RouteFamily"/>). Immutable: a state change makes a new instance (<see cref="WithStates"/>) that shares
/// the endpoints. <see cref="Route"/> is the one implementation of the routing methods; it never allocates.
/// </summary>
internal sealed class ProfileRouting
{
    private readonly Func<int, int> _random;
    private readonly CandidateSet _all;
    private readonly CandidateSet _v4;
    private readonly CandidateSet _v6;

    public ProfileRouting(ProfileOptions options, DnsName apex, LatencyTable table, Func<int, int> random, EndpointRoutingState[] states)
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
        _random = random;
        States = states;
        (_all, _v4, _v6) = (Eligible(states, null), Eligible(states, EndpointTargetKind.IPv4), Eligible(states, EndpointTargetKind.IPv6));
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
        _random = source._random;
        States = states;
        (_all, _v4, _v6) = (Eligible(states, null), Eligible(states, EndpointTargetKind.IPv4), Eligible(states, EndpointTargetKind.IPv6));
    }

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

    private void RoutePerformance(NetworkAddress client, int[] eligible, ref RoutingDecision decision)
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

    private int LowestPriority(int[] eligible)
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

    private int RandomByWeight(int[] eligible)
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

    private void RouteMultiValue(int[] eligible, ref RoutingDecision decision)
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

    private static void Choose(ref RoutingDecision decision, int endpoint, RoutingRule rule)
    {
        decision.Chosen[0] = endpoint;
        decision.Count = 1;
        decision.Rule = rule;
    }

    // Eligible: enabled and Online or CheckingEndpoint; when none is, every enabled endpoint (Traffic Manager's
    // all-degraded rule). Disabled endpoints never are. With an address family, only that family's endpoints and the
    // name targets (answered as CNAME to any query) count.
    private CandidateSet Eligible(EndpointRoutingState[] states, EndpointTargetKind? family)
    {
        if (states.Length != Endpoints.Length)
        {
            throw new ArgumentException($"Profile '{Name}' has {Endpoints.Length} endpoints; {states.Length} states were given.", nameof(states));
        }

        var healthy = new List<int>();
        var enabled = new List<int>();
        for (int i = 0; i < states.Length; i++)
        {
            if (family is { } f && Endpoints[i].Kind != f && Endpoints[i].Kind != EndpointTargetKind.Name)
            {
                continue;
            }

            if (states[i].IsEnabled)
            {
                enabled.Add(i);
                if (states[i].IsHealthy)
                {
                    healthy.Add(i);
                }
            }
        }

        bool allDegraded = healthy.Count == 0 && enabled.Count > 0;
        int[] eligible = allDegraded ? [.. enabled] : [.. healthy];
        var isEligible = new bool[states.Length];
        foreach (int e in eligible)
        {
            isEligible[e] = true;
        }

        return new CandidateSet(family, eligible, isEligible, allDegraded);
    }

    /// <summary>The endpoints that can answer one family, and which of them are eligible.</summary>
    private sealed class CandidateSet(EndpointTargetKind? family, int[] eligible, bool[] isEligible, bool allDegraded)
    {
        /// <summary>The eligible endpoints, in configuration order.</summary>
        public int[] Eligible { get; } = eligible;

        /// <summary>By endpoint index: whether it is in <see cref="Eligible"/>.</summary>
        public bool[] IsEligible { get; } = isEligible;

        public bool AllDegraded { get; } = allDegraded;

        public bool Contains(EndpointTargetKind kind) => family is not { } f || kind == f || kind == EndpointTargetKind.Name;
    }
}
