using Router.Health.Checks;

namespace Router.Health.Evaluation;

/// <summary>
/// What the monitor knows about one resource: its state under the threshold state machine and the probe history the
/// state was computed from. Immutable; the monitor replaces it after every probe.
/// </summary>
public sealed record ResourceHealth
{
    /// <summary>The state a resource starts in.</summary>
    public static ResourceHealth Initial(DateTimeOffset now) => new() { State = HealthState.Unknown, Since = now };

    public HealthState State { get; init; }

    /// <summary>When <see cref="State"/> last changed (or monitoring started).</summary>
    public DateTimeOffset Since { get; init; }

    public int ConsecutiveFailures { get; init; }

    public int ConsecutiveSuccesses { get; init; }

    /// <summary>When the last Success or Failure arrived; null before any.</summary>
    public DateTimeOffset? LastConclusiveAt { get; init; }

    /// <summary>When the last probe of any outcome finished.</summary>
    public DateTimeOffset? LastCheckedAt { get; init; }

    public CheckResult? LastResult { get; init; }

    /// <summary>The error of the last Failure (kept while successes accumulate, until the resource is Healthy).</summary>
    public string? LastError { get; init; }

    /// <summary>
    /// A zone pool's instances, each with its own state machine, in the order of the resource's <c>Instances</c>; null
    /// for a single resource. The pool's own fields sum them up (<see cref="ZonePoolRule.WithInstance"/>).
    /// </summary>
    public IReadOnlyList<ResourceHealth>? Zones { get; init; }
}
