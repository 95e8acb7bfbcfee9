using System.Text;
using Router.Health.Topology;

namespace Router.Health.Evaluation;

/// <summary>
/// The zone pool rule (issue 13), the one place it is written: a pool is Healthy while at least <c>MinHealthy</c> of
/// its instances are, Unhealthy when fewer than that can be counted healthy, and Unknown (fail-open) when it holds only
/// by counting Unknown or stale instances as healthy. Each instance has its own state machine. Pure.
/// </summary>
internal static class ZonePoolRule
{
    /// <summary>A pool as it starts: every instance Unknown.</summary>
    public static ResourceHealth Initial(ResourceDefinition resource, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var zones = new ResourceHealth[resource.Probes.Length];
        Array.Fill(zones, ResourceHealth.Initial(now));
        return ResourceHealth.Initial(now) with { Zones = zones };
    }

    /// <summary>The pool's state from its instances' counts (stale instances already counted as Unknown).</summary>
    public static HealthState StateOf(int count, int minHealthy, int healthy, int unhealthy) =>
        count - unhealthy < minHealthy ? HealthState.Unhealthy
        : healthy >= minHealthy ? HealthState.Healthy
        : HealthState.Unknown;

    /// <summary>
    /// The pool after instance <paramref name="instance"/> moved to <paramref name="next"/>: the instances, and the pool's
    /// own fields summing them up — its state by <see cref="StateOf"/> on fresh data, since when, the longest streaks,
    /// the latest result, and the errors of the Unhealthy instances (<c>zone 2: error, zone 3: error</c>).
    /// </summary>
    public static ResourceHealth WithInstance(ResourceDefinition resource, ResourceHealth pool, int instance, ResourceHealth next, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(next);
        var zones = pool.Zones?.ToArray() ?? throw new ArgumentException("not a zone pool's state", nameof(pool));
        zones[instance] = next;
        int healthy = 0;
        int unhealthy = 0;
        int failures = 0;
        int successes = 0;
        DateTimeOffset? conclusive = null;
        StringBuilder? errors = null;
        for (int i = 0; i < zones.Length; i++)
        {
            var zone = zones[i];
            healthy += zone.State == HealthState.Healthy ? 1 : 0;
            unhealthy += zone.State == HealthState.Unhealthy ? 1 : 0;
            failures = Math.Max(failures, zone.ConsecutiveFailures);
            successes = Math.Max(successes, zone.ConsecutiveSuccesses);
            conclusive = zone.LastConclusiveAt > conclusive || conclusive is null ? zone.LastConclusiveAt : conclusive;
            if (zone.State == HealthState.Unhealthy)
            {
                errors = (errors is null ? new StringBuilder() : errors.Append(", ")).Append($"zone {resource.Probes[i].Zone}: {zone.LastError}");
            }
        }

        var state = StateOf(zones.Length, resource.MinHealthy, healthy, unhealthy);
        return pool with
        {
            State = state,
            Since = state != pool.State ? now : pool.Since,
            ConsecutiveFailures = failures,
            ConsecutiveSuccesses = successes,
            LastConclusiveAt = conclusive,
            LastCheckedAt = now,
            LastResult = next.LastResult,
            LastError = errors?.ToString(),
            Zones = zones,
        };
    }

    /// <summary>How the pool counts now: each instance by <see cref="RegistryEvaluator.View(Configuration.ResourceKind, int, ResourceHealth, TimeSpan, DateTimeOffset)"/>.</summary>
    public static DependencyView View(ResourceDefinition resource, int index, ResourceHealth pool, TimeSpan staleAfter, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(pool);
        Span<bool> stale = stackalloc bool[pool.Zones!.Count];
        StaleFlags(pool, staleAfter, now, stale);
        return View(resource, index, pool, stale);
    }

    /// <summary>Which of the pool's instances read stale at <paramref name="now"/>, into <paramref name="stale"/>.</summary>
    public static void StaleFlags(ResourceHealth pool, TimeSpan staleAfter, DateTimeOffset now, Span<bool> stale)
    {
        ArgumentNullException.ThrowIfNull(pool);
        for (int i = 0; i < stale.Length; i++)
        {
            stale[i] = now.UtcTicks > RegistryEvaluator.StaleAfterUtcTicks(pool.Zones![i], staleAfter);
        }
    }

    /// <summary>How the pool counts with the instances flagged in <paramref name="stale"/> counted as stale (Unknown).</summary>
    public static DependencyView View(ResourceDefinition resource, int index, ResourceHealth pool, ReadOnlySpan<bool> stale)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(pool);
        var zones = pool.Zones!;
        int healthy = 0;
        int unhealthy = 0;
        ulong lost = 0;
        bool anyStale = false;
        for (int i = 0; i < zones.Count; i++)
        {
            var state = stale[i] ? HealthState.Unknown : zones[i].State;
            anyStale |= stale[i];
            healthy += state == HealthState.Healthy ? 1 : 0;
            if (state == HealthState.Unhealthy)
            {
                unhealthy++;
                lost |= 1UL << resource.Probes[i].ZoneBit;
            }
        }

        return new DependencyView(resource.Kind, index, pool, StateOf(zones.Count, resource.MinHealthy, healthy, unhealthy), anyStale, lost);
    }

    /// <summary>
    /// What a pool contributes to its registries' verdicts, in words: Unhealthy names the lost zones and their errors;
    /// fail-open names the instances counted as healthy only because the monitor does not know.
    /// </summary>
    public static (DependencyEffect Effect, string? Reason) Explain(in DependencyView view, ResourceDefinition resource, ReadOnlySpan<bool> stale)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var zones = view.Health.Zones!;
        string name = $"{RegistryEvaluator.Lower(view.Kind)} '{resource.Id}'";
        if (view.EffectiveState == HealthState.Healthy)
        {
            return (DependencyEffect.None, null);
        }

        var text = new StringBuilder();
        int lost = 0;
        for (int i = 0; i < zones.Count; i++)
        {
            var zone = zones[i];
            bool unhealthy = !stale[i] && zone.State == HealthState.Unhealthy;
            bool unknown = stale[i] || zone.State == HealthState.Unknown;
            if (view.EffectiveState == HealthState.Unhealthy ? unhealthy : unknown)
            {
                text.Append(text.Length == 0 ? "" : ", ").Append($"zone {resource.Probes[i].Zone}: ")
                    .Append(unhealthy ? zone.LastError : stale[i] ? "stale" : zone.LastConclusiveAt is null ? "no result yet" : "not settled yet");
            }

            lost += unhealthy ? 1 : 0;
        }

        return view.EffectiveState == HealthState.Unhealthy
            ? (DependencyEffect.Unhealthy, $"{name} is unhealthy: {zones.Count - lost} of {zones.Count} zones up, {resource.MinHealthy} needed ({text})")
            : (DependencyEffect.FailOpen, $"{name} holds {resource.MinHealthy} of {zones.Count} zones only by counting unknown ones as healthy ({text})");
    }
}
