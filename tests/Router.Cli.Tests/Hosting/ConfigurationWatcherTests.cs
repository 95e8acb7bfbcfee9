using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Router.Cli.Configuration;
using Router.Cli.Hosting;
using Router.Cli.Tests.TestSupport;
using Router.Dns.Server;
using Router.Testing;
using Router.Testing.Time;

namespace Router.Cli.Tests.Hosting;

/// <summary>
/// <see cref="ConfigurationWatcher.Reload"/> against a real <see cref="DnsServer"/> on 127.0.0.1:0: what is applied,
/// what is rejected, and the events logged.
/// </summary>
public sealed class ConfigurationWatcherTests : IAsyncLifetime
{
    /// <summary>How long a file-change notification may take before the test gives up: generous, it asserts no timing.</summary>
    private static readonly TimeSpan NotificationBound = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _directory = new();
    private readonly FakeLogCollector _logs = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly ServiceProvider _services;
    private readonly List<bool> _reloaded = [];
    private string _path = string.Empty;
    private DnsServer? _server;

    public ConfigurationWatcherTests()
    {
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(_logs)).SetMinimumLevel(LogLevel.Trace));
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    }

    private DnsServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _path = _directory.Write("router.json", TestConfigs.Valid(www: "127.0.0.80"));
        var loaded = RouterConfigurationLoader.Load(_path);
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
        _server = new DnsServer(loaded.Options!.Dns!, _loggerFactory, _services.GetRequiredService<IMeterFactory>(), TimeProvider.System);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _server.StartAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await _services.DisposeAsync();
        _loggerFactory.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Reload_ValidEdit_AppliesAndLogsConfigurationReloaded()
    {
        // Arrange
        using var watcher = CreateWatcher(TimeProvider.System);
        Assert.Equal(["127.0.0.80"], await QueryWwwAsync());
        File.WriteAllText(_path, TestConfigs.Valid(www: "127.0.0.81"));

        // Act
        bool applied = watcher.Reload();

        // Assert
        Assert.True(applied);
        Assert.Equal([true], _reloaded);
        Assert.Equal(["127.0.0.81"], await QueryWwwAsync());
        var entry = Assert.Single(WatcherEvents());
        Assert.Equal("ConfigurationReloaded", entry.Id.Name);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Equal(_path, State(entry, "Path"));
    }

    [Fact]
    public async Task Reload_InvalidEdit_KeepsRunningConfigurationAndLogsEveryErrorWithItsPath()
    {
        // Arrange: two errors in one edit.
        using var watcher = CreateWatcher(TimeProvider.System);
        File.WriteAllText(_path, """
            { "Dns": { "Listen": [ "127.0.0.1:0" ], "Zones": [ { "Name": "example.test", "Ttl": "abc",
              "Records": [ { "Name": "www", "Type": "A", "Value": "300.1.2.3" } ] } ] } }
            """);

        // Act
        bool applied = watcher.Reload();

        // Assert
        Assert.False(applied);
        Assert.Equal([false], _reloaded);
        Assert.Equal(["127.0.0.80"], await QueryWwwAsync());
        var events = WatcherEvents();
        Assert.Equal(["ConfigurationRejected", "ConfigurationError", "ConfigurationError"], events.Select(e => e.Id.Name));
        Assert.All(events, e => Assert.Equal(LogLevel.Error, e.Level));
        Assert.Equal("2", State(events[0], "ErrorCount"));
        Assert.Equal(_path, State(events[0], "Path"));
        Assert.Equal("Dns:Zones:0:Ttl: 'abc' is not a whole number", State(events[1], "Error"));
        Assert.StartsWith("Dns:Zones:0:Records:0:Value: ", State(events[2], "Error"), StringComparison.Ordinal);
        Assert.DoesNotContain(_logs.GetSnapshot(), e => e.Id.Name == "ConfigurationApplied");
    }

    [Fact]
    public async Task Reload_InvalidJson_KeepsRunningConfigurationAndLogsTheParseError()
    {
        // Arrange
        using var watcher = CreateWatcher(TimeProvider.System);
        File.WriteAllText(_path, """{ "Dns": { "Listen": [ "127.0.0.1:0" """);

        // Act
        bool applied = watcher.Reload();

        // Assert
        Assert.False(applied);
        Assert.Equal(["127.0.0.80"], await QueryWwwAsync());
        var events = WatcherEvents();
        Assert.Equal(["ConfigurationRejected", "ConfigurationError"], events.Select(e => e.Id.Name));
        Assert.Equal("1", State(events[0], "ErrorCount"));
        Assert.Contains("not valid JSON", State(events[1], "Error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_ValidEditAfterRejectedOnes_IsApplied()
    {
        // Arrange
        using var watcher = CreateWatcher(TimeProvider.System);

        // 1. A bad record value is rejected.
        File.WriteAllText(_path, TestConfigs.BadRecordValue());
        Assert.False(watcher.Reload());

        // 2. Broken JSON is rejected.
        File.WriteAllText(_path, "{");
        Assert.False(watcher.Reload());
        Assert.Equal(["127.0.0.80"], await QueryWwwAsync());

        // 3. A valid edit is applied.
        File.WriteAllText(_path, TestConfigs.Valid(www: "127.0.0.82"));
        Assert.True(watcher.Reload());

        // Assert
        Assert.Equal([false, false, true], _reloaded);
        Assert.Equal(["127.0.0.82"], await QueryWwwAsync());
        Assert.Equal(
            ["ConfigurationRejected", "ConfigurationError", "ConfigurationRejected", "ConfigurationError", "ConfigurationReloaded"],
            WatcherEvents().Select(e => e.Id.Name));
    }

    [Fact]
    public void Reload_FileUnchanged_DoesNothing()
    {
        // Arrange
        using var watcher = CreateWatcher(TimeProvider.System);

        // Act
        bool applied = watcher.Reload();

        // Assert
        Assert.False(applied);
        Assert.Empty(_reloaded);
        Assert.Empty(WatcherEvents());
    }

    [Fact]
    public async Task Reload_FileDeleted_KeepsRunningConfiguration()
    {
        // Arrange
        using var watcher = CreateWatcher(TimeProvider.System);
        File.Delete(_path);

        // Act
        bool applied = watcher.Reload();

        // Assert
        Assert.False(applied);
        Assert.Equal(["127.0.0.80"], await QueryWwwAsync());
    }

    [Fact]
    public async Task StartAsync_FileEdited_AppliesOnlyOnceTheDebounceHasPassed()
    {
        // Arrange
        var clock = new StepwiseFakeTimeProvider();
        using var watcher = CreateWatcher(clock);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await watcher.StartAsync(timeout.Token);

        // 1. The edit arms the debounce timer. The file system reports it in real time: wait for that event, with a bound
        //    that only ends a hung test (how soon inotify reports is not what this test measures). The poll timer is
        //    always active; the debounce timer is the second one.
        File.WriteAllText(_path, TestConfigs.Valid(www: "127.0.0.81"));
        await Poll.UntilAsync(() => clock.ActiveTimerCount > 1, NotificationBound, "the file change notification (inotify) arming the debounce timer");

        // 2. Before the file has been quiet for 250 ms nothing is applied.
        clock.AdvanceStepwise(TimeSpan.FromMilliseconds(200));
        Assert.Empty(_reloaded);
        Assert.Equal(["127.0.0.80"], await QueryWwwAsync());

        // 3. Once it has, the edit is applied (a late duplicate notification only re-arms the timer).
        clock.AdvanceStepwise(TimeSpan.FromSeconds(1));
        Assert.Equal([true], _reloaded);
        Assert.Equal(["127.0.0.81"], await QueryWwwAsync());

        await watcher.StopAsync(timeout.Token);
    }

    [Fact]
    public async Task StartAsync_EditNotNotified_AppliedByThePoll()
    {
        // Arrange
        var clock = new StepwiseFakeTimeProvider();
        using var watcher = CreateWatcher(clock);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await watcher.StartAsync(timeout.Token);

        // Act: whether or not the file-change notification has arrived yet, one poll interval later the edit is in.
        File.WriteAllText(_path, TestConfigs.Valid(www: "127.0.0.81"));
        clock.AdvanceStepwise(ConfigurationWatcher.PollInterval);

        // Assert
        Assert.Equal([true], _reloaded);
        Assert.Equal(["127.0.0.81"], await QueryWwwAsync());
        await watcher.StopAsync(timeout.Token);
    }

    [Fact]
    public async Task Poll_RejectedEditSeenAgain_IsNotReportedTwice()
    {
        // Arrange
        var clock = new StepwiseFakeTimeProvider();
        using var watcher = CreateWatcher(clock);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await watcher.StartAsync(timeout.Token);

        // Act: a bad edit, noticed by notification and poll alike, then polled a few more times.
        File.WriteAllText(_path, TestConfigs.Valid(www: "not-an-address"));
        for (int i = 0; i < 4; i++)
        {
            clock.AdvanceStepwise(ConfigurationWatcher.PollInterval);
        }

        // Assert
        Assert.Equal([false], _reloaded);
        Assert.Equal(["127.0.0.80"], await QueryWwwAsync());
        await watcher.StopAsync(timeout.Token);
    }

    private ConfigurationWatcher CreateWatcher(TimeProvider clock)
    {
        var watcher = new ConfigurationWatcher(_path, Server, clock, _loggerFactory.CreateLogger<ConfigurationWatcher>());
        watcher.Reloaded += applied =>
        {
            lock (_reloaded)
            {
                _reloaded.Add(applied);
            }
        };
        return watcher;
    }

    private Task<IReadOnlyList<string>> QueryWwwAsync() => DnsProbe.QueryAAsync(Server.LocalEndPoints[0], TestConfigs.WwwName);

    private List<FakeLogRecord> WatcherEvents() =>
        [.. _logs.GetSnapshot().Where(e => e.Category == typeof(ConfigurationWatcher).FullName)];

    private static string? State(FakeLogRecord entry, string key) => entry.GetStructuredStateValue(key);
}
