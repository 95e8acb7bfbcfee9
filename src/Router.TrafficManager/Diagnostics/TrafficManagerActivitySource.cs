using System.Diagnostics;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Diagnostics;

/// <summary>
/// The spans of the traffic manager: one per endpoint probe (<see cref="TrafficManagerTelemetryNames.ProbeActivity"/>),
/// tagged with profile, endpoint, target, outcome, status code and whether the fallback probe answered. Nothing on the
/// DNS answer path starts a span. <see cref="StartProbe"/> returns null while nobody listens.
/// </summary>
internal static class TrafficManagerActivitySource
{
    private static readonly ActivitySource Source = new(TrafficManagerTelemetryNames.ActivitySourceName);

    /// <summary>Starts the span of one probe of <paramref name="target"/>; null when it is not recorded.</summary>
    public static Activity? StartProbe(ProbeTarget target)
    {
        var activity = Source.StartActivity(TrafficManagerTelemetryNames.ProbeActivity, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TrafficManagerTelemetryNames.ProfileAttribute, target.Profile);
            activity.SetTag(TrafficManagerTelemetryNames.EndpointAttribute, target.Endpoint);
            activity.SetTag(TrafficManagerTelemetryNames.ServerAddressAttribute, target.Target);
            activity.SetTag(TrafficManagerTelemetryNames.ServerPortAttribute, target.Monitor.Port);
            activity.SetTag(TrafficManagerTelemetryNames.ProtocolAttribute, target.Monitor.Protocol.ToString());
        }

        return activity;
    }

    /// <summary>Tags the span with the result; a failed probe (or a crashed prober) is an error span whose description is the reason.</summary>
    public static void Complete(Activity? activity, ProbeResult result, bool crashed)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        activity.SetTag(TrafficManagerTelemetryNames.OutcomeAttribute,
            crashed ? TrafficManagerMetrics.Error : result.Succeeded ? TrafficManagerMetrics.Success : TrafficManagerMetrics.Failure);
        activity.SetTag(TrafficManagerTelemetryNames.FallbackAttribute, result.UsedFallback);
        if (result.StatusCode is int status)
        {
            activity.SetTag(TrafficManagerTelemetryNames.StatusCodeAttribute, status);
        }

        if (!result.Succeeded)
        {
            activity.SetStatus(ActivityStatusCode.Error, result.Error);
        }
    }
}
