namespace Router.Health.Checks;

/// <summary>What one probe found.</summary>
public enum CheckOutcome
{
    /// <summary>The dependency answered as it should.</summary>
    Success,

    /// <summary>The dependency answered wrongly, refused, or timed out.</summary>
    Failure,

    /// <summary>The monitor itself could not run the check (its own error, overload, shutdown). Never counts as a failure.</summary>
    Inconclusive,
}

/// <summary>The result of one probe. <paramref name="Error"/> says what went wrong in words an operator understands.</summary>
public sealed record CheckResult(CheckOutcome Outcome, string? Error, TimeSpan Duration)
{
    public static CheckResult Success(TimeSpan duration) => new(CheckOutcome.Success, null, duration);

    public static CheckResult Failure(string error, TimeSpan duration) => new(CheckOutcome.Failure, error, duration);

    public static CheckResult Inconclusive(string error, TimeSpan duration) => new(CheckOutcome.Inconclusive, error, duration);
}

/// <summary>
/// A real protocol check of one resource. Implementations never throw into the runner (but for cancellation by
/// the <c>cancellationToken</c> of <see cref="CheckAsync"/>, which means shutdown): a dependency's misbehaviour is a
/// <see cref="CheckOutcome.Failure"/>, the monitor's own trouble <see cref="CheckOutcome.Inconclusive"/>.
/// </summary>
public interface IResourceCheck
{
    /// <summary>The check type name (<c>Redis</c>, <c>Http</c>...).</summary>
    string Type { get; }

    /// <summary>
    /// Probes once. Must finish within <paramref name="timeout"/> even when the dependency hangs: a timeout is a
    /// <see cref="CheckOutcome.Failure"/> ("timed out after 3 s").
    /// </summary>
    Task<CheckResult> CheckAsync(TimeSpan timeout, CancellationToken cancellationToken);
}
