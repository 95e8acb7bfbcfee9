using Microsoft.Extensions.Time.Testing;
using Router.Health.Checks;
using Router.Health.Evaluation;

namespace Router.Health.Tests.Evaluation;

/// <summary>
/// The resource state machine in virtual time. Sequences are written one character per probe, five seconds apart:
/// <c>S</c> success, <c>F</c> failure, <c>I</c> inconclusive; states <c>U</c> Unknown, <c>H</c> Healthy,
/// <c>X</c> Unhealthy.
/// </summary>
public sealed class HysteresisPolicyTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(5);

    public static TheoryData<int, int, string, string> Sequences => new()
    {
        // failures, successes, probes, state after each probe
        { 3, 2, "FFS", "UUH" },             // F-1 failures then a success: never Unhealthy; Unknown -> Healthy at once
        { 3, 2, "SFFS", "HHHH" },           // F-1 failures while Healthy, then a success: never flips
        { 3, 2, "FFSFF", "UUHHH" },         // the success restarted the failure count
        { 3, 2, "FFSFFF", "UUHHHX" },
        { 3, 2, "FFF", "UUX" },             // exactly the threshold flips
        { 3, 2, "SFFF", "HHHX" },
        { 3, 2, "FFFFFF", "UUXXXX" },       // further failures keep it down
        { 3, 2, "FFFS", "UUXX" },           // one success is not a recovery
        { 3, 2, "FFFSS", "UUXXH" },         // SuccessesToHealthy consecutive successes recover
        { 3, 2, "FFFSFSS", "UUXXXXH" },     // a failure in between restarts the success count
        { 3, 2, "FFFSFS", "UUXXXX" },
        { 3, 2, "FFIF", "UUUX" },           // Inconclusive changes neither state nor streak
        { 3, 2, "SFFIF", "HHHHX" },
        { 3, 2, "FFIIIIS", "UUUUUUH" },
        { 3, 2, "FFFSIS", "UUXXXH" },       // nor the success streak
        { 3, 2, "IIIIII", "UUUUUU" },       // only inconclusive results: stays Unknown
        { 3, 2, "FFFIIIIII", "UUXXXXXXX" }, // Inconclusive never recovers an Unhealthy resource
        { 3, 2, "SSIIII", "HHHHHH" },
        { 1, 1, "F", "X" },
        { 1, 1, "FSF", "XHX" },
        { 1, 1, "SFS", "HXH" },
        { 5, 3, "FFFFSFFFFF", "UUUUHHHHHX" },
        { 5, 3, "FFFFFSSFSSS", "UUUUXXXXXXH" },
        { 2, 4, "FFSSSIS", "UXXXXXH" },
    };

    [Theory]
    [MemberData(nameof(Sequences))]
    public void Next_Sequence_FollowsThresholds(int failuresToUnhealthy, int successesToHealthy, string probes, string expectedStates)
    {
        // Arrange
        var clock = new FakeTimeProvider();
        var policy = new HysteresisPolicy(new HysteresisOptions { FailuresToUnhealthy = failuresToUnhealthy, SuccessesToHealthy = successesToHealthy });
        var start = clock.GetUtcNow();
        var state = ResourceHealth.Initial(start);
        var expectedSince = start;
        var previousExpected = HealthState.Unknown;
        int failures = 0;
        int successes = 0;

        for (int i = 0; i < probes.Length; i++)
        {
            // Act
            clock.Advance(Step);
            state = policy.Next(state, Result(probes[i]), clock.GetUtcNow());

            // Assert: state, when it last changed, and both streaks after probe i.
            var expected = State(expectedStates[i]);
            if (expected != previousExpected)
            {
                expectedSince = clock.GetUtcNow();
                previousExpected = expected;
            }

            (failures, successes) = probes[i] switch
            {
                'F' => (failures + 1, 0),
                'S' => (0, successes + 1),
                _ => (failures, successes),
            };

            string at = $"after probe {i + 1} ('{probes[..(i + 1)]}')";
            Assert.True(expected == state.State, $"{at}: expected {expected}, got {state.State}");
            Assert.True(expectedSince == state.Since, $"{at}: expected Since {expectedSince:O}, got {state.Since:O}");
            Assert.True(failures == state.ConsecutiveFailures, $"{at}: expected {failures} consecutive failures, got {state.ConsecutiveFailures}");
            Assert.True(successes == state.ConsecutiveSuccesses, $"{at}: expected {successes} consecutive successes, got {state.ConsecutiveSuccesses}");
        }
    }

    [Fact]
    public void Next_ThresholdReached_SinceIsTimeOfTheFlippingFailure()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        var policy = new HysteresisPolicy(new HysteresisOptions { FailuresToUnhealthy = 3, SuccessesToHealthy = 2 });
        var state = policy.Next(ResourceHealth.Initial(clock.GetUtcNow()), Success, clock.GetUtcNow());
        var healthySince = state.Since;

        // Act 1: two failures at t = 10 s and 20 s.
        clock.Advance(TimeSpan.FromSeconds(10));
        state = policy.Next(state, Failure("e1"), clock.GetUtcNow());
        clock.Advance(TimeSpan.FromSeconds(10));
        state = policy.Next(state, Failure("e2"), clock.GetUtcNow());

        // Assert 1
        Assert.Equal(HealthState.Healthy, state.State);
        Assert.Equal(healthySince, state.Since);

        // Act 2: the third, at t = 37 s.
        clock.Advance(TimeSpan.FromSeconds(17));
        var flippedAt = clock.GetUtcNow();
        state = policy.Next(state, Failure("e3"), flippedAt);

        // Assert 2
        Assert.Equal(HealthState.Unhealthy, state.State);
        Assert.Equal(flippedAt, state.Since);
        Assert.Equal(3, state.ConsecutiveFailures);

        // Act 3: more failures later do not move Since.
        clock.Advance(TimeSpan.FromSeconds(5));
        state = policy.Next(state, Failure("e4"), clock.GetUtcNow());

        // Assert 3
        Assert.Equal(flippedAt, state.Since);
        Assert.Equal(4, state.ConsecutiveFailures);
    }

    [Fact]
    public void Next_FromUnknown_FirstSuccessIsHealthyAtOnce()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        var policy = new HysteresisPolicy(new HysteresisOptions { FailuresToUnhealthy = 3, SuccessesToHealthy = 5 });
        var initial = ResourceHealth.Initial(clock.GetUtcNow());
        clock.Advance(TimeSpan.FromSeconds(2));

        // Act
        var state = policy.Next(initial, Success, clock.GetUtcNow());

        // Assert
        Assert.Equal(HealthState.Unknown, initial.State);
        Assert.Equal(HealthState.Healthy, state.State);
        Assert.Equal(clock.GetUtcNow(), state.Since);
        Assert.Null(state.LastError);
    }

    [Fact]
    public void Next_Recovering_KeepsLastErrorUntilHealthy()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        var policy = new HysteresisPolicy(new HysteresisOptions { FailuresToUnhealthy = 2, SuccessesToHealthy = 3 });
        var state = ResourceHealth.Initial(clock.GetUtcNow());

        // Act 1: down with two different errors; the last one is kept.
        state = policy.Next(state, Failure("connection refused"), Tick(clock));
        state = policy.Next(state, Failure("timed out after 3 s"), Tick(clock));

        // Assert 1
        Assert.Equal(HealthState.Unhealthy, state.State);
        Assert.Equal("timed out after 3 s", state.LastError);

        // Act 2: two of three successes, and an inconclusive result in between.
        state = policy.Next(state, Success, Tick(clock));
        state = policy.Next(state, CheckResult.Inconclusive("monitor overloaded", TimeSpan.Zero), Tick(clock));
        state = policy.Next(state, Success, Tick(clock));

        // Assert 2: still recovering, the error still says why.
        Assert.Equal(HealthState.Unhealthy, state.State);
        Assert.Equal("timed out after 3 s", state.LastError);
        Assert.Equal(2, state.ConsecutiveSuccesses);

        // Act 3
        state = policy.Next(state, Success, Tick(clock));

        // Assert 3
        Assert.Equal(HealthState.Healthy, state.State);
        Assert.Null(state.LastError);
        Assert.Equal(0, state.ConsecutiveFailures);
    }

    [Fact]
    public void Next_FailureWhileHealthy_RecordsErrorAndSuccessClearsIt()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        var policy = new HysteresisPolicy(new HysteresisOptions());
        var state = policy.Next(ResourceHealth.Initial(clock.GetUtcNow()), Success, Tick(clock));

        // Act
        var failed = policy.Next(state, Failure("READONLY You can't write against a read only replica"), Tick(clock));
        var recovered = policy.Next(failed, Success, Tick(clock));

        // Assert
        Assert.Equal(HealthState.Healthy, failed.State);
        Assert.Equal("READONLY You can't write against a read only replica", failed.LastError);
        Assert.Equal(HealthState.Healthy, recovered.State);
        Assert.Null(recovered.LastError);
    }

    [Fact]
    public void Next_Inconclusive_UpdatesOnlyLastCheckAndResult()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        var policy = new HysteresisPolicy(new HysteresisOptions());
        var state = policy.Next(ResourceHealth.Initial(clock.GetUtcNow()), Failure("refused"), Tick(clock));
        var inconclusive = CheckResult.Inconclusive("the monitor is overloaded", TimeSpan.FromSeconds(1));

        // Act
        var next = policy.Next(state, inconclusive, Tick(clock));

        // Assert
        Assert.Equal(state with { LastCheckedAt = clock.GetUtcNow(), LastResult = inconclusive }, next);
        Assert.NotEqual(next.LastCheckedAt, next.LastConclusiveAt);
        Assert.Equal("refused", next.LastError);
    }

    [Fact]
    public void Next_Conclusive_StampsLastConclusiveAt()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        var policy = new HysteresisPolicy(new HysteresisOptions());
        var initial = ResourceHealth.Initial(clock.GetUtcNow());

        // Act
        var afterFailure = policy.Next(initial, Failure("refused"), Tick(clock));
        var failureAt = clock.GetUtcNow();
        var afterSuccess = policy.Next(afterFailure, Success, Tick(clock));

        // Assert
        Assert.Null(initial.LastConclusiveAt);
        Assert.Equal(failureAt, afterFailure.LastConclusiveAt);
        Assert.Equal(clock.GetUtcNow(), afterSuccess.LastConclusiveAt);
        Assert.Equal(clock.GetUtcNow(), afterSuccess.LastCheckedAt);
    }

    private static CheckResult Success { get; } = CheckResult.Success(TimeSpan.FromMilliseconds(3));

    private static CheckResult Failure(string error) => CheckResult.Failure(error, TimeSpan.FromMilliseconds(3));

    private static DateTimeOffset Tick(FakeTimeProvider clock)
    {
        clock.Advance(Step);
        return clock.GetUtcNow();
    }

    private static CheckResult Result(char probe) => probe switch
    {
        'S' => Success,
        'F' => Failure("connection refused"),
        'I' => CheckResult.Inconclusive("the monitor is overloaded", TimeSpan.Zero),
        _ => throw new ArgumentOutOfRangeException(nameof(probe), probe, "S, F or I"),
    };

    private static HealthState State(char state) => state switch
    {
        'U' => HealthState.Unknown,
        'H' => HealthState.Healthy,
        'X' => HealthState.Unhealthy,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "U, H or X"),
    };
}
