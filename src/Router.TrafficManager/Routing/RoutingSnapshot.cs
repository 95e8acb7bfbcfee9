using System.Net;
using Router.Dns;
using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Routing;

/// <summary>
/// Everything the DNS answer path and Explain read, immutable: the zone apex, the latency table, and each profile
/// with its endpoints' states. A status change makes a new snapshot with <see cref="WithEndpointStates(string, IReadOnlyList{EndpointRoutingState})"/> (or, for many profiles at once, its batch overload), which
/// shares everything but the one profile; readers take <see cref="RoutingSnapshotHolder.Current"/> once per query.
/// </summary>
internal sealed partial class RoutingSnapshot
{
    private const int EmptyNonTerminal = -1;

    private readonly ProfileRouting[] _profiles;
    private readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _byWire;
    private readonly Dictionary<string, int> _byName;
    private readonly NestingGraph _nesting;

    private RoutingSnapshot(TrafficManagerZone zone, LatencyTable table, ProfileRouting[] profiles,
        Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> byWire, Dictionary<string, int> byName, NestingGraph nesting)
    {
        _nesting = nesting;
        Zone = zone;
        LatencyTable = table;
        _profiles = profiles;
        _byWire = byWire;
        _byName = byName;
    }

    public TrafficManagerZone Zone { get; }

    public LatencyTable LatencyTable { get; }

    /// <summary>The profiles in configuration order.</summary>
    public IReadOnlyList<ProfileRouting> Profiles => _profiles;

    /// <summary>
    /// Builds a snapshot from options that <see cref="TrafficManagerOptionsValidator"/> accepts.
    /// </summary>
    /// <param name="options">The <c>TrafficManager</c> section.</param>
    /// <param name="state">Each endpoint's current state, by profile and endpoint name.</param>
    /// <param name="nameServerAddresses">The server's own addresses, for glue of the made-up <c>ns1</c>; none leaves it without.</param>
    /// <param name="random">Weighted routing's draw: a number in [0, argument). Defaults to <see cref="Random.Shared"/>.</param>
    /// <param name="geo">The country database of Geographic profiles; none places no client anywhere.</param>
    public static RoutingSnapshot Build(TrafficManagerOptions options, Func<string, string, EndpointRoutingState> state,
        IReadOnlyList<IPAddress>? nameServerAddresses = null, Func<int, int>? random = null, GeoLocator? geo = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(state);
        random ??= Random.Shared.Next;
        geo ??= new GeoLocator(GeoTable.Empty);
        var zone = new TrafficManagerZone(options, nameServerAddresses);
        var table = LatencyTable.Build(options.LatencyTable);
        var profiles = new List<ProfileRouting>();
        var byWire = new Dictionary<byte[], int>(WireNameComparer.Instance);
        var byName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var profileOptions in options.Profiles)
        {
            if (profileOptions?.Name is null || byName.ContainsKey(profileOptions.Name))
            {
                continue;
            }

            string name = profileOptions.Name;
            var states = profileOptions.Endpoints.Select(e => state(name, e.Name ?? string.Empty)).ToArray();
            var profile = new ProfileRouting(profileOptions, zone.Apex, table, random, states, geo);
            byName[name] = profiles.Count;
            byWire[profile.OwnerWire] = profiles.Count;
            profiles.Add(profile);
        }

        // Empty non-terminals between a multi-label profile name and the apex exist, with no data (RFC 8020).
        foreach (var profile in profiles)
        {
            ReadOnlySpan<byte> wire = profile.OwnerWire;
            for (int position = wire[0] + 1; wire.Length - position > zone.ApexWire.Length; position += wire[position] + 1)
            {
                byWire.TryAdd(wire[position..].ToArray(), EmptyNonTerminal);
            }
        }

        var built = profiles.ToArray();
        var nesting = NestingGraph.Build(built, byName);
        nesting.Derive(built, null);
        return new RoutingSnapshot(zone, table, built, byWire.GetAlternateLookup<ReadOnlySpan<byte>>(), byName, nesting);
    }

    /// <summary>
    /// This snapshot with new states for the endpoints of <paramref name="profile"/> (configuration order); the other
    /// profiles, the zone and the latency table are shared.
    /// </summary>
    /// <exception cref="ArgumentException">No such profile, or a state count that does not match its endpoints.</exception>
    public RoutingSnapshot WithEndpointStates(string profile, IReadOnlyList<EndpointRoutingState> statesInConfigOrder)
    {
        ArgumentNullException.ThrowIfNull(statesInConfigOrder);
        return WithEndpointStates([(profile, [.. statesInConfigOrder])]);
    }

    /// <summary>
    /// This snapshot with new states for the endpoints of every profile in <paramref name="updates"/> (the last update
    /// of a profile wins), made with one copy of the profile table whatever their number; everything else is shared.
    /// </summary>
    /// <exception cref="ArgumentException">No such profile, or a state count that does not match its endpoints.</exception>
    public RoutingSnapshot WithEndpointStates(IReadOnlyList<(string Profile, EndpointRoutingState[] States)> updates)
    {
        ArgumentNullException.ThrowIfNull(updates);
        var profiles = (ProfileRouting[])_profiles.Clone();
        bool[]? changed = null;
        foreach (var (profile, states) in updates)
        {
            ArgumentNullException.ThrowIfNull(profile);
            if (!_byName.TryGetValue(profile, out int index))
            {
                throw new ArgumentException($"No profile '{profile}'.", nameof(updates));
            }

            profiles[index] = _profiles[index].WithStates(states);
            if (!_nesting.IsEmpty)
            {
                (changed ??= new bool[profiles.Length])[index] = true;
            }
        }

        // A child's change re-evaluates its parents, transitively.
        if (changed is not null)
        {
            _nesting.Derive(profiles, changed);
        }

        return new RoutingSnapshot(Zone, LatencyTable, profiles, _byWire, _byName, _nesting);
    }

    /// <summary>The profile answered at <paramref name="lowercaseName"/> (wire form), or null. Allocation-free.</summary>
    public ProfileRouting? FindProfile(ReadOnlySpan<byte> lowercaseName) =>
        _byWire.TryGetValue(lowercaseName, out int index) && index >= 0 ? _profiles[index] : null;

    /// <summary>The profile named <paramref name="name"/> (case-insensitive), or null.</summary>
    public ProfileRouting? FindProfile(string name) =>
        name is not null && _byName.TryGetValue(name, out int index) ? _profiles[index] : null;

    /// <summary>Whether <paramref name="lowercaseName"/> is a profile name or an empty non-terminal above one.</summary>
    public bool NameExists(ReadOnlySpan<byte> lowercaseName) => _byWire.ContainsKey(lowercaseName);
}
