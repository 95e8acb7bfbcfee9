using System.Globalization;
using Router.Testing.Etcd;
using Router.TrafficManager.Cluster;
using Router.TrafficManager.Monitoring;
using Xunit.Abstractions;

namespace Router.Cluster.Tests.Etcd;

/// <summary>
/// <see cref="Router.Cluster.Etcd.EtcdClusterStore"/> against a real 3-member etcd cluster (one per test). Waits are
/// bounded polls; where the acceptance fixes a figure (a setting reaches another instance in under 1 s, the store is
/// Connected again within 2 s of etcd answering) the test measures it and asserts it.
/// </summary>
public sealed class EtcdClusterStoreTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Prefix = "/router-test/";

    /// <summary>The bound of waits whose figure the acceptance does not fix (a busy machine, load ~40).</summary>
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    private readonly List<StoreHarness> _stores = [];
    private EtcdCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EtcdCluster.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Start_ThreeInstances_EachSeesEveryMemberAndView()
    {
        // Arrange / Act
        var stores = new[] { Open("router-a"), Open("router-b"), Open("router-c") };

        // Assert
        foreach (var store in stores)
        {
            await store.UntilAsync(s => s.State == ClusterStoreState.Connected && s.Members.Count == 3 && s.Views.Count == 3, Generous, "3 members and 3 views");
            Assert.Equal(["router-a", "router-b", "router-c"], store.Current.Members.Select(m => m.InstanceId));
            Assert.All(store.Current.Members, member => Assert.NotEqual(0, member.LeaseId));
            Assert.Equal($"{store.Id}.test:8081", store.Current.Members.Single(m => m.InstanceId == store.Id).Address);
        }

        // A new view of one reaches the others.
        stores[0].Store.Publish(StoreHarness.View("router-a", EndpointStatus.Degraded));
        foreach (var store in stores)
        {
            await store.UntilAsync(s => s.Views.TryGetValue("router-a", out var view) && view.Endpoints[0].Status == EndpointStatus.Degraded, Generous, "router-a's new view");
        }

        Assert.All(stores, store => Assert.False(store.Overlapped));
        Assert.All(stores, store => Assert.Equal(ClusterStoreState.Connected, store.Delivered[^1].State));
    }

    [Fact]
    public async Task Publish_ManyViewsAtOnce_TheNewestIsWritten()
    {
        var a = Open("router-a");
        var b = Open("router-b");
        await b.UntilAsync(s => s.Views.ContainsKey("router-a"), Generous, "router-a's view");

        for (int i = 0; i < 200; i++)
        {
            a.Store.Publish(StoreHarness.View("router-a", i % 2 == 0 ? EndpointStatus.Degraded : EndpointStatus.Online) with { Endpoints = [new EndpointView("contoso", "eastus", EndpointStatus.Online, i, true, null, null)] });
        }

        await b.UntilAsync(s => s.Views.TryGetValue("router-a", out var view) && view.Endpoints[0].ConsecutiveFailures == 199, Generous, "router-a's last view");
    }

    [Fact]
    public async Task SetEndpointEnabled_OnOneInstance_ReachesAnotherWellUnderOneSecond()
    {
        var a = Open("router-a");
        var b = Open("router-b");
        await b.UntilAsync(s => s.State == ClusterStoreState.Connected && s.Members.Count == 2, Generous, "both members");
        await a.UntilAsync(s => s.State == ClusterStoreState.Connected && s.Members.Count == 2, Generous, "both members");

        var worst = TimeSpan.Zero;
        for (int i = 0; i < 5; i++)
        {
            bool enabled = i % 2 == 1;
            long started = TimeProvider.System.GetTimestamp();
            var result = await a.Store.SetEndpointEnabledAsync(StoreHarness.Setting("contoso", "eastus", enabled, "router-a"), CancellationToken.None);
            Assert.True(result.Written, result.Error);
            await b.UntilAsync(s => s.Settings.Any(x => x.Profile == "contoso" && x.Endpoint == "eastus" && x.Enabled == enabled), TimeSpan.FromSeconds(5), "the setting");
            var elapsed = TimeProvider.System.GetElapsedTime(started);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"setting {i}: written on router-a and in router-b's snapshot after {elapsed.TotalMilliseconds:0} ms"));
            worst = elapsed > worst ? elapsed : worst;
        }

        Assert.True(worst < TimeSpan.FromSeconds(1), $"a setting took {worst.TotalMilliseconds:0} ms to reach another instance");
        Assert.Equal("router-a", b.Current.Settings.Single().ChangedBy);
    }

    [Fact]
    public async Task LeaderKilled_AfterReElection_StoresFollowAndWrite()
    {
        var a = Open("router-a");
        var b = Open("router-b");
        await a.UntilAsync(s => s.State == ClusterStoreState.Connected && s.Members.Count == 2, Generous, "both members");
        await b.UntilAsync(s => s.State == ClusterStoreState.Connected && s.Members.Count == 2, Generous, "both members");
        int leader = await _cluster.LeaderIndexAsync() ?? throw new InvalidOperationException("no leader");

        // Act
        long killed = TimeProvider.System.GetTimestamp();
        await _cluster.KillAsync(leader);
        await Assert_WriteSucceedsWithinAsync(a, StoreHarness.Setting("contoso", "westus", false, "router-a"), Generous);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"leader m{leader} killed; a write through router-a succeeded after {TimeProvider.System.GetElapsedTime(killed).TotalMilliseconds:0} ms"));

        // Assert
        await b.UntilAsync(s => s.State == ClusterStoreState.Connected && s.Settings.Any(x => x.Endpoint == "westus"), Generous, "router-a's setting");
        await a.UntilAsync(s => s.State == ClusterStoreState.Connected && s.Members.Count == 2 && s.Views.Count == 2, Generous, "both members");
        foreach (var store in new[] { a, b })
        {
            var localViews = store.Delivered.Where(s => s.State == ClusterStoreState.LocalView).ToArray();
            // Not asserted: the store rides out an election of up to RecoveryTimeout (2 s) without the local view, but a
            // busy machine may take longer to elect; what is asserted is that it follows and writes once there is a leader.
            output.WriteLine($"{store.Id}: {localViews.Length} LocalView snapshots while the leader was replaced {string.Join("; ", localViews.Select(s => s.Reason))}");
        }
    }

    [Fact]
    public async Task AllMembersStopped_LocalViewThenBack_WithinTheBounds()
    {
        var a = Open("router-a");
        var b = Open("router-b");
        await a.UntilAsync(s => s.State == ClusterStoreState.Connected && s.Members.Count == 2 && s.Views.Count == 2, Generous, "both members");
        var written = await a.Store.SetEndpointEnabledAsync(StoreHarness.Setting("contoso", "eastus", false, "router-a"), CancellationToken.None);
        Assert.True(written.Written, written.Error);
        await a.UntilAsync(s => s.Settings.Count == 1, Generous, "the setting");

        // 1. Every member stopped: the local view, with the reason; the last settings kept.
        long stopped = TimeProvider.System.GetTimestamp();
        await _cluster.StopAllAsync();
        long gone = TimeProvider.System.GetTimestamp();
        await a.UntilAsync(s => s.State == ClusterStoreState.LocalView, TimeSpan.FromSeconds(5), "the local view");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"all members stopped (SIGTERM; exited {TimeProvider.System.GetElapsedTime(stopped, gone).TotalMilliseconds:0} ms after the signal): LocalView {TimeProvider.System.GetElapsedTime(gone).TotalMilliseconds:0} ms after the last exited: {a.Current.Reason}"));
        Assert.StartsWith("etcd unreachable: ", a.Current.Reason, StringComparison.Ordinal);
        Assert.Contains("connection refused", a.Current.Reason, StringComparison.Ordinal);
        Assert.All(_cluster.Members, member => Assert.Contains(member.ClientUrl["http://".Length..], a.Current.Reason, StringComparison.Ordinal));
        Assert.Equal("eastus", Assert.Single(a.Current.Settings).Endpoint);
        Assert.Single(a.Events("ClusterUnreachable"));

        // 2. A write fails fast, with the reason, and changes nothing.
        long writing = TimeProvider.System.GetTimestamp();
        var failed = await a.Store.SetEndpointEnabledAsync(StoreHarness.Setting("contoso", "eastus", true, "router-a"), CancellationToken.None);
        var writeTook = TimeProvider.System.GetElapsedTime(writing);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"write while unreachable: failed after {writeTook.TotalMilliseconds:0} ms: {failed.Error}"));
        Assert.False(failed.Written);
        Assert.Contains("connection refused", failed.Error, StringComparison.Ordinal);
        Assert.True(writeTook < TimeSpan.FromSeconds(2), $"the failed write took {writeTook.TotalMilliseconds:0} ms");
        Assert.Equal(ClusterStoreState.LocalView, a.Current.State);
        Assert.True(Assert.Single(a.Current.Settings).Enabled is false, "the failed write changed the settings");

        // A view published while etcd is away is written once it is back.
        await b.UntilAsync(s => s.State == ClusterStoreState.LocalView, TimeSpan.FromSeconds(5), "the local view");
        b.Store.Publish(StoreHarness.View("router-b", EndpointStatus.Degraded));

        // 3. Members started again: Connected within 2 s of etcd answering, with the others' views and the settings.
        _cluster.StartAll();
        Assert.True(await _cluster.WaitHealthyAsync(EtcdCluster.StartupTimeout), "etcd did not come back\n" + _cluster.Log);
        long answering = TimeProvider.System.GetTimestamp();
        var (atA, atB) = (a.Current.State, b.Current.State);
        await Task.WhenAll(
            a.UntilAsync(s => s.State == ClusterStoreState.Connected, Generous, "Connected again"),
            b.UntilAsync(s => s.State == ClusterStoreState.Connected, Generous, "Connected again"));
        var back = TimeProvider.System.GetElapsedTime(answering);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"etcd answering again: both Connected {back.TotalMilliseconds:0} ms later (states when etcd answered: {atA}, {atB})"));
        Assert.True(back < TimeSpan.FromSeconds(2), $"Connected again only {back.TotalMilliseconds:0} ms after etcd answered");
        await a.UntilAsync(
            s => s.Members.Count == 2 && s.Views.TryGetValue("router-b", out var view) && view.Endpoints[0].Status == EndpointStatus.Degraded &&
                 s.Settings.Count == 1 && !s.Settings[0].Enabled,
            TimeSpan.FromSeconds(2), "router-b's new view and the setting");
        Assert.Single(a.Events("ClusterUnreachable"));
        Assert.Equal(2, a.Events("ClusterConnected").Count);

        var again = await a.Store.SetEndpointEnabledAsync(StoreHarness.Setting("contoso", "eastus", true, "router-a"), CancellationToken.None);
        Assert.True(again.Written, again.Error);
    }

    [Fact]
    public async Task AllMembersKilled_LocalViewAtOnce_WritesFailFast()
    {
        var a = Open("router-a");
        await a.UntilAsync(s => s.State == ClusterStoreState.Connected && s.Members.Count == 1, Generous, "registered");

        await Task.WhenAll(_cluster.Members.Select((_, i) => _cluster.KillAsync(i)));
        long killed = TimeProvider.System.GetTimestamp();
        await a.UntilAsync(s => s.State == ClusterStoreState.LocalView, TimeSpan.FromSeconds(5), "the local view");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"all members killed: LocalView {TimeProvider.System.GetElapsedTime(killed).TotalMilliseconds:0} ms later: {a.Current.Reason}"));

        // The first reason may be the connections the kill reset; the next attempt finds nothing listening.
        await a.UntilAsync(s => s.Reason?.Contains("connection refused", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(5), "connection refused");
        Assert.Single(a.Events("ClusterUnreachable"));

        long writing = TimeProvider.System.GetTimestamp();
        var failed = await a.Store.SetEndpointEnabledAsync(StoreHarness.Setting("contoso", "eastus", true, "router-a"), CancellationToken.None);
        Assert.False(failed.Written);
        Assert.True(TimeProvider.System.GetElapsedTime(writing) < TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task QuorumLost_LocalViewWithReason_ThenBackWithinTwoSeconds()
    {
        var a = Open("router-a");
        await a.UntilAsync(s => s.State == ClusterStoreState.Connected && s.Members.Count == 1, Generous, "registered");

        // 1. Two of three members gone: the one left has no leader, so this instance is cut off from the quorum.
        long lost = TimeProvider.System.GetTimestamp();
        await Task.WhenAll(_cluster.KillAsync(0), _cluster.KillAsync(1));
        long writing = TimeProvider.System.GetTimestamp();
        var failed = await a.Store.SetEndpointEnabledAsync(StoreHarness.Setting("contoso", "eastus", false, "router-a"), CancellationToken.None);
        var writeTook = TimeProvider.System.GetElapsedTime(writing);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"write without a quorum: {(failed.Written ? "written" : "failed")} after {writeTook.TotalMilliseconds:0} ms: {failed.Error}"));
        Assert.True(writeTook < TimeSpan.FromSeconds(2), $"the write took {writeTook.TotalMilliseconds:0} ms");
        await a.UntilAsync(s => s.State == ClusterStoreState.LocalView, TimeSpan.FromSeconds(15), "the local view");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"quorum lost: LocalView {TimeProvider.System.GetElapsedTime(lost).TotalMilliseconds:0} ms later: {a.Current.Reason}"));
        Assert.StartsWith("etcd unreachable: ", a.Current.Reason, StringComparison.Ordinal);

        // 2. The members back: Connected within 2 s of etcd answering.
        _cluster.Start(0);
        _cluster.Start(1);
        Assert.True(await _cluster.WaitHealthyAsync(EtcdCluster.StartupTimeout), "etcd did not come back\n" + _cluster.Log);
        long answering = TimeProvider.System.GetTimestamp();
        await a.UntilAsync(s => s.State == ClusterStoreState.Connected && s.Members.Count == 1, Generous, "Connected again");
        var back = TimeProvider.System.GetElapsedTime(answering);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"quorum back: Connected {back.TotalMilliseconds:0} ms after etcd answered"));
        Assert.True(back < TimeSpan.FromSeconds(2), $"Connected again only {back.TotalMilliseconds:0} ms after etcd answered");
    }

    [Fact]
    public async Task Abandoned_WithoutRevoking_DropsOutOfTheOthersMembersWithinTheLease()
    {
        const int LeaseSeconds = 2;
        var a = Open("router-a", LeaseSeconds);
        var b = Open("router-b", LeaseSeconds);
        await b.UntilAsync(s => s.Members.Count == 2 && s.Views.Count == 2, Generous, "both members");

        long abandoned = TimeProvider.System.GetTimestamp();
        await a.Store.AbandonAsync();
        await b.UntilAsync(s => s.Members.All(m => m.InstanceId != "router-a"), TimeSpan.FromSeconds(10), "router-a gone");
        var gone = TimeProvider.System.GetElapsedTime(abandoned);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"router-a abandoned (lease {LeaseSeconds} s): gone from router-b's members after {gone.TotalMilliseconds:0} ms"));

        // etcd checks for expired leases every 500 ms and revokes them through raft: the lease may outlive its time to
        // live by that much, more on a busy machine.
        Assert.True(gone < TimeSpan.FromSeconds(LeaseSeconds + 2), $"router-a stayed {gone.TotalMilliseconds:0} ms");
        Assert.False(b.Current.Views.ContainsKey("router-a"));
    }

    [Fact]
    public async Task Stop_RevokesTheLease_TheOthersSeeItLeaveAtOnce()
    {
        var a = Open("router-a", 30);
        var b = Open("router-b", 30);
        await b.UntilAsync(s => s.Members.Count == 2, Generous, "both members");

        long stopping = TimeProvider.System.GetTimestamp();
        await a.Store.StopAsync();
        await b.UntilAsync(s => s.Members.Count == 1 && !s.Views.ContainsKey("router-a"), TimeSpan.FromSeconds(5), "router-a gone");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"router-a stopped: gone from router-b after {TimeProvider.System.GetElapsedTime(stopping).TotalMilliseconds:0} ms"));
        Assert.Empty(await _cluster.KeysAsync(Prefix + "members/router-a"));
    }

    [Fact]
    public async Task Garbage_UnderThePrefix_IsLoggedOnceAndIgnored()
    {
        var a = Open("router-a");
        await a.UntilAsync(s => s.State == ClusterStoreState.Connected && s.Members.Count == 1 && s.Views.Count == 1, Generous, "registered");
        long lease = await _cluster.GrantLeaseAsync(60);

        // Act: garbage of every kind, then one good setting (the watch delivers in revision order).
        await _cluster.PutAsync(Prefix + "settings/contoso/eastus", "not json");
        await _cluster.PutAsync(Prefix + "settings/contoso/westus", new byte[] { 0xff, 0xfe, 0x00, 0x7b });
        await _cluster.PutAsync(Prefix + "settings/contoso/northus", """{"profile":"other","endpoint":"northus","enabled":false,"changedAt":"2026-01-01T00:00:00Z","changedBy":"x","configEnabled":null}""");
        await _cluster.PutAsync(Prefix + "settings/contoso/southus", """{"profile":"contoso","endpoint":"southus"}""");
        await _cluster.PutAsync(Prefix + "members/ghost", """{"instanceId":"ghost","leaseSeconds":3,"registeredAt":"2026-01-01T00:00:00Z","address":null}""");
        await _cluster.PutAsync(Prefix + "members/broken", "{", lease);
        await _cluster.PutAsync(Prefix + "views/phantom", $$"""{"instanceId":"phantom","publishedAt":"2026-01-01T00:00:00Z","endpoints":[]}""", lease);
        await _cluster.PutAsync(Prefix + "views/router-a-impostor", """{"instanceId":"router-a","publishedAt":"2026-01-01T00:00:00Z","endpoints":[]}""", lease);
        await _cluster.PutAsync(Prefix + "odd/key", "x");
        await _cluster.PutAsync(Prefix + "settings/too/many/parts", "x");
        await _cluster.PutAsync(Prefix + "settings/contoso/good", """{"profile":"contoso","endpoint":"good","enabled":false,"changedAt":"2026-01-01T00:00:00Z","changedBy":"router-x","configEnabled":true}""");
        await a.UntilAsync(s => s.Settings.Any(x => x.Endpoint == "good"), Generous, "the good setting");

        // Assert: only the good data, still connected, every bad key logged once.
        var snapshot = a.Current;
        Assert.Equal(ClusterStoreState.Connected, snapshot.State);
        Assert.Equal(["router-a"], snapshot.Members.Select(m => m.InstanceId));
        Assert.Equal(["router-a"], snapshot.Views.Keys);
        Assert.Equal("good", Assert.Single(snapshot.Settings).Endpoint);
        string[] bad =
        [
            "settings/contoso/eastus", "settings/contoso/westus", "settings/contoso/northus", "settings/contoso/southus", "members/ghost",
            "members/broken", "views/phantom", "views/router-a-impostor", "odd/key", "settings/too/many/parts",
        ];
        await AssertLoggedOnceAsync(a, bad);

        // More snapshots (a new view of its own, a reconnect-free re-read) log nothing again.
        a.Store.Publish(StoreHarness.View("router-a", EndpointStatus.Degraded));
        await a.UntilAsync(s => s.Views["router-a"].Endpoints[0].Status == EndpointStatus.Degraded, Generous, "the new view");
        await AssertLoggedOnceAsync(a, bad);

        // A second instance reading it all at start logs each once as well.
        var b = Open("router-b");
        await b.UntilAsync(s => s.State == ClusterStoreState.Connected && s.Settings.Count == 1 && s.Members.Count == 2, Generous, "connected");
        await AssertLoggedOnceAsync(b, bad);
    }

    [Fact]
    public async Task Start_DuplicateInstanceId_IsLoggedOnceAndNotTakenOver()
    {
        var first = Open("router-a", 30);
        await first.UntilAsync(s => s.Members.Count == 1, Generous, "registered");
        var lease = first.Current.Members[0].LeaseId;

        var second = Open("router-a", 30);
        await Router.Testing.Poll.UntilAsync(() => second.Events("DuplicateInstanceId").Count == 1, Generous, "the duplicate is logged");
        Assert.Contains("router-a", second.Events("DuplicateInstanceId")[0].Message, StringComparison.Ordinal);

        await second.UntilAsync(s => s.State == ClusterStoreState.Connected, Generous, "connected");
        Assert.Equal(lease, Assert.Single(second.Current.Members).LeaseId);
        Assert.Single(second.Events("DuplicateInstanceId"));
    }

    [Fact]
    public async Task Start_MemberKeyWrittenByHandWithoutLease_IsTakenOver()
    {
        await _cluster.PutAsync(Prefix + "members/router-a", "left over");

        var a = Open("router-a");

        await a.UntilAsync(s => s.State == ClusterStoreState.Connected && s.Members.Count == 1, Generous, "registered");
        Assert.NotEqual(0, a.Current.Members[0].LeaseId);
        Assert.Empty(a.Events("DuplicateInstanceId"));
    }

    private StoreHarness Open(string id, int leaseSeconds = 3)
    {
        var store = StoreHarness.Start(_cluster, Prefix, id, leaseSeconds);
        _stores.Add(store);
        return store;
    }

    private static async Task AssertLoggedOnceAsync(StoreHarness store, string[] keys)
    {
        await Router.Testing.Poll.UntilAsync(
            () => keys.All(key => store.Events("StoreDataIgnored").Any(e => e.Message.Contains(Prefix + key + " ", StringComparison.Ordinal))),
            Generous, "every bad key logged");
        var ignored = store.Events("StoreDataIgnored");
        foreach (string key in keys)
        {
            Assert.Single(ignored, e => e.Message.Contains(Prefix + key + " ", StringComparison.Ordinal));
        }
    }

    private static async Task Assert_WriteSucceedsWithinAsync(StoreHarness store, ManualSetting setting, TimeSpan timeout)
    {
        ClusterWriteResult? last = null;
        bool written = await Router.Testing.Poll.TryUntilAsync(
            async () => (last = await store.Store.SetEndpointEnabledAsync(setting, CancellationToken.None)).Written, timeout);
        Assert.True(written, $"no write within {timeout.TotalSeconds} s: {last?.Error}");
    }
}
