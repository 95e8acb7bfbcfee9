using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Cluster;

/// <summary>
/// The traffic manager's side of a cluster: it keeps the store's newest snapshot with an index of the other instances'
/// views, turns this instance's endpoint states into the view it publishes (only when something a view shows changed),
/// and gives each endpoint its agreed status (<see cref="AgreedStatus"/>). Thread-safe; reads take no lock.
/// </summary>
internal sealed class ClusterCoordinator
{
    private readonly Lock _publishGate = new();
    private readonly TimeProvider _timeProvider;
    private Dictionary<EndpointKey, EndpointView>? _published;
    private EndpointStates? _publishedStates;
    private Indexed _current;

    public ClusterCoordinator(IClusterStore store, QuorumRule quorum, TimeProvider timeProvider)
    {
        Store = store ?? throw new ArgumentNullException(nameof(store));
        Quorum = quorum;
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _current = Indexed.From(store.Current, store.InstanceId);
    }

    public IClusterStore Store { get; }

    public QuorumRule Quorum { get; }

    public string InstanceId => Store.InstanceId;

    /// <summary>The newest snapshot received (<see cref="Receive"/>).</summary>
    public ClusterSnapshot Snapshot => Volatile.Read(ref _current).Snapshot;

    /// <summary>
    /// Whether endpoints get the agreed status: connected, and registered (an instance whose id another live instance
    /// holds is not, and would count a view nobody else counts); otherwise this instance's own view decides.
    /// </summary>
    public bool IsAgreeing => Volatile.Read(ref _current).Agreeing;

    /// <summary>Keeps <paramref name="snapshot"/> as the newest, with its index of the other instances' views.</summary>
    public void Receive(ClusterSnapshot snapshot) => Volatile.Write(ref _current, Indexed.From(snapshot, InstanceId));

    /// <summary>
    /// The status every instance gives the endpoint: this instance's own status (<paramref name="own"/>) and the other
    /// live instances' views under the quorum rule while connected; <paramref name="own"/> alone otherwise.
    /// </summary>
    public EndpointStatus Agreed(string profile, string endpoint, EndpointStatus own)
    {
        var current = Volatile.Read(ref _current);
        if (!current.Agreeing || !current.Others.TryGetValue(new EndpointKey(profile, endpoint), out var others))
        {
            return current.Agreeing ? AgreedStatus.Decide(Quorum, [own]) : own;
        }

        const int OnTheStack = 32;
        Span<EndpointStatus> views = others.Count < OnTheStack ? stackalloc EndpointStatus[others.Count + 1] : new EndpointStatus[others.Count + 1];
        views[0] = own;
        for (int i = 0; i < others.Count; i++)
        {
            views[i + 1] = others[i].View.Status;
        }

        return AgreedStatus.Decide(Quorum, views);
    }

    /// <summary>Every live instance's view of the endpoint, this instance's first (from <paramref name="own"/>), then by id.</summary>
    public IReadOnlyList<EndpointViewReport> Views(string profile, string endpoint, EndpointMonitorState own)
    {
        var current = Volatile.Read(ref _current);
        var views = new List<EndpointViewReport>
        {
            new(InstanceId, own.Status, own.ConsecutiveFailures, own.LastProbe?.Succeeded, own.LastProbe?.Error, own.LastProbe?.StartedAt),
        };
        if (current.Agreeing && current.Others.TryGetValue(new EndpointKey(profile, endpoint), out var others))
        {
            foreach (var (instance, view) in others)
            {
                views.Add(new EndpointViewReport(instance, view.Status, view.ConsecutiveFailures, view.LastProbeSucceeded, view.LastProbeError, view.LastProbeAt));
            }
        }

        return views;
    }

    /// <summary>This instance's view of every endpoint it probes, from <paramref name="states"/>.</summary>
    public InstanceView ViewOf(EndpointStates states)
    {
        var endpoints = new List<EndpointView>(states.Count);
        foreach (var entry in states)
        {
            if (entry.State.Status != EndpointStatus.Disabled)
            {
                endpoints.Add(ToView(entry));
            }
        }

        endpoints.Sort(static (a, b) =>
        {
            int byProfile = string.CompareOrdinal(a.Profile, b.Profile);
            return byProfile != 0 ? byProfile : string.CompareOrdinal(a.Endpoint, b.Endpoint);
        });
        return new InstanceView(InstanceId, _timeProvider.GetUtcNow(), endpoints);
    }

    /// <summary>
    /// Publishes this instance's view when something a view shows (status, failure count, last probe's outcome) changed
    /// since the last one published; a probe that changed nothing of that writes nothing.
    /// </summary>
    public void PublishIfChanged(EndpointStates states)
    {
        lock (_publishGate)
        {
            // Two probes finishing together may hand their snapshots over in either order: never publish an older one.
            if (_publishedStates is not null && !ReferenceEquals(EndpointStates.Newest(_publishedStates, states), states))
            {
                return;
            }

            _publishedStates = states;
            var view = ViewOf(states);
            var byKey = new Dictionary<EndpointKey, EndpointView>(view.Endpoints.Count);
            foreach (var endpoint in view.Endpoints)
            {
                byKey[new EndpointKey(endpoint.Profile, endpoint.Endpoint)] = endpoint;
            }

            if (_published is not null && SameShown(_published, byKey))
            {
                return;
            }

            _published = byKey;
            Store.Publish(view);
        }
    }

    /// <summary>Starts following the store with this instance's first view.</summary>
    public void Start(EndpointStates states, Action<ClusterSnapshot> onChange)
    {
        InstanceView view;
        lock (_publishGate)
        {
            view = ViewOf(states);
            _publishedStates = states;
            _published = view.Endpoints.ToDictionary(e => new EndpointKey(e.Profile, e.Endpoint));
        }

        Store.Start(view, onChange);
    }

    private static EndpointView ToView(EndpointStateEntry entry) => new(
        entry.Profile, entry.Endpoint, entry.State.Status, entry.State.ConsecutiveFailures, entry.State.LastProbe?.Succeeded,
        entry.State.LastProbe?.Error, entry.State.LastProbe?.StartedAt);

    private static bool SameShown(Dictionary<EndpointKey, EndpointView> before, Dictionary<EndpointKey, EndpointView> after)
    {
        if (before.Count != after.Count)
        {
            return false;
        }

        foreach (var (key, view) in after)
        {
            if (!before.TryGetValue(key, out var old)
                || old.Status != view.Status
                || old.ConsecutiveFailures != view.ConsecutiveFailures
                || old.LastProbeSucceeded != view.LastProbeSucceeded
                || !string.Equals(old.LastProbeError, view.LastProbeError, StringComparison.Ordinal)
                || !string.Equals(old.Profile, view.Profile, StringComparison.Ordinal)
                || !string.Equals(old.Endpoint, view.Endpoint, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A snapshot with the other live instances' views by endpoint (instance ids in order).</summary>
    private sealed record Indexed(ClusterSnapshot Snapshot, bool Agreeing, Dictionary<EndpointKey, List<(string Instance, EndpointView View)>> Others)
    {
        public static Indexed From(ClusterSnapshot snapshot, string self)
        {
            bool agreeing = snapshot.State == ClusterStoreState.Connected
                && snapshot.Members.Any(m => string.Equals(m.InstanceId, self, StringComparison.Ordinal));
            var others = new Dictionary<EndpointKey, List<(string, EndpointView)>>();
            var live = new HashSet<string>(snapshot.Members.Select(m => m.InstanceId), StringComparer.Ordinal);
            foreach (var (instance, view) in snapshot.Views.OrderBy(v => v.Key, StringComparer.Ordinal))
            {
                if (string.Equals(instance, self, StringComparison.Ordinal) || !live.Contains(instance) || view?.Endpoints is null)
                {
                    continue;
                }

                foreach (var endpoint in view.Endpoints)
                {
                    if (endpoint is null)
                    {
                        continue;
                    }

                    var key = new EndpointKey(endpoint.Profile, endpoint.Endpoint);
                    if (!others.TryGetValue(key, out var list))
                    {
                        others[key] = list = [];
                    }

                    list.Add((instance, endpoint));
                }
            }

            return new Indexed(snapshot, agreeing, others);
        }
    }
}
