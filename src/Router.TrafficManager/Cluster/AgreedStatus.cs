using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Cluster;

/// <summary>
/// The one place the quorum rule is written: the status every instance of a cluster gives an endpoint, from the views
/// of the live instances. Pure: the same views give the same status on every instance, so they all answer alike.
/// </summary>
/// <remarks>
/// A view is conclusive when it is <see cref="EndpointStatus.Online"/> or <see cref="EndpointStatus.Degraded"/>;
/// <see cref="EndpointStatus.CheckingEndpoint"/> (no probe finished yet) and <see cref="EndpointStatus.Disabled"/> (the
/// instance does not probe it) are not, and neither is an instance without a view. Among the conclusive views, the
/// endpoint is <see cref="EndpointStatus.Degraded"/> when the rule holds (<see cref="QuorumRule.Majority"/>: more than
/// half; <see cref="QuorumRule.Any"/>: one; <see cref="QuorumRule.All"/>: every one), else
/// <see cref="EndpointStatus.Online"/>; with no conclusive view it is <see cref="EndpointStatus.CheckingEndpoint"/>. A
/// single instance is its own majority.
/// </remarks>
public static class AgreedStatus
{
    /// <summary>The agreed status from the count of conclusive views and how many of them see the endpoint degraded.</summary>
    /// <param name="rule">The quorum rule.</param>
    /// <param name="conclusive">Live instances whose view is Online or Degraded.</param>
    /// <param name="degraded">Of those, how many see it Degraded.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative count, or more degraded than conclusive views.</exception>
    public static EndpointStatus Decide(QuorumRule rule, int conclusive, int degraded)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(conclusive);
        ArgumentOutOfRangeException.ThrowIfNegative(degraded);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(degraded, conclusive);
        if (conclusive == 0)
        {
            return EndpointStatus.CheckingEndpoint;
        }

        bool holds = rule switch
        {
            QuorumRule.Majority => degraded * 2 > conclusive,
            QuorumRule.Any => degraded > 0,
            QuorumRule.All => degraded == conclusive,
            _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "not a quorum rule"),
        };
        return holds ? EndpointStatus.Degraded : EndpointStatus.Online;
    }

    /// <summary>The agreed status of the views of the live instances (one status per instance with a view).</summary>
    public static EndpointStatus Decide(QuorumRule rule, ReadOnlySpan<EndpointStatus> views)
    {
        int conclusive = 0;
        int degraded = 0;
        foreach (var view in views)
        {
            if (IsConclusive(view))
            {
                conclusive++;
                degraded += view == EndpointStatus.Degraded ? 1 : 0;
            }
        }

        return Decide(rule, conclusive, degraded);
    }

    /// <summary>Whether a view says something about the endpoint's health: Online or Degraded.</summary>
    public static bool IsConclusive(EndpointStatus view) => view is EndpointStatus.Online or EndpointStatus.Degraded;
}
