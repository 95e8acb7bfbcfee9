using Router.TrafficManager.Cluster;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Tests.Monitoring;
using Router.TrafficManager.Tests.Service;

namespace Router.TrafficManager.Tests.Cluster;

/// <summary>
/// A clustered <see cref="TrafficManagerService"/> over a <see cref="FakeClusterStore"/>: it answers by the agreed
/// status while the store can be reached and by its own view otherwise, takes manual settings from the store (and keeps
/// them on disk), refuses a manual setting the store cannot take, and publishes its view only when it changes.
/// </summary>
public sealed class TrafficManagerServiceClusterTests : IAsyncLifetime
{
    private const string Self = "router-1";
    private readonly ServiceHarness _harness = new();
    private FakeClusterStore _store = null!;

    public Task InitializeAsync()
    {
        _store = new FakeClusterStore(Self, _harness.Clock.GetUtcNow());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private static Dictionary<string, Dictionary<string, EndpointStatus>> Others(EndpointStatus router2, EndpointStatus router3) => new()
    {
        ["router-2"] = new() { ["app/primary"] = router2, ["app/secondary"] = EndpointStatus.Online },
        ["router-3"] = new() { ["app/primary"] = router3, ["app/secondary"] = EndpointStatus.Online },
    };

    private TrafficManagerService Started(QuorumRule quorum = QuorumRule.Majority, string? stateFile = null) =>
        _harness.Started(stateFile: stateFile, cluster: _store, quorum: quorum);

    [Fact]
    public void Majority_OneInstanceSeesItDegraded_NobodyMovesAndItsViewIsShown()
    {
        var service = Started();
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Degraded)));

        Assert.Equal(ServiceHarness.Primary, ServiceHarness.Address(service, "app"));
        var primary = ServiceHarness.Endpoint(service, "app", "primary");
        Assert.Equal(EndpointStatus.Online, primary.Status);
        Assert.Equal(EndpointStatus.Online, primary.OwnStatus);
        Assert.NotNull(primary.Views);
        Assert.Equal(["router-1 Online", "router-2 Online", "router-3 Degraded"], primary.Views.Select(v => $"{v.Instance} {v.Status}"));
    }

    [Fact]
    public void Majority_TwoOfThreeSeeItDegraded_TheAnswerMovesThoughThisInstanceSeesItOnline()
    {
        var service = Started();
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Degraded, EndpointStatus.Degraded)));

        Assert.Equal(ServiceHarness.Secondary, ServiceHarness.Address(service, "app"));
        var primary = ServiceHarness.Endpoint(service, "app", "primary");
        Assert.Equal(EndpointStatus.Degraded, primary.Status);
        Assert.Equal(EndpointStatus.Online, primary.OwnStatus);
        Assert.Contains(_harness.Events(TrafficManagerEventIds.AnswerChanged), e => e.Message.Contains("cluster", StringComparison.Ordinal));
    }

    [Fact]
    public void Any_OneInstanceSeesItDegraded_TheAnswerMoves()
    {
        var service = Started(QuorumRule.Any);
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Degraded)));

        Assert.Equal(ServiceHarness.Secondary, ServiceHarness.Address(service, "app"));
    }

    [Fact]
    public void OwnFailure_OthersSeeItOnline_StaysUntilAMajoritySeesItDegraded()
    {
        var service = Started();
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Online)));
        _harness.Prober.Set(ServiceHarness.Primary, FakeBehaviour.Fail);
        _harness.Advance(ServiceHarness.Interval);
        _harness.Advance(ServiceHarness.Interval);
        Assert.Equal(EndpointStatus.Degraded, ServiceHarness.Endpoint(service, "app", "primary").OwnStatus);
        Assert.Equal(ServiceHarness.Primary, ServiceHarness.Address(service, "app"));

        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Degraded, EndpointStatus.Online)));

        Assert.Equal(ServiceHarness.Secondary, ServiceHarness.Address(service, "app"));
    }

    [Fact]
    public void LocalView_TheOthersViewsNoLongerCount_OwnViewDecides()
    {
        var service = Started();
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Degraded, EndpointStatus.Degraded)));
        Assert.Equal(ServiceHarness.Secondary, ServiceHarness.Address(service, "app"));

        _store.Push(_store.LocalView(_harness.Clock.GetUtcNow(), "etcd unreachable: connection refused"));

        Assert.Equal(ServiceHarness.Primary, ServiceHarness.Address(service, "app"));
        var cluster = service.GetCluster();
        Assert.NotNull(cluster);
        Assert.Equal(ClusterStoreState.LocalView, cluster.State);
        Assert.Equal("etcd unreachable: connection refused", cluster.Reason);
        Assert.Equal(["router-1 Online"], ServiceHarness.Endpoint(service, "app", "primary").Views!.Select(v => $"{v.Instance} {v.Status}"));
    }

    [Fact]
    public void StartingBeforeTheFirstContact_OwnViewDecides()
    {
        var service = Started();

        Assert.Equal(ServiceHarness.Primary, ServiceHarness.Address(service, "app"));
        Assert.Equal(ClusterStoreState.Starting, service.GetCluster()!.State);
    }

    [Fact]
    public async Task Put_Connected_WrittenToTheStoreAndAppliedFromIt()
    {
        var service = Started();
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Online)));

        var result = await service.SetEndpointEnabledAsync("APP", "Primary", false, CancellationToken.None);

        Assert.Equal(EndpointSwitchOutcome.Switched, result.Outcome);
        var written = Assert.Single(_store.Written);
        Assert.Equal(("app", "primary", false, Self, (bool?)true), (written.Profile, written.Endpoint, written.Enabled, written.ChangedBy, written.ConfigEnabled));
        Assert.Equal(ServiceHarness.Secondary, ServiceHarness.Address(service, "app"));
        Assert.False(ServiceHarness.Endpoint(service, "app", "primary").EnabledOverride);
    }

    [Fact]
    public async Task PutMaintenance_Connected_WrittenToTheStoreWithTheReasonAndAppliedFromIt()
    {
        var service = Started();
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Online)));

        var result = await service.SetEndpointAsync("app", "primary", new EndpointChange(null, true, "upgrade"), CancellationToken.None);

        Assert.Equal(EndpointSwitchOutcome.Switched, result.Outcome);
        var written = Assert.Single(_store.Written);
        Assert.Equal(("primary", true, true, "upgrade"), (written.Endpoint, written.Enabled, written.Maintenance, written.Reason));
        Assert.Equal(ServiceHarness.Secondary, ServiceHarness.Address(service, "app"));
        Assert.Equal(EndpointStatus.Maintenance, ServiceHarness.Endpoint(service, "app", "primary").Status);
    }

    [Fact]
    public async Task Put_LocalView_UnavailableWithTheReasonAndNothingChanges()
    {
        var service = Started();
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Online)));
        _store.Push(_store.LocalView(_harness.Clock.GetUtcNow(), "etcd unreachable: connection refused"));

        var result = await service.SetEndpointEnabledAsync("app", "primary", false, CancellationToken.None);

        Assert.Equal(EndpointSwitchOutcome.Unavailable, result.Outcome);
        Assert.Contains("etcd unreachable: connection refused", result.Error, StringComparison.Ordinal);
        Assert.Empty(_store.Written);
        Assert.Equal(ServiceHarness.Primary, ServiceHarness.Address(service, "app"));
        Assert.Null(ServiceHarness.Endpoint(service, "app", "primary").EnabledOverride);
        Assert.False(File.Exists(_harness.StateFile) && File.ReadAllText(_harness.StateFile).Contains("primary", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Put_TheStoreRefuses_UnavailableAndNothingChanges()
    {
        var service = Started();
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Online)));
        _store.WriteError = "etcd: no leader";

        var result = await service.SetEndpointEnabledAsync("app", "primary", false, CancellationToken.None);

        Assert.Equal((EndpointSwitchOutcome.Unavailable, "etcd: no leader"), (result.Outcome, result.Error));
        Assert.Equal(ServiceHarness.Primary, ServiceHarness.Address(service, "app"));
    }

    [Fact]
    public async Task Put_UnknownEndpoint_NotFoundWithoutAskingTheStore()
    {
        var service = Started();
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Online)));

        var result = await service.SetEndpointEnabledAsync("app", "nowhere", false, CancellationToken.None);

        Assert.Equal(EndpointSwitchOutcome.NotFound, result.Outcome);
        Assert.Empty(_store.Written);
    }

    [Fact]
    public void SettingFromAnotherInstance_AppliedKeptOnDisk_AndARestartWhileTheStoreIsDownStillHasIt()
    {
        var service = Started();
        var disable = new ManualSetting("app", "primary", false, _harness.Clock.GetUtcNow(), "router-2", true);
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Online), [disable]));
        Assert.Equal(ServiceHarness.Secondary, ServiceHarness.Address(service, "app"));
        Assert.Contains(_harness.Events(TrafficManagerEventIds.AnswerChanged), e => e.Message.Contains("primary manually disabled on router-2", StringComparison.Ordinal));

        // The store goes away: the setting stays; a new process (a restart) that never reaches the store has it from disk.
        _store.Push(_store.LocalView(_harness.Clock.GetUtcNow(), "etcd unreachable"));
        Assert.Equal(ServiceHarness.Secondary, ServiceHarness.Address(service, "app"));
        var restarted = _harness.Started(cluster: new FakeClusterStore(Self, _harness.Clock.GetUtcNow()), stateFile: _harness.StateFile);
        Assert.Equal(ServiceHarness.Secondary, ServiceHarness.Address(restarted, "app"));
        Assert.False(ServiceHarness.Endpoint(restarted, "app", "primary").Enabled);
    }

    [Fact]
    public void SettingRemovedFromTheStore_TheConfigurationDecidesAgain()
    {
        var service = Started();
        var disable = new ManualSetting("app", "primary", false, _harness.Clock.GetUtcNow(), "router-2", true);
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Online), [disable]));
        Assert.Equal(ServiceHarness.Secondary, ServiceHarness.Address(service, "app"));

        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Online), []));

        Assert.Equal(ServiceHarness.Primary, ServiceHarness.Address(service, "app"));
        Assert.Null(ServiceHarness.Endpoint(service, "app", "primary").EnabledOverride);
    }

    [Fact]
    public void SettingForAnUnknownEndpoint_IgnoredAndLoggedOnce()
    {
        var service = Started();
        var bogus = new ManualSetting("app", "ghost", false, _harness.Clock.GetUtcNow(), "router-2", true);
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Online), [bogus]));
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Online), [bogus]));

        Assert.Equal(ServiceHarness.Primary, ServiceHarness.Address(service, "app"));
        var ignored = Assert.Single(_harness.Events(TrafficManagerEventIds.ClusterSettingIgnored));
        Assert.Contains("app/ghost", ignored.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SettingMadeUnderAnotherConfigurationFlag_Ignored()
    {
        var service = Started();
        // Made when primary was disabled in the file; the file now enables it: the newer instruction wins.
        var stale = new ManualSetting("app", "primary", false, _harness.Clock.GetUtcNow(), "router-2", ConfigEnabled: false);
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Online), [stale]));

        Assert.Equal(ServiceHarness.Primary, ServiceHarness.Address(service, "app"));
        Assert.Single(_harness.Events(TrafficManagerEventIds.ClusterSettingIgnored));
    }

    [Fact]
    public void ReloadChangesTheFlagTwice_TheSettingIsDeletedFromTheStoreAndDoesNotComeBack()
    {
        var service = Started();
        var disable = new ManualSetting("app", "primary", false, _harness.Clock.GetUtcNow(), "router-2", true);
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Online), [disable]));
        Assert.Equal(ServiceHarness.Secondary, ServiceHarness.Address(service, "app"));

        // The file disables primary: the newer instruction; the setting is deleted from the store for every instance.
        var edited = ServiceHarness.Options();
        edited.Profiles[0].Endpoints[0].Enabled = false;
        ServiceHarness.Apply(service, edited);
        Assert.Equal(disable, Assert.Single(_store.Removed));
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Online), []));

        // And back: the old manual setting is gone, primary answers again.
        ServiceHarness.Apply(service, ServiceHarness.Options());
        _harness.Advance(ServiceHarness.Interval);
        Assert.Equal(ServiceHarness.Primary, ServiceHarness.Address(service, "app"));
        Assert.Null(ServiceHarness.Endpoint(service, "app", "primary").EnabledOverride);
    }

    [Fact]
    public void DuplicateInstanceId_NotRegistered_OwnViewAndPutRefused()
    {
        var service = Started();
        // Connected, but the members list holds router-2 and router-3 only: another live instance holds "router-1".
        var snapshot = _store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Degraded, EndpointStatus.Degraded));
        _store.Push(snapshot with { Members = [.. snapshot.Members.Where(m => m.InstanceId != Self)] });

        Assert.Equal(ServiceHarness.Primary, ServiceHarness.Address(service, "app"));
        var result = service.SetEndpointEnabled("app", "primary", false);
        Assert.Equal(EndpointSwitchOutcome.Unavailable, result.Outcome);
        Assert.Contains("another live instance holds the id 'router-1'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void View_PublishedOnChangeOnly()
    {
        Started();
        int afterFirstProbes = _store.Published.Count;
        Assert.Contains(_store.Published[^1].Endpoints, e => e is { Profile: "app", Endpoint: "primary", Status: EndpointStatus.Online });

        for (int i = 0; i < 5; i++)
        {
            _harness.Advance(ServiceHarness.Interval);
        }

        Assert.Equal(afterFirstProbes, _store.Published.Count);

        _harness.Prober.Set(ServiceHarness.Primary, FakeBehaviour.Fail);
        _harness.Advance(ServiceHarness.Interval);

        var last = _store.Published[^1];
        Assert.Equal(Self, last.InstanceId);
        var primary = Assert.Single(last.Endpoints, e => e.Endpoint == "primary");
        Assert.Equal((EndpointStatus.Online, 1, (bool?)false), (primary.Status, primary.ConsecutiveFailures, primary.LastProbeSucceeded));
    }

    [Fact]
    public async Task Stop_LeavesTheCluster()
    {
        var service = Started();

        await service.StopAsync();

        Assert.True(_store.Stopped);
    }

    [Fact]
    public void GetCluster_InstancesQuorumAndState()
    {
        var service = Started(QuorumRule.All);
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Online)));

        var cluster = service.GetCluster();

        Assert.NotNull(cluster);
        Assert.Equal((Self, QuorumRule.All, ClusterStoreState.Connected), (cluster.InstanceId, cluster.Quorum, cluster.State));
        Assert.Equal(["router-1", "router-2", "router-3"], cluster.Instances.Select(i => i.InstanceId));
    }

    [Fact]
    public void Gauges_AgreeingAndLiveInstances()
    {
        using var agreeing = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<int>(_harness.MeterFactory, "Router.TrafficManager", ClusterMetrics.AgreeingGauge);
        using var instances = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<int>(_harness.MeterFactory, "Router.TrafficManager", ClusterMetrics.InstancesGauge);
        Started();
        _store.Push(_store.Connected(_harness.Clock.GetUtcNow(), Others(EndpointStatus.Online, EndpointStatus.Online)));

        agreeing.RecordObservableInstruments();
        instances.RecordObservableInstruments();
        Assert.Equal((1, 3), (agreeing.LastMeasurement!.Value, instances.LastMeasurement!.Value));

        _store.Push(_store.LocalView(_harness.Clock.GetUtcNow(), "etcd unreachable"));
        agreeing.RecordObservableInstruments();
        Assert.Equal(0, agreeing.LastMeasurement!.Value);
    }

    [Fact]
    public void WithoutACluster_NoClusterReportAndNoViews()
    {
        var service = _harness.Started();

        Assert.Null(service.GetCluster());
        Assert.Null(ServiceHarness.Endpoint(service, "app", "primary").Views);
        Assert.Null(ServiceHarness.Endpoint(service, "app", "primary").OwnStatus);
    }
}
