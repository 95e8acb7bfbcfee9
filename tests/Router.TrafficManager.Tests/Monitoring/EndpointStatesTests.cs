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
}
