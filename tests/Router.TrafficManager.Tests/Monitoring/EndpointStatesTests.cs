using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Monitoring;

/// <summary><see cref="EndpointStates"/>: an immutable, versioned snapshot of every endpoint's monitor state.</summary>
public sealed class EndpointStatesTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void With_NewEndpoint_NewSnapshotOneVersionLaterAndOriginalUnchanged()
    {
        // Arrange
        var before = EndpointStates.Empty;
        var state = EndpointMonitorState.Initial(enabled: true, Now);

        // Act
        var after = before.With("contoso", "eastus", state);

        // Assert
        Assert.Equal(0, before.Version);
        Assert.Empty(before);
        Assert.False(before.TryGet("contoso", "eastus", out _));
        Assert.Equal(1, after.Version);
        Assert.True(after.TryGet("contoso", "eastus", out var read));
        Assert.Equal(state, read);
        Assert.Equal([new EndpointStateEntry("contoso", "eastus", state)], after);
    }

    [Fact]
    public void TryGet_OtherCase_FindsTheEndpoint()
    {
        var states = EndpointStates.Empty.With("Contoso", "EastUS", EndpointMonitorState.Initial(true, Now));

        Assert.True(states.TryGet("contoso", "eastus", out var state));
        Assert.Equal(EndpointStatus.CheckingEndpoint, state.Status);
    }

    [Fact]
    public void With_SameEndpointOtherCase_ReplacesStateAndKeepsNewNames()
    {
        // Arrange
        var first = EndpointStates.Empty.With("contoso", "eastus", EndpointMonitorState.Initial(true, Now));
        var degraded = new EndpointMonitorState(EndpointStatus.Degraded, 4, 0, null, Now);

        // Act
        var second = first.With("Contoso", "EastUS", degraded);

        // Assert
        var entry = Assert.Single(second);
        Assert.Equal(new EndpointStateEntry("Contoso", "EastUS", degraded), entry);
        Assert.Equal(2, second.Version);
    }

    [Fact]
    public void Without_Endpoint_GoneInNewSnapshotOnly()
    {
        // Arrange
        var states = EndpointStates.Empty
            .With("contoso", "eastus", EndpointMonitorState.Initial(true, Now))
            .With("contoso", "westeurope", EndpointMonitorState.Initial(false, Now));

        // Act
        var after = states.Without("contoso", "EASTUS");

        // Assert
        Assert.Equal(2, states.Count);
        Assert.Equal(["westeurope"], after.Select(e => e.Endpoint));
        Assert.Equal(3, after.Version);
    }

    [Fact]
    public void Newest_EitherOrder_HigherVersionWins()
    {
        // Arrange
        var older = EndpointStates.Empty.With("contoso", "eastus", EndpointMonitorState.Initial(true, Now));
        var newer = older.With("contoso", "westeurope", EndpointMonitorState.Initial(true, Now));

        // Act / Assert
        Assert.Same(newer, EndpointStates.Newest(older, newer));
        Assert.Same(newer, EndpointStates.Newest(newer, older));
        Assert.Same(older, EndpointStates.Newest(older, older));
    }

    [Fact]
    public void ManyChangesAcrossChunks_EverySnapshotAgreesWithAModelAndOlderOnesStayAsTheyWere()
    {
        // Arrange: a model (a plain dictionary) beside the snapshots, through adds, replacements and removals that cross
        // chunk boundaries (EndpointStates.ChunkSize slots per chunk).
        var random = new Random(7);
        var model = new Dictionary<string, EndpointMonitorState>(StringComparer.OrdinalIgnoreCase);
        var states = EndpointStates.Empty;
        var history = new List<(EndpointStates States, Dictionary<string, EndpointMonitorState> Model)>();
        int size = EndpointStates.ChunkSize * 3 + 5;

        // Act
        for (int step = 0; step < 60; step++)
        {
            var set = new List<EndpointStateEntry>();
            for (int i = 0, n = random.Next(1, size); i < n; i++)
            {
                string name = $"e{random.Next(size)}";
                var state = new EndpointMonitorState(EndpointStatus.Online, 0, step, null, Now.AddSeconds(step));
                set.Add(new EndpointStateEntry("p", step % 2 == 0 ? name : name.ToUpperInvariant(), state));
                model[name] = state;
            }

            var removed = new List<EndpointKey>();
            for (int i = 0, n = step % 5 == 0 ? random.Next(size / 4) : 0; i < n; i++)
            {
                string name = $"e{random.Next(size)}";
                if (!set.Any(e => string.Equals(e.Endpoint, name, StringComparison.OrdinalIgnoreCase)))
                {
                    removed.Add(new EndpointKey("p", name));
                    model.Remove(name);
                }
            }

            var next = step % 7 == 3 && set.Count == 1 && removed.Count == 0
                ? states.With("p", set[0].Endpoint, set[0].State)
                : states.WithMany(set, removed);
            Assert.Equal(states.Version + 1, next.Version);
            states = next;
            history.Add((states, new Dictionary<string, EndpointMonitorState>(model, StringComparer.OrdinalIgnoreCase)));
        }

        // Assert: each snapshot still holds exactly what the model held at its step.
        foreach (var (snapshot, expected) in history)
        {
            Assert.Equal(expected.Count, snapshot.Count);
            Assert.Equal(expected.Count, snapshot.Count());
            foreach (var (name, state) in expected)
            {
                Assert.True(snapshot.TryGet("P", name, out var read), name);
                Assert.Equal(state, read);
            }

            Assert.Equal(expected.Keys.Order(StringComparer.OrdinalIgnoreCase), snapshot.Select(e => e.Endpoint).Order(StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Builder_SetAfterToStates_ThrowsAndTheSnapshotBuiltStaysAsItWas()
    {
        // Arrange
        var builder = EndpointStates.Empty.ToBuilder();
        builder.Set(new EndpointStateEntry("contoso", "eastus", EndpointMonitorState.Initial(true, Now)));
        var built = builder.ToStates();

        // Act / Assert: the snapshot owns the builder's arrays now
        Assert.Throws<InvalidOperationException>(() => builder.Set(new EndpointStateEntry("contoso", "westeurope", EndpointMonitorState.Initial(true, Now))));
        Assert.Single(built);
        Assert.False(built.TryGet("contoso", "westeurope", out _));
    }

    [Fact]
    public void Builder_SetAtASlot_ChangesThatEndpointOnlyKeepsItsNamesAndTheOriginal()
    {
        // Arrange: 300 endpoints (three chunks), the slot of one in the middle
        var builder = EndpointStates.Empty.ToBuilder();
        for (int i = 0; i < 300; i++)
        {
            builder.Set(new EndpointStateEntry($"r{i}", "EastUS", EndpointMonitorState.Initial(true, Now)));
        }

        var before = builder.ToStates();
        Assert.True(before.TryGetSlot("R150", "eastus", out int slot));
        var degraded = new EndpointMonitorState(EndpointStatus.Degraded, 4, 0, null, Now);

        // Act
        var next = before.ToBuilder();
        next.SetAt(slot, degraded);
        var after = next.ToStates();

        // Assert: the slot holds that endpoint in both snapshots; only it changed, under its own names
        Assert.True(after.TryGetSlot("r150", "EASTUS", out int again));
        Assert.Equal(slot, again);
        Assert.Equal(degraded, after.StateAt(slot));
        Assert.Equal(EndpointStatus.CheckingEndpoint, before.StateAt(slot).Status);
        Assert.Contains(new EndpointStateEntry("r150", "EastUS", degraded), after);
        Assert.Equal(299, after.Count(e => e.State.Status == EndpointStatus.CheckingEndpoint));
        Assert.False(after.TryGetSlot("r300", "eastus", out _));
        Assert.Throws<InvalidOperationException>(() => next.SetAt(slot, degraded));
    }
}
