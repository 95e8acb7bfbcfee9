namespace Router.TrafficManager.Routing;

/// <summary>
/// Which profiles of a snapshot nest which (Nested endpoints), in an order with every child before its parents. Built
/// once per <see cref="RoutingSnapshot.Build"/> and shared by the snapshots made from it; <see cref="Derive"/> gives each
/// Nested endpoint the status its child's states call for, transitively.
/// </summary>
internal sealed class NestingGraph
{
    private readonly int[] _order;

    private NestingGraph(int[] order) => _order = order;

    /// <summary>Whether no profile has a Nested endpoint (then nothing is derived, and updates cost nothing more).</summary>
    public bool IsEmpty => _order.Length == 0;

    /// <summary>
    /// The graph of <paramref name="profiles"/>: sets each Nested endpoint's <see cref="EndpointRouting.ChildIndex"/> and
    /// orders the profiles with Nested endpoints children first. Validation refuses cycles and unknown children; one that
    /// gets here anyway leaves its endpoint without a child (never healthy) rather than looping.
    /// </summary>
    public static NestingGraph Build(ProfileRouting[] profiles, Dictionary<string, int> byName)
    {
        var order = new List<int>();
        var mark = new byte[profiles.Length]; // 0 unseen, 1 on the path, 2 done
        for (int p = 0; p < profiles.Length; p++)
        {
            Visit(p, profiles, byName, mark, order);
        }

        return new NestingGraph([.. order]);
    }

    private static void Visit(int p, ProfileRouting[] profiles, Dictionary<string, int> byName, byte[] mark, List<int> order)
    {
        if (mark[p] != 0 || !profiles[p].HasNested)
        {
            mark[p] = 2;
            return;
        }

        mark[p] = 1;
        foreach (var endpoint in profiles[p].Endpoints)
        {
            if (endpoint.Kind != EndpointTargetKind.Nested || endpoint.ChildProfile is null ||
                !byName.TryGetValue(endpoint.ChildProfile, out int child) || mark[child] == 1)
            {
                continue;
            }

            endpoint.ChildIndex = child;
            Visit(child, profiles, byName, mark, order);
        }

        mark[p] = 2;
        order.Add(p);
    }

    /// <summary>
    /// Re-derives, in <paramref name="profiles"/>, the Nested endpoints of every profile in <paramref name="changed"/>
    /// (null: all) and of every profile above a changed one; a profile whose states change is marked changed in turn.
    /// </summary>
    public void Derive(ProfileRouting[] profiles, bool[]? changed)
    {
        foreach (int p in _order)
        {
            var profile = profiles[p];
            if (changed is not null && !changed[p] && !AnyChildChanged(profile, changed))
            {
                continue;
            }

            var states = profile.States.ToArray();
            bool differs = false;
            for (int i = 0; i < states.Length; i++)
            {
                var endpoint = profile.Endpoints[i];
                if (endpoint.Kind != EndpointTargetKind.Nested)
                {
                    continue;
                }

                var state = states[i];
                var derived = !state.IsEnabled
                    ? state with { Nested = null }
                    : endpoint.ChildIndex < 0
                        ? state with { Status = Monitoring.EndpointStatus.Degraded, Held = false, Nested = null }
                        : NestedStatus.Of(endpoint, profiles[endpoint.ChildIndex]) is var nested
                            ? state with { Status = nested.Status, Held = false, Nested = nested }
                            : state;
                if (derived != state)
                {
                    states[i] = derived;
                    differs = true;
                }
            }

            if (differs)
            {
                profiles[p] = profile.WithStates(states);
                if (changed is not null)
                {
                    changed[p] = true;
                }
            }
        }
    }

    private static bool AnyChildChanged(ProfileRouting profile, bool[] changed)
    {
        foreach (var endpoint in profile.Endpoints)
        {
            if (endpoint.ChildIndex >= 0 && changed[endpoint.ChildIndex])
            {
                return true;
            }
        }

        return false;
    }
}
