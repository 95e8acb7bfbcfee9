using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Router.Cli.Configuration;
using Router.Cli.Hosting;
using Router.Cli.Tests.Configuration;
using Router.Cli.Tests.TestSupport;
using Router.Health.Monitoring;
using Router.Testing.Time;

namespace Router.Cli.Tests.Hosting;

/// <summary>
/// A <c>Health:RegistriesFile</c> is watched with the configuration: an edit of it alone reloads a real
/// <see cref="HealthMonitor"/> (not started: no probe runs), and a bad one leaves the running topology in force.
/// </summary>
public sealed class ConfigurationWatcherRegistriesFileTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<bool> _reloaded = [];
    private string _path = string.Empty;
    private string _registries = string.Empty;
    private HealthMonitor? _monitor;

    private HealthMonitor Monitor => _monitor ?? throw new InvalidOperationException("not created");

    public Task InitializeAsync()
    {
        // The registries file lives in a directory of its own: only the poll (or Reload) can see its edits.
        Directory.CreateDirectory(Path.Combine(_directory.Path, "data"));
        _registries = _directory.Write(Path.Combine("data", "registries.jsonl"), """{"Name":"fabrikam","Storage":"sa-1"}""" + "\n");
        _path = _directory.Write("router.json", RegistriesFileConfigurationTests.Config("data/registries.jsonl"));
        var loaded = RouterConfigurationLoader.Load(_path);
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
        _monitor = new HealthMonitor(loaded.Options!.Health!, NullLoggerFactory.Instance, _services.GetRequiredService<IMeterFactory>(), TimeProvider.System);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_monitor is not null)
        {
            await _monitor.DisposeAsync();
        }

        await _services.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public void Reload_RegistriesFileEdited_AppliesTheNewRegistries()
    {
        // Arrange
        using var watcher = CreateWatcher(TimeProvider.System);
        File.AppendAllText(_registries, """{"Name":"northwind","Storage":"sa-1","Cache":"cache"}""" + "\n");

        // Act
        bool applied = watcher.Reload();

        // Assert
        Assert.True(applied);
        Assert.Equal(["contoso", "fabrikam", "northwind"], Names());
    }

    [Fact]
    public void Reload_BadRegistriesFile_RejectedAndTheRunningTopologyStays()
    {
        // Arrange
        using var watcher = CreateWatcher(TimeProvider.System);
        File.AppendAllText(_registries, """{"Name":"northwind","Cache":"nope"}""" + "\n");

        // Act
        bool applied = watcher.Reload();
        bool again = watcher.Reload();

        // Assert: rejected once (the same content is not evaluated twice), the topology as it was.
        Assert.False(applied);
        Assert.False(again);
        Assert.Equal([false], _reloaded);
        Assert.Equal(["contoso", "fabrikam"], Names());
    }

    [Fact]
    public void Reload_RegistriesFileDeleted_RejectedAndTheRunningTopologyStays()
    {
        // Arrange
        using var watcher = CreateWatcher(TimeProvider.System);
        File.Delete(_registries);

        // Act
        bool applied = watcher.Reload();

        // Assert
        Assert.False(applied);
        Assert.Equal([false], _reloaded);
        Assert.Equal(["contoso", "fabrikam"], Names());
    }

    [Fact]
    public void Reload_ConfigurationNamesAnotherRegistriesFile_FollowsIt()
    {
        // Arrange: the edit points at a new file; then only that new file is edited.
        using var watcher = CreateWatcher(TimeProvider.System);
        string other = _directory.Write("other.jsonl", """{"Name":"tailwind","Storage":"sa-1"}""" + "\n");
        File.WriteAllText(_path, RegistriesFileConfigurationTests.Config("other.jsonl"));

        // Act
        bool first = watcher.Reload();
        File.AppendAllText(other, """{"Name":"wingtip","Storage":"sa-1"}""" + "\n");
        bool second = watcher.Reload();

        // Assert
        Assert.Equal((true, true), (first, second));
        Assert.Equal(["contoso", "tailwind", "wingtip"], Names());
    }

    [Fact]
    public async Task Poll_RegistriesFileEditedElsewhere_ReloadedWithinOnePollInterval()
    {
        // Arrange
        var clock = new StepwiseFakeTimeProvider();
        using var watcher = CreateWatcher(clock);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await watcher.StartAsync(timeout.Token);

        // Act: a longer file (its size changes, whatever the file system's timestamp resolution).
        File.AppendAllText(_registries, """{"Name":"northwind","Storage":"sa-1"}""" + "\n");
        clock.AdvanceStepwise(ConfigurationWatcher.PollInterval);

        // Assert
        Assert.Equal([true], _reloaded);
        Assert.Equal(["contoso", "fabrikam", "northwind"], Names());
        await watcher.StopAsync(timeout.Token);
    }

    private string[] Names() => [.. Monitor.Snapshot.Topology.Registries.Select(r => r.Name)];

    private ConfigurationWatcher CreateWatcher(TimeProvider clock)
    {
        var loaded = RouterConfigurationLoader.Load(_path);
        var watcher = new ConfigurationWatcher(_path, null, clock, NullLogger<ConfigurationWatcher>.Instance, Monitor,
            registriesFile: loaded.Options!.Health!.RegistriesFile);
        watcher.Reloaded += applied =>
        {
            lock (_reloaded)
            {
                _reloaded.Add(applied);
            }
        };
        return watcher;
    }
}
