using System.Collections.Concurrent;

namespace Router.TrafficManager.Routing;

/// <summary>
/// The endpoints of one profile that can answer one address family, and which of them are eligible. Built once per
/// snapshot (<see cref="ProfileRouting"/>'s constructors), read without allocating on the answer path. A set holds
/// positions only, nothing of its profile, so profiles of up to <see cref="MaxShared"/> endpoints share one instance
/// per shape: 100,000 profiles failing over at once then make no new sets, where they made 300,000 of them.
/// </summary>
internal sealed class CandidateSet
{
    /// <summary>The most endpoints a profile may have for its sets to be shared.</summary>
    internal const int MaxShared = 16;

    /// <summary>The most shapes kept; beyond them (hardly reachable) sets are built per profile, as for big profiles.</summary>
    internal const int MaxShapes = 4096;

    private static readonly ConcurrentDictionary<ulong, CandidateSet> Shared = new();

    private readonly EndpointTargetKind? _family;
    private readonly int[] _eligible;
    private readonly bool[] _isEligible;

    private CandidateSet(EndpointTargetKind? family, int[] eligible, bool[] isEligible, bool allDegraded)
    {
        _family = family;
        _eligible = eligible;
        _isEligible = isEligible;
        AllDegraded = allDegraded;
    }

    /// <summary>The eligible endpoints, in configuration order.</summary>
    public ReadOnlySpan<int> Eligible => _eligible;

    /// <summary>By endpoint index: whether it is in <see cref="Eligible"/>.</summary>
    public ReadOnlySpan<bool> IsEligible => _isEligible;

    /// <summary>Whether no candidate enabled endpoint is healthy, so every enabled candidate is eligible.</summary>
    public bool AllDegraded { get; }

    /// <summary>Whether an endpoint of <paramref name="kind"/> is a candidate for this family.</summary>
    public bool Contains(EndpointTargetKind kind) => Answers(kind, _family);

    /// <summary>
    /// Whether an endpoint of <paramref name="kind"/> can answer <paramref name="family"/> (null: every family): its own
    /// family, and names and nested profiles for every family (a nested profile that cannot answer one is disabled in
    /// that family's states, <see cref="ProfileRouting"/>).
    /// </summary>
    public static bool Answers(EndpointTargetKind kind, EndpointTargetKind? family) =>
        family is not { } f || kind == f || kind is EndpointTargetKind.Name or EndpointTargetKind.Nested;

    /// <summary>
    /// Eligible: enabled and Online or CheckingEndpoint; when none is, every enabled endpoint (Traffic Manager's
    /// all-degraded rule). Disabled endpoints never are. With an address family, only that family's endpoints and the
    /// name targets (answered as CNAME to any query) count.
    /// </summary>
    /// <param name="profile">The profile's name, for the error message.</param>
    /// <param name="endpoints">The profile's endpoints, in configuration order.</param>
    /// <param name="states">Their states, in the same order.</param>
    /// <param name="family">The family answered; null for every endpoint.</param>
    public static CandidateSet Build(string profile, EndpointRouting[] endpoints, EndpointRoutingState[] states, EndpointTargetKind? family)
    {
        if (states.Length != endpoints.Length)
        {
            throw new ArgumentException($"Profile '{profile}' has {endpoints.Length} endpoints; {states.Length} states were given.", nameof(states));
        }

        // The set depends on the count, the family and which candidates are enabled and healthy: two masks.
        uint enabled = 0, healthy = 0;
        for (int i = 0; i < states.Length; i++)
        {
            if (Answers(endpoints[i].Kind, family) && states[i].IsEnabled)
            {
                enabled |= 1u << (i & 31);
                healthy |= states[i].IsHealthy ? 1u << (i & 31) : 0;
            }
        }

        if (states.Length > MaxShared)
        {
            return Make(family, states.Length, endpoints, states);
        }

        ulong familyBits = family is { } kind ? (ulong)(uint)kind + 1 : 0;
        ulong shape = (ulong)(uint)states.Length | familyBits << 5 | (ulong)enabled << 8 | (ulong)healthy << 24;
        if (Shared.TryGetValue(shape, out var shared))
        {
            return shared;
        }

        var made = Make(family, states.Length, endpoints, states);
        return Shared.Count < MaxShapes ? Shared.GetOrAdd(shape, made) : made;
    }

    private static CandidateSet Make(EndpointTargetKind? family, int count, EndpointRouting[] endpoints, EndpointRoutingState[] states)
    {
        var healthy = new List<int>();
        var enabled = new List<int>();
        for (int i = 0; i < count; i++)
        {
            if (!Answers(endpoints[i].Kind, family))
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
        var isEligible = new bool[count];
        foreach (int e in eligible)
        {
            isEligible[e] = true;
        }

        return new CandidateSet(family, eligible, isEligible, allDegraded);
    }
}
