using System.Collections;
using System.Collections.Immutable;

namespace Router.TrafficManager.Monitoring;

/// <summary>
/// The monitor state of every probed endpoint at one moment. Immutable: <see cref="ProbeScheduler"/>, the one owner of
/// endpoint state, publishes a new snapshot with every change (<see cref="With"/>, <see cref="Without"/>), and whoever
/// holds one reads it without locks. Of two snapshots from one owner, the one with the higher <see cref="Version"/> is
/// the newer.
/// </summary>
internal sealed class EndpointStates : IReadOnlyCollection<EndpointStateEntry>
{
    private readonly ImmutableDictionary<EndpointKey, EndpointStateEntry> _entries;

    private EndpointStates(ImmutableDictionary<EndpointKey, EndpointStateEntry> entries, long version)
    {
        _entries = entries;
        Version = version;
    }

    /// <summary>No endpoint, version 0.</summary>
    public static EndpointStates Empty { get; } = new(ImmutableDictionary<EndpointKey, EndpointStateEntry>.Empty, 0);

    /// <summary>Grows by one with every change.</summary>
    public long Version { get; }

    public int Count => _entries.Count;

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
        if (_entries.TryGetValue(new EndpointKey(profile, endpoint), out var entry))
        {
            state = entry.State;
            return true;
        }

        state = default;
        return false;
    }

    /// <summary>This snapshot with <paramref name="state"/> for the endpoint (added or replaced), one version later.</summary>
    public EndpointStates With(string profile, string endpoint, EndpointMonitorState state) =>
        new(_entries.SetItem(new EndpointKey(profile, endpoint), new EndpointStateEntry(profile, endpoint, state)), Version + 1);

    /// <summary>This snapshot with every state of <paramref name="entries"/> (added or replaced), one version later.</summary>
    public EndpointStates WithMany(IReadOnlyCollection<EndpointStateEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var builder = _entries.ToBuilder();
        foreach (var entry in entries)
        {
            builder[new EndpointKey(entry.Profile, entry.Endpoint)] = entry;
        }

        return new(builder.ToImmutable(), Version + 1);
    }

    /// <summary>This snapshot without the endpoint, one version later.</summary>
    public EndpointStates Without(string profile, string endpoint) => new(_entries.Remove(new EndpointKey(profile, endpoint)), Version + 1);

    /// <summary>Every endpoint with its state, in no particular order.</summary>
    public IEnumerator<EndpointStateEntry> GetEnumerator()
    {
        foreach (var (_, entry) in _entries)
        {
            yield return entry;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
