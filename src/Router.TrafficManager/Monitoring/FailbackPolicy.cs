using System.Globalization;
using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Monitoring;

/// <summary>
/// When a recovered endpoint returns to answers (<c>Monitor:Failback</c>). Pure: the next hold from (the hold, the
/// probe's state change, now).
/// </summary>
/// <remarks>
/// An endpoint is held only after it failed over and recovered (a <c>Degraded</c> → <c>Online</c> transition), never at
/// start-up (<c>CheckingEndpoint</c> → <c>Online</c>) nor after being enabled. <c>HoldDown</c> releases it at the first
/// successful probe at least <c>HoldDownSeconds</c> after <see cref="FailbackHold.CleanSince"/>; a failed probe during
/// the hold moves <see cref="FailbackHold.CleanSince"/> to that probe (the count restarts), and so does a new recovery
/// after the endpoint failed over again (the count is of time spent Online). <c>Manual</c> keeps it until
/// an operator releases it, whatever the probes say. <c>Automatic</c> never holds (a hold left from another mode is
/// released).
/// </remarks>
internal static class FailbackPolicy
{
    /// <summary>The hold after a probe moved the endpoint from <paramref name="previous"/> to <paramref name="current"/>; null: not held.</summary>
    public static FailbackHold? Next(FailbackOptions options, FailbackHold? hold, string profile, string endpoint,
        EndpointMonitorState previous, EndpointMonitorState current, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mode == FailbackMode.Automatic)
        {
            return null;
        }

        if (hold is null)
        {
            return previous.Status == EndpointStatus.Degraded && current.Status == EndpointStatus.Online
                ? new FailbackHold(profile, endpoint, now, now)
                : null;
        }

        if (options.Mode != FailbackMode.HoldDown)
        {
            return hold;
        }

        // A failure restarts the count; so does a return to Online (the count is of time spent Online).
        if (current.ConsecutiveFailures > 0 || current.Status != EndpointStatus.Online || previous.Status != EndpointStatus.Online)
        {
            return hold with { CleanSince = now };
        }

        return now - hold.CleanSince >= HoldDown(options) ? null : hold;
    }

    /// <summary>Why the endpoint is held back, as status and explain show it.</summary>
    public static string Reason(FailbackOptions options, FailbackHold hold) => options.Mode switch
    {
        FailbackMode.HoldDown => string.Create(CultureInfo.InvariantCulture,
            $"failback HoldDown: recovered at {hold.HeldAt:O}; returns after {options.HoldDownSeconds} s Online without a failure (counting since {hold.CleanSince:O}, due {hold.CleanSince + HoldDown(options):O})"),
        FailbackMode.Manual => string.Create(CultureInfo.InvariantCulture,
            $"failback Manual: recovered at {hold.HeldAt:O}; returns when released (POST /api/profiles/{hold.Profile}/endpoints/{hold.Endpoint}/release or router release {hold.Profile} {hold.Endpoint})"),
        _ => "failback Automatic: not held",
    };

    private static TimeSpan HoldDown(FailbackOptions options) => TimeSpan.FromSeconds(options.HoldDownSeconds);
}
