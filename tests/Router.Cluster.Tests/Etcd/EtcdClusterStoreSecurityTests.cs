using Router.Testing.Etcd;
using Router.TrafficManager.Cluster;

namespace Router.Cluster.Tests.Etcd;

/// <summary>The store against an etcd cluster with https:// client URLs (a throwaway CA) and authentication on.</summary>
public sealed class EtcdClusterStoreSecurityTests : IAsyncLifetime
{
    private const string Prefix = "/router-secure/";
    private const string Password = "s3cret-for-tests";
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    private readonly List<StoreHarness> _stores = [];
    private EtcdCluster _cluster = null!;
    private string _otherCa = null!;

    public async Task InitializeAsync()
    {
        _cluster = await EtcdCluster.StartAsync(tls: true);
        await _cluster.EnableAuthenticationAsync(Password);
        var directory = Directory.CreateTempSubdirectory("router-etcd-other-ca-");
        string address = new Uri(_cluster.ClientUrls[0]).Host;
        _otherCa = EtcdTlsFiles.Create(directory.FullName, address).CaFile;
    }

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await _cluster.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_otherCa)!, recursive: true);
    }

    [Fact]
    public async Task Start_HttpsWithCaFileAndPasswordFromTheEnvironment_Connects()
    {
        var a = Open("router-a", _cluster.Tls!.CaFile, Password);
        var b = Open("router-b", _cluster.Tls!.CaFile, Password);

        await a.UntilAsync(s => s.State == ClusterStoreState.Connected && s.Members.Count == 2 && s.Views.Count == 2, Generous, "both members");
        await b.UntilAsync(s => s.State == ClusterStoreState.Connected, Generous, "connected");
        var written = await b.Store.SetEndpointEnabledAsync(StoreHarness.Setting("contoso", "eastus", false, "router-b"), CancellationToken.None);
        Assert.True(written.Written, written.Error);
        await a.UntilAsync(s => s.Settings.Count == 1, Generous, "router-b's setting");
        Assert.NotNull(await _cluster.GetAsync(Prefix + "members/router-a"));
    }

    [Fact]
    public async Task Start_CertificateOfAnotherCa_LocalViewWithTheTlsReason()
    {
        var a = Open("router-a", _otherCa, Password);

        await a.UntilAsync(s => s.State == ClusterStoreState.LocalView, Generous, "the local view");
        Assert.Contains("TLS", a.Current.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WrongPassword_LocalViewWithTheAuthenticationReason()
    {
        var a = Open("router-a", _cluster.Tls!.CaFile, "wrong");

        await a.UntilAsync(s => s.State == ClusterStoreState.LocalView, Generous, "the local view");
        Assert.Contains("authentication failed", a.Current.Reason, StringComparison.Ordinal);
    }

    private StoreHarness Open(string id, string caFile, string password)
    {
        var store = StoreHarness.Start(
            _cluster, Prefix, id, 3,
            options => (options.CaFile, options.Username) = (caFile, "root"),
            name => name == "ROUTER_CLUSTER_PASSWORD" ? password : null);
        _stores.Add(store);
        return store;
    }
}
