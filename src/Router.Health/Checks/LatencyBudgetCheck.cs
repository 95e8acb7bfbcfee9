namespace Router.Health.Checks;

/// <summary>
/// Wraps a check of any type with <c>Check:LatencyBudgetMilliseconds</c>: what the inner check reports, but a
/// success slower than <see cref="Budget"/> is a failure (<see cref="CheckExecution.ApplyLatencyBudget"/>).
/// </summary>
/// <remarks>
/// One decorator instead of a budget in every check: the rule is the same for all of them and is judged on the
/// duration the inner check measured with its <see cref="TimeProvider"/>, so it also holds in virtual time.
/// <see cref="Type"/> is the inner check's, so metrics and the resources page still name the real check.
/// Disposing disposes the inner check. Thread-safe when the inner check is.
/// </remarks>
internal sealed class LatencyBudgetCheck : IResourceCheck, IDisposable
{
    public LatencyBudgetCheck(IResourceCheck inner, TimeSpan budget)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(budget, TimeSpan.Zero);
        Inner = inner;
        Budget = budget;
    }

    /// <summary>The check that does the probing.</summary>
    public IResourceCheck Inner { get; }

    /// <summary>The longest a successful probe may take.</summary>
    public TimeSpan Budget { get; }

    public string Type => Inner.Type;

    public async Task<CheckResult> CheckAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await Inner.CheckAsync(timeout, cancellationToken).ConfigureAwait(false);
        return CheckExecution.ApplyLatencyBudget(result, Budget);
    }

    public void Dispose() => (Inner as IDisposable)?.Dispose();
}
