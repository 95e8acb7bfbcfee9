using Router.TrafficManager.Cluster;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Cluster;

/// <summary>
/// An <see cref="IClusterStore"/> in memory: the test says what the store holds (<see cref="Push"/>), and sees what the
/// instance published and wrote. Snapshots reach the instance on the test's thread, at once.
/// </summary>
internal sealed class FakeClusterStore(string instanceId, DateTimeOffset now) : IClusterStore
{
    private readonly Lock _gate = new();
    private readonly List<InstanceView> _published = [];
    private readonly List<ManualSetting> _written = [];
    private Action<ClusterSnapshot>? _onChange;

    public string InstanceId { get; } = instanceId;

    public ClusterSnapshot Current { get; private set; } = ClusterSnapshot.Starting(now);

    /// <summary>When set, writes fail with this reason.</summary>
    public string? WriteError { get; set; }

    /// <summary>Whether a successful write is pushed back as a snapshot at once (as the watch does).</summary>
    public bool EchoWrites { get; set; } = true;

    public IReadOnlyList<InstanceView> Published
    {
        get
        {
            lock (_gate)
            {
                return [.. _published];
            }
        }
    }

    public IReadOnlyList<ManualSetting> Written
    {
        get
        {
            lock (_gate)
            {
                return [.. _written];
            }
        }
    }

    public bool Stopped { get; private set; }

    public void Start(InstanceView initialView, Action<ClusterSnapshot> onChange)
    {
        _onChange = onChange;
        Publish(initialView);
    }

    public void Publish(InstanceView view)
    {
        lock (_gate)
        {
            _published.Add(view);
        }
    }

    public Task<ClusterWriteResult> SetEndpointEnabledAsync(ManualSetting setting, CancellationToken cancellationToken)
    {
        if (WriteError is not null)
        {
            return Task.FromResult(ClusterWriteResult.Failed(WriteError));
        }

        lock (_gate)
        {
            _written.Add(setting);
        }

        if (EchoWrites)
        {
            var settings = Current.Settings.Where(s => !(s.Profile == setting.Profile && s.Endpoint == setting.Endpoint)).Append(setting).ToList();
            Push(Current with { Settings = settings, Revision = Current.Revision + 1 });
        }

        return Task.FromResult(ClusterWriteResult.Ok);
    }

    /// <summary>Settings the instance asked to delete.</summary>
    public List<ManualSetting> Removed { get; } = [];

    public Task<ClusterWriteResult> RemoveSettingAsync(ManualSetting setting, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Removed.Add(setting);
        }

        return Task.FromResult(WriteError is null ? ClusterWriteResult.Ok : ClusterWriteResult.Failed(WriteError));
    }

    /// <summary>Makes <paramref name="snapshot"/> what the store says, and tells the instance.</summary>
    public void Push(ClusterSnapshot snapshot)
    {
        Current = snapshot;
        _onChange?.Invoke(snapshot);
    }

    /// <summary>
    /// A connected snapshot: this instance and <paramref name="others"/> live, each other instance with its view (a
    /// status per endpoint, <c>"profile/endpoint"</c>), and <paramref name="settings"/>.
    /// </summary>
    public ClusterSnapshot Connected(DateTimeOffset since, IReadOnlyDictionary<string, Dictionary<string, EndpointStatus>> others,
        IReadOnlyList<ManualSetting>? settings = null)
    {
        var members = others.Keys.Append(InstanceId).Order(StringComparer.Ordinal)
            .Select((id, i) => new ClusterMember(id, 100 + i, 10, since, null)).ToList();
        var views = new Dictionary<string, InstanceView>(StringComparer.Ordinal);
        foreach (var (instance, statuses) in others)
        {
            views[instance] = new InstanceView(instance, since, [.. statuses.Select(pair =>
            {
                string[] names = pair.Key.Split('/');
                return new EndpointView(names[0], names[1], pair.Value, pair.Value == EndpointStatus.Degraded ? 3 : 0,
                    pair.Value != EndpointStatus.CheckingEndpoint ? pair.Value == EndpointStatus.Online : null, null, since);
            })]);
        }

        return new ClusterSnapshot(ClusterStoreState.Connected, since, null, members, views, settings ?? Current.Settings, Current.Revision + 1);
    }

    /// <summary>The store cannot be reached: the last settings seen stay.</summary>
    public ClusterSnapshot LocalView(DateTimeOffset since, string reason) =>
        Current with { State = ClusterStoreState.LocalView, Since = since, Reason = reason, Revision = Current.Revision };

    public Task StopAsync()
    {
        Stopped = true;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
