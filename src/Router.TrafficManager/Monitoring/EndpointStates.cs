using System.Collections;

namespace Router.TrafficManager.Monitoring;

/// <summary>
/// The monitor state of every probed endpoint at one moment. Immutable: <see cref="ProbeScheduler"/>, the one owner of
/// endpoint state, publishes a new snapshot with every change (<see cref="With"/>, <see cref="WithMany"/>,
/// <see cref="Without"/>), and whoever holds one reads it without locks. Of two snapshots from one owner, the one with
/// the higher <see cref="Version"/> is the newer.
/// </summary>
/// <remarks>
/// Laid out for 300,000 endpoints whose states change many at once (a batch document) or one at a time (a probe):
/// each endpoint has a slot, found through an index shared by every snapshot with the same endpoints, and the states
/// sit in chunks of <see cref="ChunkSize"/> slots. A new snapshot copies the list of chunks and only the chunks it
/// changes (copy-on-write), so one probe costs two small copies and a whole region's verdicts one pass, where a
/// persistent tree paid a path of nodes per endpoint. Adding or removing endpoints builds a new index.
/// </remarks>
internal sealed class EndpointStates : IReadOnlyCollection<EndpointStateEntry>
{
    /// <summary>Slots per chunk: what one changed state copies.</summary>
    internal const int ChunkSize = 128;

    private const int ChunkShift = 7;

    /// <summary>Endpoint to slot; never changed once a snapshot holds it (a new endpoint copies it).</summary>
    private readonly Dictionary<EndpointKey, int> _index;

    /// <summary>Slot <c>s</c> is <c>_chunks[s / ChunkSize][s % ChunkSize]</c>; slots 0..Count-1 are in use.</summary>
    private readonly EndpointStateEntry[][] _chunks;

    private EndpointStates(Dictionary<EndpointKey, int> index, EndpointStateEntry[][] chunks, long version)
    {
        _index = index;
        _chunks = chunks;
        Version = version;
    }

    /// <summary>No endpoint, version 0.</summary>
    public static EndpointStates Empty { get; } = new([], [], 0);

    /// <summary>Grows by one with every change.</summary>
    public long Version { get; }

    public int Count => _index.Count;

    /// <summary>The newer of two snapshots of one owner (<paramref name="a"/> when they are of the same version).</summary>
    public static EndpointStates Newest(EndpointStates a, EndpointStates b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return b.Version > a.Version ? b : a;
    }

    /// <summary>The state of one endpoint (names compared ignoring case); false when the snapshot does not have it.</summary>
    public bool TryGet(string profile, string endpoint, out EndpointMonitorState state)
    {
        if (_index.TryGetValue(new EndpointKey(profile, endpoint), out int slot))
        {
            state = StateAt(slot);
            return true;
        }

        state = default;
        return false;
    }

    /// <summary>
    /// The endpoint's slot, for <see cref="StateAt"/> and <see cref="Builder.SetAt"/>: valid in every snapshot made from
    /// this one until endpoints are added or removed (<see cref="Builder.SetAt"/> never does). One lookup instead of
    /// one per read.
    /// </summary>
    public bool TryGetSlot(string profile, string endpoint, out int slot) => _index.TryGetValue(new EndpointKey(profile, endpoint), out slot);

    /// <summary>The state in <paramref name="slot"/> (from <see cref="TryGetSlot"/> of a snapshot with the same slots).</summary>
    public EndpointMonitorState StateAt(int slot) => _chunks[slot >> ChunkShift][slot & (ChunkSize - 1)].State;

    /// <summary>This snapshot with <paramref name="state"/> for the endpoint (added or replaced), one version later.</summary>
    public EndpointStates With(string profile, string endpoint, EndpointMonitorState state) =>
        WithMany([new EndpointStateEntry(profile, endpoint, state)]);

    /// <summary>
    /// This snapshot with every state of <paramref name="entries"/> (added or replaced, the names as given) and without
    /// the endpoints of <paramref name="removed"/>, one version later.
    /// </summary>
    public EndpointStates WithMany(IReadOnlyCollection<EndpointStateEntry> entries, IReadOnlyCollection<EndpointKey>? removed = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var from = removed is { Count: > 0 } ? Compact(removed) : this;
        return from.Set(entries, Version + 1);
    }

    /// <summary>This snapshot without the endpoint, one version later.</summary>
    public EndpointStates Without(string profile, string endpoint) => WithMany([], [new EndpointKey(profile, endpoint)]);

    /// <summary>Every endpoint with its state, in no particular order.</summary>
    public IEnumerator<EndpointStateEntry> GetEnumerator()
    {
        for (int slot = 0; slot < _index.Count; slot++)
        {
            yield return _chunks[slot >> ChunkShift][slot & (ChunkSize - 1)];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>A builder of the next snapshot (see <see cref="Builder"/>).</summary>
    public Builder ToBuilder() => new(this);

    private EndpointStates Set(IReadOnlyCollection<EndpointStateEntry> entries, long version)
    {
        var builder = new Builder(this);
        foreach (var entry in entries)
        {
            builder.Set(entry);
        }

        return builder.ToStates(version);
    }

    /// <summary>
    /// The next snapshot, one state at a time, without a list of them in between: copy-on-write, the list of chunks is
    /// copied once, and each chunk the first time one of its slots changes. Not thread-safe; the snapshot it started
    /// from does not change.
    /// </summary>
    internal sealed class Builder
    {
        private readonly EndpointStates _from;
        private Dictionary<EndpointKey, int> _index;
        private EndpointStateEntry[][] _chunks;
        private bool _built;

        public Builder(EndpointStates from)
        {
            _from = from;
            _index = from._index;
            _chunks = (EndpointStateEntry[][])from._chunks.Clone();
        }

        /// <summary>Adds or replaces the endpoint's state (the names as given).</summary>
        /// <exception cref="InvalidOperationException">After <see cref="ToStates()"/>: the snapshot built owns the arrays.</exception>
        public void Set(in EndpointStateEntry entry)
        {
            if (_built)
            {
                throw new InvalidOperationException("The snapshot was built; a builder makes one snapshot.");
            }

            var key = new EndpointKey(entry.Profile, entry.Endpoint);
            if (!_index.TryGetValue(key, out int slot))
            {
                if (ReferenceEquals(_index, _from._index))
                {
                    _index = new Dictionary<EndpointKey, int>(_from._index);
                }

                slot = _index.Count;
                _index.Add(key, slot);
                if (slot >> ChunkShift >= _chunks.Length)
                {
                    Array.Resize(ref _chunks, (slot >> ChunkShift) + 1);
                    _chunks[^1] = new EndpointStateEntry[ChunkSize];
                }
            }

            Writable(slot >> ChunkShift)[slot & (ChunkSize - 1)] = entry;
        }

        /// <summary>Replaces the state in <paramref name="slot"/>, an endpoint of the snapshot this builder started from.</summary>
        /// <exception cref="InvalidOperationException">After <see cref="ToStates()"/>.</exception>
        public void SetAt(int slot, EndpointMonitorState state)
        {
            if (_built)
            {
                throw new InvalidOperationException("The snapshot was built; a builder makes one snapshot.");
            }

            ref var entry = ref Writable(slot >> ChunkShift)[slot & (ChunkSize - 1)];
            entry = entry with { State = state };
        }

        /// <summary>The chunk, copied the first time this builder writes to it.</summary>
        private EndpointStateEntry[] Writable(int chunk)
        {
            if (chunk < _from._chunks.Length && ReferenceEquals(_chunks[chunk], _from._chunks[chunk]))
            {
                _chunks[chunk] = (EndpointStateEntry[])_from._chunks[chunk].Clone();
            }

            return _chunks[chunk];
        }

        /// <summary>The snapshot built, one version after the one it started from.</summary>
        public EndpointStates ToStates() => ToStates(_from.Version + 1);

        internal EndpointStates ToStates(long version)
        {
            _built = true;
            return new(_index, _chunks, version);
        }
    }

    /// <summary>The endpoints not in <paramref name="removed"/>, in new slots (same version: a step of <see cref="WithMany"/>).</summary>
    private EndpointStates Compact(IReadOnlyCollection<EndpointKey> removed)
    {
        var gone = new HashSet<EndpointKey>(removed);
        var kept = new List<EndpointStateEntry>(Count);
        foreach (var entry in this)
        {
            if (!gone.Contains(new EndpointKey(entry.Profile, entry.Endpoint)))
            {
                kept.Add(entry);
            }
        }

        return kept.Count == Count ? this : Empty.Set(kept, Version);
    }
}
