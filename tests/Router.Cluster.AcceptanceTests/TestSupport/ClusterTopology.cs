using System.Globalization;
using System.Text;
using System.Text.Json;
using Router.Testing;
using Router.Testing.Etcd;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Router.Cluster.AcceptanceTests.TestSupport;

/// <summary>
/// A real three-member etcd cluster, the regions' health stand-ins and three <c>router serve</c> instances reading one
/// configuration file (with a key prefix of this run's own), on loopback addresses and free ports. Started once for the
/// collection; <see cref="RestoreAsync"/> brings it back to the state every test starts from: every etcd member and
/// every router running (quorum Majority), every region answering 200 to everyone, no endpoint disabled, and every
/// instance connected, seeing all three, with every endpoint Online in all three views and eastus answered.
/// </summary>
public sealed class ClusterTopology : IAsyncLifetime
{
    /// <summary>The bound of a restore (start-ups and convergence on a loaded machine), never a figure under test.</summary>
    private static readonly TimeSpan RestoreTimeout = TimeSpan.FromSeconds(90);

    private readonly IMessageSink _sink;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "router-cluster-accept-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<ClusterRouter> _routers = [];

    public ClusterTopology(IMessageSink sink)
    {
        _sink = sink;
        Prefix = "/router-accept-" + Guid.NewGuid().ToString("N")[..8] + "/";
    }

    /// <summary>The key prefix of this run (the file's <c>Cluster:Prefix</c>).</summary>
    public string Prefix { get; }

    internal EtcdCluster Etcd { get; private set; } = null!;

    internal RegionHealth Health { get; private set; } = null!;

    internal IReadOnlyList<ClusterRouter> Routers => _routers;

    internal ClusterRouter this[int number] => _routers[number - 1];

    internal string ConfigPath => Path.Combine(_directory, "router.json");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        Etcd = await EtcdCluster.StartAsync();
        Health = await RegionHealth.StartAsync();
        for (int number = 1; number <= 3; number++)
        {
            // router-3 alone probes the regions on a port of its own, so a region can be cut off for it alone.
            Dictionary<string, string?>? overrides = number == 3
                ? new() { ["Router__TrafficManager__Profiles__0__Monitor__Port"] = Health.ThirdPort.ToString(CultureInfo.InvariantCulture) }
                : null;
            _routers.Add(new ClusterRouter(number, ConfigPath, _directory, overrides));
        }

        var first = _routers[0];
        await File.WriteAllTextAsync(ConfigPath, ClusterConfig.Json(Etcd.ClientUrls, Prefix, Health.Shared.Port, first.Dns, first.Admin, first.StateFile));
        Log($"etcd {string.Join(", ", Etcd.ClientUrls)}, prefix {Prefix}, config {ConfigPath}; " +
            string.Join("; ", _routers.Select(r => $"{r.Id}: DNS {r.Dns}, admin {r.AdminUrl}")));
        await Task.WhenAll(_routers.Select(r => r.StartAsync()));
        await WarmUpAsync(_routers);
    }

    public async Task DisposeAsync()
    {
        foreach (var router in _routers)
        {
            await router.DisposeAsync();
        }

        if (Health is not null)
        {
            await Health.DisposeAsync();
        }

        if (Etcd is not null)
        {
            await Etcd.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log($"could not delete {_directory}: {ex.Message}");
        }
    }

    /// <summary>
    /// Back to the state every test starts from (see the class summary), bounded; fails with every router's output.
    /// </summary>
    internal async Task RestoreAsync(ITestOutputHelper output)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (Etcd.Members.Any(m => !m.IsRunning))
        {
            Etcd.StartAll();
            if (!await Etcd.WaitHealthyAsync(EtcdCluster.StartupTimeout))
            {
                throw new XunitException($"etcd did not become healthy again within {EtcdCluster.StartupTimeout.TotalSeconds} s.{Environment.NewLine}{Etcd.Log}");
            }
        }

        await Health.RestoreAsync();
        foreach (var router in _routers.Where(r => r.IsRunning && r.Quorum != "Majority"))
        {
            await router.KillAsync();
        }

        var stopped = _routers.Where(r => !r.IsRunning).ToList();
        await Task.WhenAll(stopped.Select(r => r.StartAsync()));
        await WarmUpAsync(stopped);

        // A manual setting left by a test: enable it again (through any instance; they share the store).
        if (!await Poll.TryUntilAsync(EnableEverythingAsync, RestoreTimeout))
        {
            throw await FailureAsync("could not enable every endpoint again");
        }

        if (!await Poll.TryUntilAsync(IsSettledAsync, RestoreTimeout - clock.Elapsed))
        {
            throw await FailureAsync($"the cluster did not settle within {RestoreTimeout.TotalSeconds} s");
        }

        output.WriteLine($"restored in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Every instance connected, seeing all three, every endpoint enabled and Online in all three views, eastus answered.</summary>
    internal async Task<bool> IsSettledAsync()
    {
        foreach (var router in _routers)
        {
            if (!await IsConnectedToAllAsync(router) || await router.AnsweredRegionAsync() != "eastus")
            {
                return false;
            }

            var profile = await router.TryGetAsync("api/profiles/" + ClusterConfig.Profile);
            if (profile is null)
            {
                return false;
            }

            foreach (var endpoint in profile.Value.GetProperty("endpoints").EnumerateArray())
            {
                if (!endpoint.GetProperty("enabled").GetBoolean() || endpoint.GetProperty("status").GetString() != "Online" ||
                    !endpoint.TryGetProperty("views", out var views) || views.GetArrayLength() != _routers.Count ||
                    views.EnumerateArray().Any(v => v.GetProperty("status").GetString() != "Online"))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="router"/>'s store is Connected and it lists exactly the running instances.</summary>
    internal async Task<bool> IsConnectedToAllAsync(ClusterRouter router) =>
        await router.TryGetAsync("api/cluster") is { } cluster && State(cluster) == "Connected" &&
        Instances(cluster).SequenceEqual(_routers.Where(r => r.IsRunning).Select(r => r.Id).Order(StringComparer.Ordinal));

    /// <summary>The store state of a <c>GET /api/cluster</c> answer.</summary>
    internal static string? State(JsonElement cluster) => cluster.GetProperty("store").GetProperty("state").GetString();

    /// <summary>The instance ids of a <c>GET /api/cluster</c> answer, ordered.</summary>
    internal static IReadOnlyList<string> Instances(JsonElement cluster) =>
        [.. cluster.GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("instanceId").GetString()!).Order(StringComparer.Ordinal)];

    /// <summary>A failure that carries what every router said: its API's view of the cluster and its output.</summary>
    internal async Task<XunitException> FailureAsync(string message)
    {
        var text = new StringBuilder(message).AppendLine();
        foreach (var router in _routers)
        {
            var cluster = await router.TryGetAsync("api/cluster");
            var profile = await router.TryGetAsync("api/profiles/" + ClusterConfig.Profile);
            text.AppendLine(CultureInfo.InvariantCulture, $"===== {router.Id}: answers {await router.AnsweredRegionAsync()}")
                .AppendLine(CultureInfo.InvariantCulture, $"/api/cluster: {cluster?.ToString() ?? "(no answer)"}")
                .AppendLine(CultureInfo.InvariantCulture, $"/api/profiles/{ClusterConfig.Profile}: {profile?.ToString() ?? "(no answer)"}")
                .AppendLine(router.Describe());
        }

        return new XunitException(text.ToString());
    }

    /// <summary>To the console of <c>dotnet test</c> (a diagnostic message), so a CI log shows measured times of passing tests.</summary>
    internal void Log(string message) => _sink.OnMessage(new DiagnosticMessage("[router-cluster] " + message));

    /// <summary>
    /// One manual switch through each of <paramref name="started"/> that changes nothing (eastasia enabled, as the file
    /// says), so that the first timed switch of a test meets a running instance, not its first etcd write and first
    /// applied setting (measured cold: about 0.8 s for the PUT at load 11, against 0.3 s warm).
    /// </summary>
    private async Task WarmUpAsync(IReadOnlyList<ClusterRouter> started)
    {
        foreach (var router in started)
        {
            (System.Net.HttpStatusCode Status, string Body) put = default;
            if (!await Poll.TryUntilAsync(async () => (put = await router.PutEnabledAsync("eastasia", enabled: true)).Status == System.Net.HttpStatusCode.OK, RestoreTimeout))
            {
                throw await FailureAsync($"{router.Id}: the warm-up PUT kept failing: {(int)put.Status} {put.Body}");
            }
        }
    }

    private async Task<bool> EnableEverythingAsync()
    {
        foreach (string region in ClusterConfig.Regions)
        {
            foreach (var router in _routers)
            {
                var profile = await router.TryGetAsync("api/profiles/" + ClusterConfig.Profile);
                if (profile is null)
                {
                    return false;
                }

                var endpoint = profile.Value.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("name").GetString() == region);
                if (!endpoint.GetProperty("enabled").GetBoolean())
                {
                    _ = await router.PutEnabledAsync(region, enabled: true);
                    return false;
                }
            }
        }

        return true;
    }
}
