using System.Text.Json;
using System.Text.Json.Serialization;

namespace Router.TrafficManager.State;

/// <summary>One manual enable/disable made through the admin API.</summary>
internal sealed record EndpointOverride(string Profile, string Endpoint, bool Enabled, DateTimeOffset ChangedAt);

/// <summary>
/// Manual endpoint enable/disable, kept in a JSON file so it survives a restart. Writes go to a temporary file that
/// replaces the old one, so a crash mid-write leaves the previous state. Thread-safe.
/// </summary>
internal sealed class EndpointOverrideStore
{
    private readonly Lock _gate = new();
    private readonly string? _path;
    private Dictionary<(string Profile, string Endpoint), EndpointOverride> _overrides;

    /// <param name="path">The state file; null keeps overrides in memory only (tests, the demo).</param>
    /// <param name="loadError">Why the existing file could not be read, if it could not; the store then starts empty.</param>
    public EndpointOverrideStore(string? path, out string? loadError)
    {
        _path = path;
        _overrides = new(KeyComparer.Instance);
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
                if (!string.IsNullOrEmpty(entry.Profile) && !string.IsNullOrEmpty(entry.Endpoint))
                {
                    _overrides[(entry.Profile, entry.Endpoint)] = entry;
                }
            }
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
            }

            return error;
        }
    }

    /// <summary>Forgets the override of one endpoint (configuration changed its flag: the newer instruction wins).</summary>
    public string? Remove(string profile, string endpoint)
    {
        lock (_gate)
        {
            if (!_overrides.ContainsKey((profile, endpoint)))
            {
                return null;
            }

            var next = new Dictionary<(string, string), EndpointOverride>(_overrides, KeyComparer.Instance);
            next.Remove((profile, endpoint));
            string? error = Save(next);
            _overrides = next;
            return error;
        }
    }

    private string? Save(Dictionary<(string, string), EndpointOverride> overrides)
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

            var file = new StateFile { Endpoints = [.. overrides.Values.OrderBy(o => o.Profile, StringComparer.Ordinal).ThenBy(o => o.Endpoint, StringComparer.Ordinal)] };
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, file, StateFileContext.Default.StateFile);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, _path, overwrite: true);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
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

/// <summary>The state file's shape: <c>{ "version": 1, "endpoints": [ { "profile", "endpoint", "enabled", "changedAt" } ] }</c>.</summary>
internal sealed class StateFile
{
    public int Version { get; set; } = 1;

    public List<EndpointOverride> Endpoints { get; set; } = [];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(StateFile))]
internal sealed partial class StateFileContext : JsonSerializerContext;
