using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Routing;

/// <summary>
/// A Nested endpoint's view of its child profile: how many of the child's enabled endpoints there are, and how many
/// are healthy (Online or CheckingEndpoint, not held back), in all and per family. Made by <see cref="RoutingSnapshot"/>
/// from the child's states whenever they change; the one home of the <c>MinChildEndpoints</c> rule.
/// </summary>
internal sealed record NestedStatus(int Enabled, int Healthy, int EnabledIPv4, int HealthyIPv4, int EnabledIPv6, int HealthyIPv6,
    int Min, int MinIPv4, int MinIPv6)
{
    /// <summary>
    /// The status shown: Online when at least <see cref="Min"/> child endpoints are healthy, and at least the family's
    /// minimum of each family the child answers; Degraded otherwise.
    /// </summary>
    public EndpointStatus Status =>
        Healthy >= Min && (EnabledIPv4 == 0 || HealthyIPv4 >= MinIPv4) && (EnabledIPv6 == 0 || HealthyIPv6 >= MinIPv6)
            ? EndpointStatus.Online
            : EndpointStatus.Degraded;

    /// <summary>Whether the child has an enabled endpoint that answers <paramref name="family"/> (null: any).</summary>
    public bool Answers(EndpointTargetKind? family) => family switch
    {
        EndpointTargetKind.IPv4 => EnabledIPv4 > 0,
        EndpointTargetKind.IPv6 => EnabledIPv6 > 0,
        _ => Enabled > 0,
    };

    /// <summary>
    /// Whether the nested endpoint is healthy for queries of <paramref name="family"/>: <see cref="Min"/> healthy in all,
    /// and the family's own minimum among its endpoints (null: the shown <see cref="Status"/>).
    /// </summary>
    public bool IsHealthy(EndpointTargetKind? family) => family switch
    {
        EndpointTargetKind.IPv4 => Healthy >= Min && HealthyIPv4 >= MinIPv4,
        EndpointTargetKind.IPv6 => Healthy >= Min && HealthyIPv6 >= MinIPv6,
        _ => Status == EndpointStatus.Online,
    };

    /// <summary>Counts <paramref name="child"/>'s enabled and healthy endpoints for <paramref name="endpoint"/>'s minimums.</summary>
    public static NestedStatus Of(EndpointRouting endpoint, ProfileRouting child)
    {
        int enabled = 0, healthy = 0, enabled4 = 0, healthy4 = 0, enabled6 = 0, healthy6 = 0;
        for (int i = 0; i < child.Endpoints.Length; i++)
        {
            var state = child.States[i];
            if (!state.IsEnabled)
            {
                continue;
            }

            var kind = child.Endpoints[i].Kind;
            enabled++;
            healthy += state.IsHealthy ? 1 : 0;
            if (kind == EndpointTargetKind.Nested && state.Nested is { } grandchild)
            {
                // A nested endpoint of the child counts in a family when its own child answers it, healthy by its own rule.
                bool usable = !state.Held && state.Enabled;
                enabled4 += grandchild.Answers(EndpointTargetKind.IPv4) ? 1 : 0;
                healthy4 += usable && grandchild.Answers(EndpointTargetKind.IPv4) && grandchild.IsHealthy(EndpointTargetKind.IPv4) ? 1 : 0;
                enabled6 += grandchild.Answers(EndpointTargetKind.IPv6) ? 1 : 0;
                healthy6 += usable && grandchild.Answers(EndpointTargetKind.IPv6) && grandchild.IsHealthy(EndpointTargetKind.IPv6) ? 1 : 0;
                continue;
            }

            if (CandidateSet.Answers(kind, EndpointTargetKind.IPv4))
            {
                enabled4++;
                healthy4 += state.IsHealthy ? 1 : 0;
            }

            if (CandidateSet.Answers(kind, EndpointTargetKind.IPv6))
            {
                enabled6++;
                healthy6 += state.IsHealthy ? 1 : 0;
            }
        }

        return new NestedStatus(enabled, healthy, enabled4, healthy4, enabled6, healthy6,
            endpoint.MinChildEndpoints, endpoint.MinChildEndpointsIPv4, endpoint.MinChildEndpointsIPv6);
    }
}
