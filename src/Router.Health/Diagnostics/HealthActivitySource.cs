using System.Diagnostics;
using Router.Health.Checks;
using Router.Health.Configuration;

namespace Router.Health.Diagnostics;

/// <summary>
/// The spans of the health monitor: one per check run (<see cref="HealthTelemetryNames.CheckActivity"/>), tagged with
/// the resource, its kind, the check type and the outcome. <see cref="StartCheck"/> returns null while nobody listens,
/// so an untraced monitor pays nothing.
/// </summary>
internal static class HealthActivitySource
{
    private static readonly ActivitySource Source = new(HealthTelemetryNames.ActivitySourceName);
    private static readonly string[] Kinds = Enum.GetNames<ResourceKind>();
    private static readonly string[] Outcomes = Enum.GetNames<CheckOutcome>();

    /// <summary>Starts the span of one check run of <paramref name="id"/>; null when it is not recorded.</summary>
    /// <param name="id">The resource.</param>
    /// <param name="kind">Its kind.</param>
    /// <param name="checkType">The check's type.</param>
    /// <param name="zone">For a zone pool's instance, its zone.</param>
    public static Activity? StartCheck(string id, ResourceKind kind, string checkType, string? zone = null)
    {
        var activity = Source.StartActivity(HealthTelemetryNames.CheckActivity);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(HealthTelemetryNames.ResourceIdAttribute, id);
            activity.SetTag(HealthTelemetryNames.ResourceKindAttribute, Kinds[(int)kind]);
            activity.SetTag(HealthTelemetryNames.CheckTypeAttribute, checkType);
            if (zone is not null)
            {
                activity.SetTag(HealthTelemetryNames.ZoneAttribute, zone);
            }
        }

        return activity;
    }

    /// <summary>
    /// Tags the span with <paramref name="result"/>'s outcome; a failure (the dependency's) or an inconclusive run (the
    /// monitor's own trouble) is an error span whose description is the reason.
    /// </summary>
    public static void Complete(Activity? activity, CheckResult result)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        activity.SetTag(HealthTelemetryNames.CheckOutcomeAttribute, Outcomes[(int)result.Outcome]);
        if (result.Outcome != CheckOutcome.Success)
        {
            activity.SetStatus(ActivityStatusCode.Error, result.Outcome == CheckOutcome.Inconclusive ? $"inconclusive: {result.Error}" : result.Error);
        }
    }
}
