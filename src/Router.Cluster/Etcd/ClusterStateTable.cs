using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mvccpb;
using Router.Cluster.Diagnostics;
using Router.TrafficManager.Cluster;

namespace Router.Cluster.Etcd;

/// <summary>
/// What this instance knows of the keys under the prefix, parsed as they arrive, and the snapshots built from it.
/// A value that does not parse, a key of an unknown shape or a view of an instance that is not live is logged once per
/// key and revision and left out; nothing here throws for what the store holds. Not thread-safe: one owner (the store's
/// session loop) calls it.
/// </summary>
internal sealed class ClusterStateTable(string prefix, ILogger logger)
{
    private readonly Dictionary<string, ClusterMember> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (InstanceView View, long ModRevision)> _views = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ManualSetting> _settings = new(StringComparer.Ordinal);

    /// <summary>The revision of each key whose problem was logged, so that it is logged once per key and revision.</summary>
    private readonly Dictionary<string, long> _reported = new(StringComparer.Ordinal);

    /// <summary>The store's revision the table reflects.</summary>
    public long Revision { get; private set; }

    /// <summary>Replaces everything with <paramref name="values"/>, read at <paramref name="revision"/>.</summary>
    public void Load(IEnumerable<KeyValue> values, long revision)
    {
        _members.Clear();
        _views.Clear();
        _settings.Clear();
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            string key = value.Key.ToStringUtf8();
            present.Add(key);
            Put(key, value);
        }

        foreach (string key in _reported.Keys.Where(key => !present.Contains(key)).ToList())
        {
            _reported.Remove(key);
        }

        Revision = revision;
    }

    /// <summary>Applies one watch event.</summary>
    public void Apply(Event change)
    {
        string key = change.Kv.Key.ToStringUtf8();
        if (change.Type == Event.Types.EventType.Delete)
        {
            _members.Remove(key);
            _views.Remove(key);
            _settings.Remove(key);
            _reported.Remove(key);
        }
        else
        {
            Put(key, change.Kv);
        }

        Revision = Math.Max(Revision, change.Kv.ModRevision);
    }

    /// <summary>Moves <see cref="Revision"/> on to the revision of a watch response.</summary>
    public void Advance(long revision) => Revision = Math.Max(Revision, revision);

    /// <summary>The settings as they are now (kept for <see cref="ClusterStoreState.LocalView"/> snapshots).</summary>
    public IReadOnlyList<ManualSetting> Settings() =>
        _settings.Values.OrderBy(s => s.Profile, StringComparer.Ordinal).ThenBy(s => s.Endpoint, StringComparer.Ordinal).ToArray();

    /// <summary>A connected snapshot of the table: live members, their views, every setting.</summary>
    public ClusterSnapshot Build(DateTimeOffset since)
    {
        var members = _members.Values
            .OrderBy(member => member.InstanceId, StringComparer.Ordinal)
            .ToArray();
        var live = members.Select(member => member.InstanceId).ToHashSet(StringComparer.Ordinal);
        var views = new Dictionary<string, InstanceView>(StringComparer.Ordinal);
        foreach (var (key, entry) in _views)
        {
            if (live.Contains(entry.View.InstanceId))
            {
                views[entry.View.InstanceId] = entry.View;
            }
            else
            {
                Report(key, entry.ModRevision, $"a view of {entry.View.InstanceId}, which is not a live instance (no member key under a lease)");
            }
        }

        return new ClusterSnapshot(ClusterStoreState.Connected, since, null, members, views, Settings(), Revision);
    }

    private void Put(string key, KeyValue value)
    {
        _members.Remove(key);
        _views.Remove(key);
        _settings.Remove(key);
        string? problem = TryAdd(key, value);
        if (problem is null)
        {
            _reported.Remove(key);
        }
        else
        {
            Report(key, value.ModRevision, problem);
        }
    }

    /// <summary>Adds <paramref name="value"/> to its dictionary; returns why not when it cannot.</summary>
    private string? TryAdd(string key, KeyValue value)
    {
        var shape = ClusterKey.Parse(prefix, key);
        try
        {
            switch (shape.Kind)
            {
                case ClusterKeyKind.Member:
                    if (value.Lease == 0)
                    {
                        return "a member key that is not under a lease";
                    }

                    var record = JsonSerializer.Deserialize(value.Value.Span, ClusterJsonContext.Default.MemberRecord);
                    if (record is null || !string.Equals(record.InstanceId, shape.First, StringComparison.Ordinal))
                    {
                        return $"the member value does not name instance {shape.First}";
                    }

                    _members[key] = new ClusterMember(record.InstanceId, value.Lease, record.LeaseSeconds, record.RegisteredAt, record.Address);
                    return null;

                case ClusterKeyKind.View:
                    if (value.Lease == 0)
                    {
                        return "a view that is not under a lease";
                    }

                    var view = JsonSerializer.Deserialize(value.Value.Span, ClusterJsonContext.Default.InstanceView);
                    if (view is null || !string.Equals(view.InstanceId, shape.First, StringComparison.Ordinal))
                    {
                        return $"the view does not name instance {shape.First}";
                    }

                    if (view.Endpoints.Any(endpoint => endpoint is null || endpoint.Profile is null || endpoint.Endpoint is null || !Enum.IsDefined(endpoint.Status)))
                    {
                        return "the view has an incomplete endpoint";
                    }

                    _views[key] = (view, value.ModRevision);
                    return null;

                case ClusterKeyKind.Setting:
                    var setting = JsonSerializer.Deserialize(value.Value.Span, ClusterJsonContext.Default.ManualSetting);
                    if (setting is null ||
                        !string.Equals(setting.Profile, shape.First, StringComparison.Ordinal) ||
                        !string.Equals(setting.Endpoint, shape.Second, StringComparison.Ordinal))
                    {
                        return $"the setting does not name {shape.First}/{shape.Second}";
                    }

                    _settings[key] = setting;
                    return null;

                default:
                    return "a key of an unknown shape (expected members/{id}, views/{id} or settings/{profile}/{endpoint})";
            }
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or FormatException or InvalidOperationException)
        {
            // Whatever the value holds, it is logged and left out: nothing in the store may end the session loop.
            return $"the value does not parse ({e.Message})";
        }
    }

    private void Report(string key, long revision, string problem)
    {
        if (_reported.TryGetValue(key, out long logged) && logged == revision)
        {
            return;
        }

        _reported[key] = revision;
        ClusterLog.DataIgnored(logger, key, revision, problem);
    }
}
