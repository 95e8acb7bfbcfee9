namespace Router.Health.Checks;

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
