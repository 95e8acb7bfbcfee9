namespace Router.Health.Checks;

/// <summary>The result of one probe. <paramref name="Error"/> says what went wrong in words an operator understands.</summary>
public sealed record CheckResult(CheckOutcome Outcome, string? Error, TimeSpan Duration)
{
    public static CheckResult Success(TimeSpan duration) => new(CheckOutcome.Success, null, duration);

    public static CheckResult Failure(string error, TimeSpan duration) => new(CheckOutcome.Failure, error, duration);

    public static CheckResult Inconclusive(string error, TimeSpan duration) => new(CheckOutcome.Inconclusive, error, duration);
}
