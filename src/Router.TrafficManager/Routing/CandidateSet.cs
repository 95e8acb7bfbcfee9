namespace Router.TrafficManager.Routing;

/// <summary>
/// The endpoints of one profile that can answer one address family, and which of them are eligible. Built once per
/// snapshot (<see cref="ProfileRouting"/>'s constructors), read without allocating on the answer path.
/// </summary>
internal sealed class CandidateSet
{
    private readonly EndpointTargetKind? _family;

    private CandidateSet(EndpointTargetKind? family, int[] eligible, bool[] isEligible, bool allDegraded)
    {
        _family = family;
        Eligible = eligible;
        IsEligible = isEligible;
        AllDegraded = allDegraded;
    }

    /// <summary>The eligible endpoints, in configuration order.</summary>
    public int[] Eligible { get; }

    /// <summary>By endpoint index: whether it is in <see cref="Eligible"/>.</summary>
    public bool[] IsEligible { get; }

    /// <summary>Whether no candidate enabled endpoint is healthy, so every enabled candidate is eligible.</summary>
    public bool AllDegraded { get; }

    /// <summary>Whether an endpoint of <paramref name="kind"/> is a candidate for this family.</summary>
    public bool Contains(EndpointTargetKind kind) => _family is not { } f || kind == f || kind == EndpointTargetKind.Name;

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

        var healthy = new List<int>();
        var enabled = new List<int>();
        for (int i = 0; i < states.Length; i++)
        {
            if (family is { } f && endpoints[i].Kind != f && endpoints[i].Kind != EndpointTargetKind.Name)
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
}
