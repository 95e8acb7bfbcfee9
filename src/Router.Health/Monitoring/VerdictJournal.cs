using System.Buffers;
using Router.Health.Configuration;
using Router.Health.Evaluation;
using Router.Health.Topology;

namespace Router.Health.Monitoring;

/// <summary>
/// The version of one configuration's verdicts and what changed between versions, for the batch document
/// (<c>GET /health/registries</c>): each registry's last verdict code (status and fail-open), each resource's last
/// effect on its registries, and a bounded ring of (version, registry) changes. The version moves when a registry's
/// (status, failOpen, and the zones its zonal dependencies lost: <c>degradedZones</c>) changes; a resource changes its
/// registries only when its effect or lost zones do (healthy, unhealthy, fail-open, including going stale and coming
/// back from stale), which is all that is compared per probe.
/// </summary>
/// <remarks>
/// <para>
/// The monitor reports every published state (<see cref="Observe"/>); staleness comes with time alone, so the journal
/// keeps the earliest instant a fresh resource goes stale and sweeps every resource once the clock passes it
/// (<see cref="SweepIfDue"/>, also called by the batch endpoint before it reads the version, so a document never
/// reads older than the per-registry endpoint). A configuration apply starts a new journal whose first version is above
/// this one's last; <see cref="Retire"/> then wakes this one's waiters.
/// </para>
/// <para>Writers take the journal's lock; <see cref="Version"/> and the due check read without it.</para>
/// </remarks>
internal sealed class VerdictJournal
{
    /// <summary>Changes kept for incremental answers; a version older than the oldest kept is answered complete.</summary>
    public const int DefaultCapacity = 1 << 16;

    private const byte HealthyCode = 0;
    private const byte FailOpenCode = 1;
    private const byte UnhealthyCode = 2;

    private readonly Lock _lock = new();
    private readonly DependencyEffect[] _effects;
    private readonly ulong[] _lost;
    private readonly byte[] _codes;

    /// <summary>Each registry's lost zones as last journaled; null when the configuration has no zone pool.</summary>
    private readonly ulong[]? _degraded;
    private readonly long[] _ringVersions;
    private readonly int[] _ringRegistries;
    private long _appended;
    private long _version;
    private long _floor;
    private long _nextDeadline;
    private long _latestTicks;
    private bool _closed;
    private bool _retired;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="snapshot">The configuration whose verdicts this journal versions (its resources as encoded now).</param>
    /// <param name="firstVersion">The version before any change: above every version an earlier journal gave out.</param>
    /// <param name="utcTicks">Now, for the initial readings.</param>
    /// <param name="capacity">How many changes are kept.</param>
    public VerdictJournal(HealthSnapshot snapshot, long firstVersion, long utcTicks, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        FirstVersion = firstVersion;
        _version = firstVersion;
        _floor = firstVersion;
        _latestTicks = utcTicks;
        _ringVersions = new long[capacity];
        _ringRegistries = new int[capacity];
        _effects = new DependencyEffect[snapshot.Encoded.Length];
        _lost = new ulong[snapshot.Encoded.Length];
        long next = long.MaxValue;
        for (int i = 0; i < _effects.Length; i++)
        {
            var encoded = Volatile.Read(ref snapshot.Encoded[i]);
            var reading = encoded.At(utcTicks);
            _effects[i] = reading.Effect;
            _lost[i] = reading.LostZones;
            next = NextDeadline(next, encoded.NextDeadline(utcTicks), utcTicks);
        }

        _nextDeadline = next;
        _codes = new byte[snapshot.Topology.Registries.Length];
        _degraded = snapshot.Topology.ZoneNames.Length == 0 ? null : new ulong[_codes.Length];
        for (int r = 0; r < _codes.Length; r++)
        {
            _codes[r] = Code(snapshot, r, out ulong lost);
            if (_degraded is not null)
            {
                _degraded[r] = lost;
            }
        }
    }

    /// <summary>The version this journal started at (after a configuration apply).</summary>
    public long FirstVersion { get; private set; }

    /// <summary>The current version.</summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>The earliest instant (UTC ticks) at which a resource that is fresh now reads stale.</summary>
    public long NextDeadlineUtcTicks => Volatile.Read(ref _nextDeadline);

    /// <summary>Completes when the version moves (or the journal is retired); take it before checking the version.</summary>
    public Task Changed
    {
        get
        {
            lock (_lock)
            {
                return _retired ? Task.CompletedTask : _changed.Task;
            }
        }
    }

    /// <summary>
    /// After the monitor published a new state of resource <paramref name="resource"/>: re-reads its effect and, when it
    /// changed, the verdicts of its registries; sweeps every resource when a staleness deadline has passed.
    /// </summary>
    public void Observe(HealthSnapshot snapshot, int resource, long utcTicks)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            long now = Now_NeedsLock(utcTicks);
            long version = _version + 1;
            bool changed = Reread_NeedsLock(snapshot, resource, now, version);
            var encoded = Volatile.Read(ref snapshot.Encoded[resource]);
            _nextDeadline = NextDeadline(_nextDeadline, encoded.NextDeadline(now), now);
            if (now > _nextDeadline)
            {
                changed |= Sweep_NeedsLock(snapshot, now, version);
            }

            Commit_NeedsLock(changed, version);
        }
    }

    /// <summary>Re-reads every resource once the clock has passed the earliest staleness deadline; cheap otherwise.</summary>
    public void SweepIfDue(HealthSnapshot snapshot, long utcTicks)
    {
        if (utcTicks <= Volatile.Read(ref _nextDeadline))
        {
            return;
        }

        lock (_lock)
        {
            long now = Now_NeedsLock(utcTicks);
            if (_closed || now <= _nextDeadline)
            {
                return;
            }

            long version = _version + 1;
            Commit_NeedsLock(Sweep_NeedsLock(snapshot, now, version), version);
        }
    }

    /// <summary>
    /// Freezes the version (a configuration apply starts the next journal above it): late reports of the replaced
    /// probe loops change nothing any more.
    /// </summary>
    /// <returns>The last version this journal gave out.</returns>
    public long Close()
    {
        lock (_lock)
        {
            _closed = true;
            return _version;
        }
    }

    /// <summary>
    /// Before the journal is published (nothing observed yet): makes its first version at least
    /// <paramref name="firstVersion"/>, above the last of the journal it replaces.
    /// </summary>
    public void StartAtLeast(long firstVersion)
    {
        lock (_lock)
        {
            if (firstVersion > _version)
            {
                _version = firstVersion;
                _floor = firstVersion;
                FirstVersion = firstVersion;
            }
        }
    }

    /// <summary>Ends this journal (the next one is published): wakes every waiter, for good.</summary>
    public void Retire()
    {
        lock (_lock)
        {
            _closed = true;
            _retired = true;
            _changed.TrySetResult();
        }
    }

    /// <summary>
    /// The registries whose verdict changed after version <paramref name="since"/>, in topology order without
    /// duplicates, rented from <see cref="ArrayPool{T}.Shared"/> (return it).
    /// </summary>
    /// <returns>The current version, and whether <paramref name="since"/> can be answered incrementally: not older
    /// than the oldest change kept, not before this journal started, not above the current version.</returns>
    public (long Version, bool Incremental) ChangesSince(long since, out int[] registries, out int count)
    {
        long version;
        lock (_lock)
        {
            version = _version;
            if (since < _floor || since > version)
            {
                registries = [];
                count = 0;
                return (version, false);
            }

            int capacity = _ringVersions.Length;
            long oldest = Math.Max(0, _appended - capacity);
            count = 0;
            for (long i = _appended - 1; i >= oldest && _ringVersions[(int)(i % capacity)] > since; i--)
            {
                count++;
            }

            registries = count == 0 ? [] : ArrayPool<int>.Shared.Rent(count);
            for (int j = 0; j < count; j++)
            {
                registries[j] = _ringRegistries[(int)((_appended - count + j) % capacity)];
            }
        }

        if (count > 1)
        {
            Array.Sort(registries, 0, count);
            int distinct = 1;
            for (int j = 1; j < count; j++)
            {
                if (registries[j] != registries[distinct - 1])
                {
                    registries[distinct++] = registries[j];
                }
            }

            count = distinct;
        }

        return (version, true);
    }

    /// <summary>The clock as the journal has seen it: never earlier than a reading it already applied.</summary>
    private long Now_NeedsLock(long utcTicks) => _latestTicks = Math.Max(_latestTicks, utcTicks);

    private static long NextDeadline(long current, long staleAfter, long now) =>
        staleAfter >= now && staleAfter < current ? staleAfter : current;

    private bool Sweep_NeedsLock(HealthSnapshot snapshot, long now, long version)
    {
        bool changed = false;
        long next = long.MaxValue;
        for (int i = 0; i < _effects.Length; i++)
        {
            changed |= Reread_NeedsLock(snapshot, i, now, version);
            next = NextDeadline(next, Volatile.Read(ref snapshot.Encoded[i]).NextDeadline(now), now);
        }

        _nextDeadline = next;
        return changed;
    }

    /// <summary>Re-reads one resource's effect and lost zones; when they changed, journals its registries whose code changed.</summary>
    private bool Reread_NeedsLock(HealthSnapshot snapshot, int resource, long now, long version)
    {
        var reading = Volatile.Read(ref snapshot.Encoded[resource]).At(now);
        if (reading.Effect == _effects[resource] && reading.LostZones == _lost[resource])
        {
            return false;
        }

        _effects[resource] = reading.Effect;
        _lost[resource] = reading.LostZones;
        bool changed = false;
        foreach (int registry in snapshot.Dependents[resource])
        {
            byte code = Code(snapshot, registry, out ulong lost);
            if (code == _codes[registry] && (_degraded is null || lost == _degraded[registry]))
            {
                continue;
            }

            _codes[registry] = code;
            if (_degraded is not null)
            {
                _degraded[registry] = lost;
            }

            Append_NeedsLock(version, registry);
            changed = true;
        }

        return changed;
    }

    private void Append_NeedsLock(long version, int registry)
    {
        int capacity = _ringVersions.Length;
        int slot = (int)(_appended % capacity);
        if (_appended >= capacity)
        {
            // The change overwritten is lost: a client must have seen its version to be answered incrementally.
            _floor = Math.Max(_floor, _ringVersions[slot]);
        }

        _ringVersions[slot] = version;
        _ringRegistries[slot] = registry;
        _appended++;
    }

    private void Commit_NeedsLock(bool changed, long version)
    {
        if (!changed)
        {
            return;
        }

        Volatile.Write(ref _version, version);
        var woken = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        woken.TrySetResult();
    }

    /// <summary>
    /// A registry's verdict as a code, from the journaled effects and lost zones of its dependencies and the kill switch;
    /// <paramref name="lost"/>: the zones its dependencies lost.
    /// </summary>
    private byte Code(HealthSnapshot snapshot, int registry, out ulong lost)
    {
        ref readonly var definition = ref snapshot.Topology.Registries[registry];
        bool anyUnhealthy = false;
        bool anyFailOpen = false;
        lost = 0;
        for (int k = 0; k < RegistryDefinition.KindCount; k++)
        {
            int resource = definition[(ResourceKind)k];
            if (resource >= 0)
            {
                anyUnhealthy |= _effects[resource] == DependencyEffect.Unhealthy;
                anyFailOpen |= _effects[resource] == DependencyEffect.FailOpen;
                lost |= _lost[resource];
            }
        }

        bool disabled = RegistryEvaluator.IsDeepEvaluationDisabled(snapshot.DeepEvaluation, definition);
        var (status, failOpen, _) = RegistryEvaluator.Combine(disabled, anyUnhealthy, anyFailOpen, !disabled && RegistryZones.NoZoneServes(definition.Zones, lost));
        return status == HealthState.Unhealthy ? UnhealthyCode : failOpen ? FailOpenCode : HealthyCode;
    }
}
