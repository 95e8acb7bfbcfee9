using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Router.Cluster.Configuration;
using Router.Cluster.Etcd;
using Router.Testing;
using Router.Testing.Etcd;
using Router.TrafficManager.Cluster;
using Router.TrafficManager.Monitoring;

namespace Router.Cluster.Tests.Etcd;

/// <summary>One <see cref="EtcdClusterStore"/> on a test cluster, with the snapshots it delivered and what it logged.</summary>
internal sealed class StoreHarness : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly List<ClusterSnapshot> _delivered = [];
    private int _inCallback;

    private StoreHarness(EtcdClusterStore store, ILoggerFactory loggerFactory, FakeLogCollector logs)
    {
        Store = store;
        _loggerFactory = loggerFactory;
        Logs = logs;
    }

    public EtcdClusterStore Store { get; }

    public FakeLogCollector Logs { get; }

    public string Id => Store.InstanceId;

    public ClusterSnapshot Current => Store.Current;

    /// <summary>Whether the callback was ever entered while it ran already.</summary>
    public bool Overlapped { get; private set; }

    public IReadOnlyList<ClusterSnapshot> Delivered
    {
        get
        {
            lock (_delivered)
            {
                return _delivered.ToArray();
            }
        }
    }

    public static StoreHarness Start(
        EtcdCluster cluster, string prefix, string id, int leaseSeconds = 3, Action<ClusterOptions>? configure = null, Func<string, string?>? environment = null)
    {
        var logs = new FakeLogCollector();
        var loggerFactory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(logs)));
        var options = new ClusterOptions { Endpoints = [.. cluster.ClientUrls], Prefix = prefix, InstanceId = id, LeaseSeconds = leaseSeconds };
        configure?.Invoke(options);
        var store = (EtcdClusterStore)ClusterStores.Create(options, loggerFactory, TimeProvider.System, $"{id}.test:8081", environment ?? (_ => null));
        var harness = new StoreHarness(store, loggerFactory, logs);
        store.Start(View(id, EndpointStatus.Online), harness.OnChange);
        return harness;
    }

    public static InstanceView View(string id, EndpointStatus status) =>
        new(id, TimeProvider.System.GetUtcNow(), [new EndpointView("contoso", "eastus", status, status == EndpointStatus.Degraded ? 3 : 0, status != EndpointStatus.Degraded, null, TimeProvider.System.GetUtcNow())]);

    public static ManualSetting Setting(string profile, string endpoint, bool enabled, string by) =>
        new(profile, endpoint, enabled, TimeProvider.System.GetUtcNow(), by, true);

    public Task UntilAsync(Func<ClusterSnapshot, bool> condition, TimeSpan timeout, string what) =>
        Poll.UntilAsync(() => condition(Current), timeout, $"{Id}: {what} (now {Describe(Current)})");

    public static string Describe(ClusterSnapshot snapshot) =>
        $"{snapshot.State} since {snapshot.Since:HH:mm:ss.fff} ({snapshot.Reason}); members [{string.Join(", ", snapshot.Members.Select(m => m.InstanceId))}], " +
        $"views [{string.Join(", ", snapshot.Views.Keys)}], settings [{string.Join(", ", snapshot.Settings.Select(s => $"{s.Profile}/{s.Endpoint}={s.Enabled}"))}], revision {snapshot.Revision}";

    public IReadOnlyList<FakeLogRecord> Events(string name) => Logs.GetSnapshot().Where(record => record.Id.Name == name).ToArray();

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        _loggerFactory.Dispose();
    }

    private void OnChange(ClusterSnapshot snapshot)
    {
        if (Interlocked.Increment(ref _inCallback) != 1)
        {
            Overlapped = true;
        }

        lock (_delivered)
        {
            _delivered.Add(snapshot);
        }

        Interlocked.Decrement(ref _inCallback);
    }
}
