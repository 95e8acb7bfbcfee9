using System.Buffers;
using Router.Health.Configuration;
using Router.Health.Evaluation;
using Router.Health.Monitoring;
using Router.Health.Tests.Topology;
using Router.Testing.Time;

namespace Router.Health.Tests.Monitoring;

/// <summary>
/// <see cref="VerdictJournal"/>: the version moves exactly when a registry's (status, failOpen) does, including going
/// stale and coming back from stale without a state transition; changes are answered deduplicated in topology order
/// while the ring holds them; a reload starts a journal above the old one and wakes its waiters.
/// </summary>
public sealed class VerdictJournalTests
{
    [Fact]
    public async Task Observe_StaleThenConclusiveAgainWithoutStateChange_VersionMovesBothTimes()
    {
        // Arrange: sa-1 Unhealthy at t = 10 s, then only inconclusive results.
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        harness.Check("sa-1").Fail("disk full");
        await harness.StartAsync();
        await harness.RunIntervalsAsync(2);
        var journal = harness.Monitor.Snapshot.Journal;
        long unhealthy = journal.Version;
        harness.Check("sa-1").BeInconclusive();

        // Act 1: stale at t = 75 s (60 s after the last failure, probed every 5 s).
        await harness.RunIntervalsAsync(12);
        long atLimit = journal.Version;
        await harness.RunIntervalsAsync(1);
        long stale = journal.Version;
        var staleVerdict = harness.Verdict("contoso");

        // Act 2: one more failure: fresh data again, still Unhealthy (no transition of the resource).
        harness.Check("sa-1").Fail("disk full");
        await harness.RunIntervalsAsync(1);
        long fresh = journal.Version;

        // Assert
        Assert.Equal(unhealthy, atLimit);
        Assert.True(stale > atLimit, "going stale moves the version");
        Assert.Equal((HealthState.Healthy, true), (staleVerdict.Status, staleVerdict.FailOpen));
        Assert.True(fresh > stale, "coming back from stale moves the version");
        Assert.Equal(HealthState.Unhealthy, harness.Verdict("contoso").Status);
        Assert.Equal(HealthState.Unhealthy, harness.State("sa-1").State);
        Assert.Equal(["contoso"], Changes(harness, unhealthy));
        Assert.Equal(["contoso"], Changes(harness, stale));
    }

    [Fact]
    public async Task Observe_SharedResourceChanges_EveryDependentOnceInTopologyOrder_OthersUnchanged()
    {
        // Arrange: the cache is shared; sa-2 only fabrikam's.
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        await harness.StartAsync();
        long before = harness.Monitor.Snapshot.Journal.Version;

        // Act: fabrikam down (sa-2), then both (cache).
        harness.Check("sa-2").Fail();
        await harness.RunIntervalsAsync(3);
        long fabrikamDown = harness.Monitor.Snapshot.Journal.Version;
        var first = Changes(harness, before);
        harness.Check("cache").Fail();
        await harness.RunIntervalsAsync(3);

        // Assert
        Assert.Equal(["fabrikam"], first);
        Assert.Equal(["contoso", "fabrikam"], Changes(harness, before));
        Assert.Equal(["contoso"], Changes(harness, fabrikamDown));
    }

    [Fact]
    public void ChangesSince_MoreChangesThanTheRingHolds_OlderVersionsAreNotIncremental()
    {
        // Arrange: three registries on one storage, a ring of two changes.
        var clock = new StepwiseFakeTimeProvider();
        var options = TestOptions.With(
            [TestOptions.Resource("sa-1", ResourceKind.Storage)],
            [new RegistryOptions { Name = "a", Storage = "sa-1" }, new RegistryOptions { Name = "b", Storage = "sa-1" }, new RegistryOptions { Name = "c", Storage = "sa-1" }]);
        var errors = new List<string>();
        var topology = Router.Health.Topology.HealthTopology.Build(options, clock, "Health", errors, (_, _, _) => new FakeCheck(clock))!;
        var now = clock.GetUtcNow();
        var snapshot = new HealthSnapshot(topology, [ResourceHealth.Initial(now)], options, firstVersion: 100, now);
        var journal = new VerdictJournal(snapshot, firstVersion: 100, now.UtcTicks, capacity: 2);

        // Act: sa-1 reports healthy (fail-open → healthy for all three: three changes in one version).
        snapshot.Publish(0, ResourceHealth.Initial(now) with { State = HealthState.Healthy, LastConclusiveAt = now, LastCheckedAt = now });
        journal.Observe(snapshot, 0, now.UtcTicks);
        var (version, tooOld) = journal.ChangesSince(100, out _, out _);
        var (_, current) = journal.ChangesSince(101, out _, out int count);

        // Assert
        Assert.Empty(errors);
        Assert.Equal(101, version);
        Assert.False(tooOld);
        Assert.True(current);
        Assert.Equal(0, count);
    }

    [Fact]
    public async Task Apply_NewJournalAboveTheOld_OldOneWakesItsWaitersAndStaysFrozen()
    {
        // Arrange
        await using var harness = new MonitorHarness(TestOptions.ContosoAndFabrikam());
        await harness.StartAsync();
        var old = harness.Monitor.Snapshot.Journal;
        var changed = old.Changed;
        long oldVersion = old.Version;

        // Act
        await harness.ApplyAsync(TestOptions.ContosoAndFabrikam());
        var next = harness.Monitor.Snapshot.Journal;

        // Assert
        Assert.True(changed.IsCompleted);
        Assert.True(old.Changed.IsCompleted);
        Assert.True(next.FirstVersion > oldVersion);
        Assert.Equal(oldVersion, old.Version);
        Assert.False(next.ChangesSince(oldVersion, out _, out _).Incremental);
    }

    /// <summary>The names of the registries that changed after <paramref name="since"/>, as the journal answers them.</summary>
    private static string[] Changes(MonitorHarness harness, long since)
    {
        var snapshot = harness.Monitor.Snapshot;
        var (_, incremental) = snapshot.Journal.ChangesSince(since, out int[] registries, out int count);
        Assert.True(incremental, $"version {since} answerable incrementally");
        try
        {
            return [.. registries.Take(count).Select(r => snapshot.Topology.Registries[r].Name)];
        }
        finally
        {
            if (registries.Length > 0)
            {
                ArrayPool<int>.Shared.Return(registries);
            }
        }
    }
}
