using CsCheck;
using Router.Health.Checks;
using Router.Health.Evaluation;

namespace Router.Health.Tests.Evaluation;

/// <summary>
/// The resource state machine against a reference model over random outcome sequences (CsCheck). The model is written
/// differently on purpose: it reads the whole history at once instead of stepping a state, so a bug in the policy's
/// bookkeeping is not repeated in the test. A failing case prints its seed; pass it to <c>Sample(seed: …)</c> to replay.
/// </summary>
public sealed class HysteresisPolicyPropertyTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Gen<CheckOutcome> Outcome =
        Gen.Frequency((4, Gen.Const(CheckOutcome.Failure)), (4, Gen.Const(CheckOutcome.Success)), (1, Gen.Const(CheckOutcome.Inconclusive)));

    private static readonly Gen<(int Failures, int Successes, CheckOutcome[] Outcomes)> Cases =
        Gen.Select(Gen.Int[1, 6], Gen.Int[1, 6], Outcome.Array[0, 40]);

    [Fact]
    public void Next_RandomOutcomeSequences_AgreesWithHistoryModel()
    {
        Cases.Sample(c =>
        {
            // Arrange
            var policy = new HysteresisPolicy(new HysteresisOptions { FailuresToUnhealthy = c.Failures, SuccessesToHealthy = c.Successes });
            var state = ResourceHealth.Initial(Start);

            for (int i = 0; i < c.Outcomes.Length; i++)
            {
                // Act
                var now = Start + TimeSpan.FromSeconds(i + 1);
                state = policy.Next(state, Result(c.Outcomes[i], i), now);

                // Assert
                var expected = Model(c.Failures, c.Successes, c.Outcomes.AsSpan(0, i + 1));
                Assert.Equal(expected, Observed(state));
            }
        }, iter: 10_000, print: c => $"F={c.Failures} S={c.Successes} {new string([.. c.Outcomes.Select(o => o.ToString()[0])])}");
    }

    private static CheckResult Result(CheckOutcome outcome, int index) => outcome switch
    {
        CheckOutcome.Success => CheckResult.Success(TimeSpan.FromMilliseconds(1)),
        CheckOutcome.Failure => CheckResult.Failure($"failure {index}", TimeSpan.FromMilliseconds(1)),
        _ => CheckResult.Inconclusive($"inconclusive {index}", TimeSpan.FromMilliseconds(1)),
    };

    private static Expected Observed(ResourceHealth state) => new(
        state.State, state.Since, state.ConsecutiveFailures, state.ConsecutiveSuccesses, state.LastError, state.LastConclusiveAt,
        state.LastCheckedAt);

    /// <summary>
    /// The state after <paramref name="history"/>, read from the history as a whole:
    /// <list type="bullet">
    /// <item><description>Unhealthy: some run of conclusive failures reached the threshold, and no run of
    /// <paramref name="successesToHealthy"/> successes followed the last such run (inconclusive results are not there at all);</description></item>
    /// <item><description>else Healthy when any success was seen; else Unknown.</description></item>
    /// </list>
    /// </summary>
    private static Expected Model(int failuresToUnhealthy, int successesToHealthy, ReadOnlySpan<CheckOutcome> history)
    {
        var states = new HealthState[history.Length + 1];
        states[0] = HealthState.Unknown;
        for (int end = 1; end <= history.Length; end++)
        {
            states[end] = StateAfter(failuresToUnhealthy, successesToHealthy, history[..end]);
        }

        var since = Start;
        for (int i = 1; i < states.Length; i++)
        {
            if (states[i] != states[i - 1])
            {
                since = At(i - 1);
            }
        }

        int lastConclusive = -1;
        int lastFailure = -1;
        for (int i = 0; i < history.Length; i++)
        {
            if (history[i] != CheckOutcome.Inconclusive)
            {
                lastConclusive = i;
            }

            if (history[i] == CheckOutcome.Failure)
            {
                lastFailure = i;
            }
        }

        // The last failure's error stands until a later success finds the resource Healthy.
        bool cleared = false;
        for (int i = lastFailure + 1; i < history.Length; i++)
        {
            cleared |= history[i] == CheckOutcome.Success && states[i + 1] == HealthState.Healthy;
        }

        var state = states[^1];
        string? lastError = lastFailure < 0 || cleared ? null : $"failure {lastFailure}";
        return new Expected(
            state, since, TrailingRun(history, CheckOutcome.Failure), TrailingRun(history, CheckOutcome.Success), lastError,
            lastConclusive < 0 ? null : At(lastConclusive), history.Length == 0 ? null : At(history.Length - 1));
    }

    private static HealthState StateAfter(int failuresToUnhealthy, int successesToHealthy, ReadOnlySpan<CheckOutcome> history)
    {
        var conclusive = history.ToArray().Where(o => o != CheckOutcome.Inconclusive).ToArray();
        int lastDown = -1;
        for (int i = 0; i < conclusive.Length; i++)
        {
            if (TrailingRun(conclusive.AsSpan(0, i + 1), CheckOutcome.Failure) >= failuresToUnhealthy)
            {
                lastDown = i;
            }
        }

        if (lastDown >= 0)
        {
            bool recovered = false;
            for (int i = lastDown + 1; i < conclusive.Length; i++)
            {
                recovered |= TrailingRun(conclusive.AsSpan(0, i + 1), CheckOutcome.Success) >= successesToHealthy;
            }

            if (!recovered)
            {
                return HealthState.Unhealthy;
            }
        }

        return conclusive.Contains(CheckOutcome.Success) ? HealthState.Healthy : HealthState.Unknown;
    }

    /// <summary>How many conclusive results of <paramref name="outcome"/> end the history, inconclusive ones skipped.</summary>
    private static int TrailingRun(ReadOnlySpan<CheckOutcome> history, CheckOutcome outcome)
    {
        int run = 0;
        for (int i = history.Length - 1; i >= 0; i--)
        {
            if (history[i] == CheckOutcome.Inconclusive)
            {
                continue;
            }

            if (history[i] != outcome)
            {
                break;
            }

            run++;
        }

        return run;
    }

    private static DateTimeOffset At(int index) => Start + TimeSpan.FromSeconds(index + 1);

    private sealed record Expected(
        HealthState State, DateTimeOffset Since, int ConsecutiveFailures, int ConsecutiveSuccesses, string? LastError,
        DateTimeOffset? LastConclusiveAt, DateTimeOffset? LastCheckedAt);
}
