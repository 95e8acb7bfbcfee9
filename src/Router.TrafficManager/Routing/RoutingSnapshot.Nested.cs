using Router.Dns;
using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Routing;

internal sealed partial class RoutingSnapshot
{
    /// <summary>Whether a profile has a Nested endpoint.</summary>
    public bool HasNesting => !_nesting.IsEmpty;

    /// <summary>
    /// Routes a query for <paramref name="profile"/> (one of this snapshot's) and, while the chosen endpoint is Nested,
    /// for its child in turn, for the same client and family. Returns the profile whose endpoints
    /// <paramref name="decision"/> indexes; <paramref name="ttl"/> is the lowest TTL and the decision's scope the longest
    /// scope of the decisions taken. Allocation-free.
    /// </summary>
    public ProfileRouting Route(ProfileRouting profile, NetworkAddress client, RouteFamily family, ref RoutingDecision decision, out uint ttl)
    {
        ArgumentNullException.ThrowIfNull(profile);
        profile.Route(client, family, ref decision);
        ttl = profile.Ttl;
        byte scope = decision.Scope;
        for (int depth = 0; depth < TrafficManagerDefaults.MaxNestingDepth && decision.Count > 0; depth++)
        {
            var chosen = profile.Endpoints[decision[0]];
            if (chosen.Kind != EndpointTargetKind.Nested || chosen.ChildIndex < 0)
            {
                break;
            }

            profile = _profiles[chosen.ChildIndex];
            profile.Route(client, family, ref decision);
            ttl = Math.Min(ttl, profile.Ttl);
            scope = Math.Max(scope, decision.Scope);
        }

        decision.Scope = scope;
        return profile;
    }
}
