using Router.Health.Checks;

namespace Router.Health.Evaluation;

/// <summary>
/// Computes the next state of one resource from (previous state, probe result, now). Pure: no I/O, no clock reads.
/// </summary>
/// <remarks>
/// Down after <see cref="HysteresisOptions.FailuresToUnhealthy"/> consecutive failures; up from Unhealthy after
/// <see cref="HysteresisOptions.SuccessesToHealthy"/> consecutive successes. From Unknown one success is enough:
/// there is nothing to recover from, and Unknown already counts as available. Inconclusive results change neither
/// state nor streaks: the monitor's own trouble says nothing about the dependency.
/// </remarks>
public sealed class HysteresisPolicy(HysteresisOptions options)
{
    public HysteresisOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    public ResourceHealth Next(ResourceHealth previous, CheckResult result, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(result);
        switch (result.Outcome)
        {
            case CheckOutcome.Failure:
            {
                int failures = previous.ConsecutiveFailures + 1;
                bool flips = previous.State != HealthState.Unhealthy && failures >= Options.FailuresToUnhealthy;
                return previous with
                {
                    State = flips ? HealthState.Unhealthy : previous.State,
                    Since = flips ? now : previous.Since,
                    ConsecutiveFailures = failures,
                    ConsecutiveSuccesses = 0,
                    LastConclusiveAt = now,
                    LastCheckedAt = now,
                    LastResult = result,
                    LastError = result.Error ?? "failed",
                };
            }

            case CheckOutcome.Success:
            {
                int successes = previous.ConsecutiveSuccesses + 1;
                bool flips = previous.State switch
                {
                    HealthState.Unknown => true,
                    HealthState.Unhealthy => successes >= Options.SuccessesToHealthy,
                    _ => false,
                };
                var state = flips ? HealthState.Healthy : previous.State;
                return previous with
                {
                    State = state,
                    Since = flips ? now : previous.Since,
                    ConsecutiveFailures = 0,
                    ConsecutiveSuccesses = successes,
                    LastConclusiveAt = now,
                    LastCheckedAt = now,
                    LastResult = result,
                    LastError = state == HealthState.Healthy ? null : previous.LastError,
                };
            }

            default:
                return previous with { LastCheckedAt = now, LastResult = result };
        }
    }
}
