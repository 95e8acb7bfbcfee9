using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Monitoring;

/// <summary>
/// Computes an endpoint's next monitor state from a probe result, with Traffic Manager's rules. Pure: no I/O, no clock
/// reads, thread-safe.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><description><see cref="EndpointStatus.CheckingEndpoint"/> (enabled, no conclusive result yet): the first success
/// makes it <see cref="EndpointStatus.Online"/> at once, whatever <see cref="MonitorOptions.SuccessesToOnline"/> says (the
/// endpoint was never degraded, and it is eligible either way); it becomes <see cref="EndpointStatus.Degraded"/> when the
/// consecutive failures reach <c>ToleratedFailures + 1</c>, and stays <see cref="EndpointStatus.CheckingEndpoint"/> while
/// they are fewer (tolerated failures are, as for an online endpoint, not yet a verdict).</description></item>
/// <item><description><see cref="EndpointStatus.Online"/> → <see cref="EndpointStatus.Degraded"/> when the consecutive
/// failures reach <c>ToleratedFailures + 1</c>; a success in between starts the count again.</description></item>
/// <item><description><see cref="EndpointStatus.Degraded"/> → <see cref="EndpointStatus.Online"/> after
/// <c>SuccessesToOnline</c> consecutive successes (1 = Traffic Manager's rule: the first success).</description></item>
/// <item><description><see cref="EndpointStatus.Disabled"/> ignores probe results (a probe that was running when the
/// endpoint was disabled); only <see cref="SetEnabled"/> leaves it.</description></item>
/// </list>
/// Counters saturate at <see cref="int.MaxValue"/>; <c>LastStatusChange</c> moves only when the status does.
/// </remarks>
internal static class EndpointHealthPolicy
{
    /// <summary>The state after one more probe result.</summary>
    public static EndpointMonitorState Next(EndpointMonitorState state, ProbeResult result, MonitorOptions monitor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        if (state.Status == EndpointStatus.Disabled)
        {
            return state;
        }

        EndpointStatus status;
        int failures;
        int successes;
        if (result.Succeeded)
        {
            failures = 0;
            successes = Increment(state.ConsecutiveSuccesses);
            status = state.Status switch
            {
                EndpointStatus.Degraded when successes < Math.Max(1, monitor.SuccessesToOnline) => EndpointStatus.Degraded,
                _ => EndpointStatus.Online,
            };
        }
        else
        {
            successes = 0;
            failures = Increment(state.ConsecutiveFailures);
            status = failures > Math.Max(0, monitor.ToleratedFailures) ? EndpointStatus.Degraded : state.Status;
        }

        return new EndpointMonitorState(status, failures, successes, result, status == state.Status ? state.LastStatusChange : now);
    }

    /// <summary>
    /// The state under changed thresholds (<c>ToleratedFailures</c>, <c>SuccessesToOnline</c>) with the same probe
    /// history: the counters are kept and judged by <paramref name="monitor"/> as <see cref="Next"/> would have judged
    /// the last result. An <see cref="EndpointStatus.Online"/> or <see cref="EndpointStatus.CheckingEndpoint"/> endpoint
    /// whose consecutive failures already exceed the new <c>ToleratedFailures</c> becomes <see cref="EndpointStatus.Degraded"/>;
    /// a <see cref="EndpointStatus.Degraded"/> endpoint becomes <see cref="EndpointStatus.Online"/> only when its
    /// consecutive successes already reach the new <c>SuccessesToOnline</c> (a raised tolerance does not undo a
    /// verdict: only successes do). <see cref="EndpointStatus.Disabled"/> is kept. Returns <paramref name="state"/>
    /// unchanged when the status stays.
    /// </summary>
    public static EndpointMonitorState Reevaluate(EndpointMonitorState state, MonitorOptions monitor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        var status = state.Status switch
        {
            EndpointStatus.Online or EndpointStatus.CheckingEndpoint when state.ConsecutiveFailures > Math.Max(0, monitor.ToleratedFailures)
                => EndpointStatus.Degraded,
            EndpointStatus.Degraded when state.ConsecutiveSuccesses > 0 && state.ConsecutiveSuccesses >= Math.Max(1, monitor.SuccessesToOnline)
                => EndpointStatus.Online,
            _ => state.Status,
        };
        return status == state.Status ? state : state with { Status = status, LastStatusChange = now };
    }

    /// <summary>
    /// Enables (<see cref="EndpointStatus.Disabled"/> → <see cref="EndpointStatus.CheckingEndpoint"/>) or disables (any
    /// other status → <see cref="EndpointStatus.Disabled"/>) the endpoint with its counters reset; the last probe is
    /// kept for display. Returns <paramref name="state"/> unchanged when it already is as asked.
    /// </summary>
    public static EndpointMonitorState SetEnabled(EndpointMonitorState state, bool enabled, DateTimeOffset now)
    {
        bool isEnabled = state.Status != EndpointStatus.Disabled;
        if (isEnabled == enabled)
        {
            return state;
        }

        return new EndpointMonitorState(enabled ? EndpointStatus.CheckingEndpoint : EndpointStatus.Disabled, 0, 0, state.LastProbe, now);
    }

    private static int Increment(int count) => count == int.MaxValue ? count : count + 1;
}
