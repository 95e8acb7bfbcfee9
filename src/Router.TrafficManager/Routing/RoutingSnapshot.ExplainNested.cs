using System.Globalization;
using Router.Dns;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Routing;

internal sealed partial class RoutingSnapshot
{
    // A Nested endpoint: how many of its child's endpoints are eligible against MinChildEndpoints (and the queried
    // family's minimum), then why it was or was not chosen.
    private static string NestedNote(ProfileRouting profile, int index, RouteFamily family, DnsRecordType type, in RoutingDecision decision, bool chosen)
    {
        var endpoint = profile.Endpoints[index];
        var nested = profile.States[index].Nested;
        if (nested is null)
        {
            return $"nested profile {endpoint.ChildProfile}, not found";
        }

        string counts = string.Create(CultureInfo.InvariantCulture,
            $"nested profile {endpoint.ChildProfile}: {nested.Healthy} of {nested.Enabled} child endpoints eligible, MinChildEndpoints {nested.Min}");
        counts += family switch
        {
            RouteFamily.IPv4 => string.Create(CultureInfo.InvariantCulture,
                $"; {nested.HealthyIPv4} of {nested.EnabledIPv4} answer A, MinChildEndpointsIPv4 {nested.MinIPv4}"),
            RouteFamily.IPv6 => string.Create(CultureInfo.InvariantCulture,
                $"; {nested.HealthyIPv6} of {nested.EnabledIPv6} answer AAAA, MinChildEndpointsIPv6 {nested.MinIPv6}"),
            _ => string.Empty,
        };

        var kind = family switch { RouteFamily.IPv4 => EndpointTargetKind.IPv4, RouteFamily.IPv6 => EndpointTargetKind.IPv6, _ => (EndpointTargetKind?)null };
        string verdict = !nested.Answers(kind) ? $"cannot answer {type} (no enabled child endpoint does)"
            : chosen ? decision.AllDegraded ? "chosen (all enabled endpoints are degraded)" : "chosen; the answer is the child's"
            : !profile.IsEligible(index, family) ? "degraded"
            : "eligible, not chosen";
        return $"{counts}: {verdict}";
    }
}
