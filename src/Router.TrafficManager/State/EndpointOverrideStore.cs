using System.Text.Json;
using System.Text.Json.Serialization;

namespace Router.TrafficManager.State;

/// <summary>One manual enable/disable (and maintenance) made through the admin API.</summary>
/// <param name="Profile">The profile name, as configured when the override was made.</param>
/// <param name="Endpoint">The endpoint name, as configured when the override was made.</param>
/// <param name="Enabled">What the admin asked for.</param>
/// <param name="ChangedAt">When.</param>
/// <param name="ConfigEnabled">
/// The configuration's <c>Enabled</c> flag of the endpoint when the override was made, so that a configuration edit
/// made while the router was stopped is recognised at the next start (the newer instruction wins); null in files
/// written before it was recorded.
/// </param>
/// <param name="Maintenance">
/// Whether the endpoint is in maintenance: out of answers like a disabled one, but still probed. A configuration edit
/// of the <c>Enabled</c> flag supersedes it with the rest of the override.
/// </param>
/// <param name="Reason">The operator's reason for maintenance, if given.</param>
internal sealed record EndpointOverride(string Profile, string Endpoint, bool Enabled, DateTimeOffset ChangedAt, bool? ConfigEnabled = null,
    bool Maintenance = false, string? Reason = null)
{
    /// <summary>
    /// Whether a manual setting made when the configuration said <paramref name="configEnabled"/> gives way to a
    /// configuration that now says <paramref name="enabledNow"/>: the newer instruction wins (unknown: it does not).
    /// </summary>
    public static bool IsSupersededBy(bool? configEnabled, bool enabledNow) => configEnabled is bool recorded && recorded != enabledNow;
}

/// <summary>
/// Manual endpoint enable/disable and maintenance, and failback holds (<see cref="Monitoring.FailbackHold"/>), kept in a
/// JSON file so they survive a restart. Writes go to a temporary file that replaces the old one, so a crash mid-write
/// leaves the previous state. Thread-safe.
/// </summary>
internal sealed partial class EndpointOverrideStore
{
    private readonly Lock _gate = new();
    private readonly string? _path;
    private Dictionary<(string Profile, string Endpoint), EndpointOverride> _overrides;

    /// <summary>Whether the file lags behind <see cref="_overrides"/> (a save of <see cref="ReplaceAll"/> failed).</summary>
    private bool _unsaved;

    /// <param name="path">The state file; null keeps overrides in memory only (tests, the demo).</param>
    /// <param name="loadError">Why the existing file could not be read, if it could not; the store then starts empty.</param>
    public EndpointOverrideStore(string? path, out string? loadError)
    {
        _path = path;
        _overrides = new(KeyComparer.Instance);
        _holds = new(KeyComparer.Instance);
        loadError = null;
        if (path is null || !File.Exists(path))
        {
            return;
        }

        try
        {
            var file = JsonSerializer.Deserialize(File.ReadAllBytes(path), StateFileContext.Default.StateFile);
            foreach (var entry in file?.Endpoints ?? [])
            {
                // A null entry or one without names (a hand edit) is skipped; the rest of the file still counts.
                if (entry is not null && !string.IsNullOrEmpty(entry.Profile) && !string.IsNullOrEmpty(entry.Endpoint))
                {
                    _overrides[(entry.Profile, entry.Endpoint)] = entry;
                }
            }

            LoadHolds(file?.Holds);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            loadError = ex.Message;
        }
    }

    /// <summary>The file overrides are kept in, if any.</summary>
    public string? Path => _path;

    public bool TryGet(string profile, string endpoint, out EndpointOverride? value)
    {
        lock (_gate)
        {
            return _overrides.TryGetValue((profile, endpoint), out value);
        }
    }

    /// <summary>Every override, in no particular order.</summary>
    public IReadOnlyList<EndpointOverride> GetAll()
    {
        lock (_gate)
        {
            return [.. _overrides.Values];
        }
    }

    /// <summary>Records an override and saves the file; on a write error nothing changes and the error is returned.</summary>
    public string? Set(EndpointOverride value)
    {
        lock (_gate)
        {
            var next = new Dictionary<(string, string), EndpointOverride>(_overrides, KeyComparer.Instance)
            {
                [(value.Profile, value.Endpoint)] = value,
            };
            string? error = Save(next);
            if (error is null)
            {
                _overrides = next;
                _unsaved = false;
            }

            return error;
        }
    }

    /// <summary>
    /// Makes <paramref name="values"/> the overrides (a cluster store's settings) and saves the file when they differ
    /// from the ones kept. Like <see cref="Remove(IEnumerable{ValueTuple{string, string}})"/>, they are taken even when
    /// the file cannot be written (<paramref name="error"/> then says why). Returns the endpoints whose override changed,
    /// with the new setting (null: no override any more).
    /// </summary>
    public IReadOnlyList<(string Profile, string Endpoint, bool? Enabled)> ReplaceAll(IEnumerable<EndpointOverride> values, out string? error)
    {
        ArgumentNullException.ThrowIfNull(values);
        error = null;
        lock (_gate)
        {
            var next = new Dictionary<(string, string), EndpointOverride>(KeyComparer.Instance);
            foreach (var value in values)
            {
                // Two settings for one endpoint (names that differ in case only): the newer one.
                if (!next.TryGetValue((value.Profile, value.Endpoint), out var other) || value.ChangedAt > other.ChangedAt)
                {
                    next[(value.Profile, value.Endpoint)] = value;
                }
            }

            var changed = new List<(string, string, bool?)>();
            foreach (var (key, value) in next)
            {
                if (!_overrides.TryGetValue(key, out var old) || old.Enabled != value.Enabled || old.Maintenance != value.Maintenance)
                {
                    changed.Add((value.Profile, value.Endpoint, value.Enabled));
                }
            }

            foreach (var (key, old) in _overrides)
            {
                if (!next.ContainsKey(key))
                {
                    changed.Add((old.Profile, old.Endpoint, null));
                }
            }

            // Saved when they differ, and again after a failed save (the file must catch up for a restart).
            bool same = next.Count == _overrides.Count && next.All(pair => _overrides.TryGetValue(pair.Key, out var old) && old == pair.Value);
            if (!same || _unsaved)
            {
                error = Save(next);
                _unsaved = error is not null;
                _overrides = next;
            }

            return changed;
        }
    }

    /// <summary>Forgets the override of one endpoint (configuration changed its flag: the newer instruction wins).</summary>
    public string? Remove(string profile, string endpoint) => Remove([(profile, endpoint)]);

    /// <summary>
    /// Forgets the overrides of <paramref name="endpoints"/> with one write. Unlike <see cref="Set"/>, they are forgotten
    /// even when the file cannot be written (the configuration, the newer instruction, decides in this process); the
    /// error is returned. Endpoints without an override are ignored; when none has one, nothing is written.
    /// </summary>
    public string? Remove(IEnumerable<(string Profile, string Endpoint)> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        lock (_gate)
        {
            var next = new Dictionary<(string, string), EndpointOverride>(_overrides, KeyComparer.Instance);
            bool removed = false;
            foreach (var key in endpoints)
            {
                removed |= next.Remove(key);
            }

            if (!removed)
            {
                return null;
            }

            string? error = Save(next);
            _unsaved = error is not null;
            _overrides = next;
            return error;
        }
    }

    private string? Save(Dictionary<(string, string), EndpointOverride> overrides) => Save(overrides, _holds);

    private string? Save(Dictionary<(string, string), EndpointOverride> overrides, Dictionary<(string, string), Monitoring.FailbackHold> holds)
    {
        if (_path is null)
        {
            return null;
        }

        string temporary = _path + ".tmp";
        try
        {
            string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(_path));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }

            var file = new StateFile
            {
                Endpoints = [.. overrides.Values.OrderBy(o => o.Profile, StringComparer.Ordinal).ThenBy(o => o.Endpoint, StringComparer.Ordinal)],
                Holds = holds.Count == 0 ? null : [.. holds.Values.OrderBy(h => h.Profile, StringComparer.Ordinal).ThenBy(h => h.Endpoint, StringComparer.Ordinal)],
            };
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, file, StateFileContext.Default.StateFile);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, _path, overwrite: true);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // The previous file is intact; do not leave the half-written or unmovable temporary file behind.
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                // Best effort: the next save overwrites it.
            }

            return $"cannot save {_path}: {ex.Message}";
        }
    }

    private sealed class KeyComparer : IEqualityComparer<(string Profile, string Endpoint)>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals((string Profile, string Endpoint) x, (string Profile, string Endpoint) y) =>
            StringComparer.OrdinalIgnoreCase.Equals(x.Profile, y.Profile) && StringComparer.OrdinalIgnoreCase.Equals(x.Endpoint, y.Endpoint);

        public int GetHashCode((string Profile, string Endpoint) obj) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Profile), StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Endpoint));
    }
}

/// <summary>
/// The state file's shape: <c>{ "version": 1, "endpoints": [ { "profile", "endpoint", "enabled", "changedAt", "configEnabled",
/// "maintenance", "reason" } ], "holds": [ { "profile", "endpoint", "heldAt", "cleanSince" } ] }</c> (<c>configEnabled</c>,
/// <c>maintenance</c>, <c>reason</c> and <c>holds</c> optional: files written before them still read).
/// </summary>
internal sealed class StateFile
{
    public int Version { get; set; } = 1;

    public List<EndpointOverride> Endpoints { get; set; } = [];

    public List<Monitoring.FailbackHold>? Holds { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StateFile))]
internal sealed partial class StateFileContext : JsonSerializerContext;
