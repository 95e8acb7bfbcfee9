using Microsoft.Extensions.Logging;

namespace Router.Testing.Tests;

public sealed partial class CollectingLoggerProviderTests
{
    [Fact]
    public void Log_SourceGeneratedEvent_CollectsEventIdLevelAndState()
    {
        // Arrange
        using var provider = new CollectingLoggerProvider();
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(provider).SetMinimumLevel(LogLevel.Trace));
        var logger = factory.CreateLogger<CollectingLoggerProviderTests>();

        // Act
        Log.DependencyStateChanged(logger, "tenant-a", "Unhealthy");

        // Assert
        var entry = Assert.Single(provider.Entries);
        Assert.Equal(typeof(CollectingLoggerProviderTests).FullName, entry.Category);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal(new EventId(9001, "DependencyStateChanged"), entry.EventId);
        Assert.Equal("DependencyStateChanged", entry.EventId.Name);
        Assert.Contains(new KeyValuePair<string, object?>("TenantId", "tenant-a"), entry.State);
        Assert.Contains(new KeyValuePair<string, object?>("State", "Unhealthy"), entry.State);
        Assert.Equal("Tenant tenant-a is now Unhealthy", entry.Message);
        Assert.Null(entry.Exception);
    }

    [Fact]
    public void Log_WithException_CollectsException()
    {
        // Arrange
        using var provider = new CollectingLoggerProvider();
        var logger = provider.CreateLogger("Probe");
        var failure = new TimeoutException("probe timed out");

        // Act
        Log.ProbeFailed(logger, failure, "https://example.test/health");

        // Assert
        var entry = Assert.Single(provider.Entries);
        Assert.Equal("Probe", entry.Category);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Equal(9002, entry.EventId.Id);
        Assert.Same(failure, entry.Exception);
    }

    [Fact]
    public void Log_NonStructuredState_CollectsMessageWithEmptyState()
    {
        // Arrange
        using var provider = new CollectingLoggerProvider();
        var logger = provider.CreateLogger("Raw");

        // Act
        logger.Log(LogLevel.Debug, new EventId(7), 42, null, (state, _) => $"value {state}");

        // Assert
        var entry = Assert.Single(provider.Entries);
        Assert.Equal("value 42", entry.Message);
        Assert.Empty(entry.State);
    }

    [Theory]
    [InlineData(LogLevel.Trace)]
    [InlineData(LogLevel.Debug)]
    [InlineData(LogLevel.Information)]
    [InlineData(LogLevel.Warning)]
    [InlineData(LogLevel.Error)]
    [InlineData(LogLevel.Critical)]
    public void IsEnabled_AnyRealLevel_ReturnsTrue(LogLevel level)
    {
        // Arrange
        using var provider = new CollectingLoggerProvider();

        // Act
        var enabled = provider.CreateLogger("Any").IsEnabled(level);

        // Assert
        Assert.True(enabled);
    }

    [Fact]
    public void Entries_LoggedAfterSnapshot_SnapshotUnchangedAndClearEmpties()
    {
        // Arrange
        using var provider = new CollectingLoggerProvider();
        var logger = provider.CreateLogger("Snapshot");
        Log.DependencyStateChanged(logger, "tenant-a", "Healthy");
        var snapshot = provider.Entries;

        // Act
        Log.DependencyStateChanged(logger, "tenant-b", "Healthy");

        // Assert
        Assert.Single(snapshot);
        Assert.Equal(2, provider.Entries.Count);
        provider.Clear();
        Assert.Empty(provider.Entries);
    }

    [Fact]
    public async Task Log_FromManyThreads_CollectsEveryEntry()
    {
        // Arrange
        using var provider = new CollectingLoggerProvider();
        var logger = provider.CreateLogger("Parallel");

        // Act
        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => Task.Run(
            () => Log.DependencyStateChanged(logger, $"tenant-{i}", "Healthy"))));

        // Assert
        Assert.Equal(500, provider.Entries.Count);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9001, EventName = "DependencyStateChanged", Level = LogLevel.Warning, Message = "Tenant {TenantId} is now {State}")]
        public static partial void DependencyStateChanged(ILogger logger, string tenantId, string state);

        [LoggerMessage(EventId = 9002, EventName = "ProbeFailed", Level = LogLevel.Error, Message = "Probe of {Endpoint} failed")]
        public static partial void ProbeFailed(ILogger logger, Exception exception, string endpoint);
    }
}
