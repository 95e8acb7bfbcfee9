using System.Diagnostics;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Router.Cli.Configuration;
using Router.Cluster.Configuration;
using Router.Dns.Server;
using Router.Health.Monitoring;
using Router.TrafficManager;
using Router.TrafficManager.Configuration;

namespace Router.Cli.Hosting;

/// <summary>
/// Watches the configuration file, and the <c>Health:RegistriesFile</c> it names, and applies edits while running. Each change is read afresh and validated as a
/// whole; an edit with any error is rejected, every error logged with its key path, and the running configuration
/// stays in force.
/// </summary>
internal sealed partial class ConfigurationWatcher : IHostedService, IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How often the file is also read and compared: file-change notifications miss some edits (a ConfigMap's
    /// symlink swap, file systems without inotify), so polling backs them up.
    /// </summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private readonly string _path;
    private readonly DnsServer? _server;
    private readonly HealthMonitor? _monitor;
    private readonly TrafficManagerService? _trafficManager;
    private readonly AdminOptions? _admin;
    private readonly string _telemetry;
    private readonly string _cluster;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ConfigurationWatcher> _logger;
    private readonly PhysicalFileProvider _files;
    private readonly Lock _lock = new();
    private IDisposable? _subscription;
    private IDisposable? _registriesSubscription;
    private readonly Lock _reloadLock = new();
    private ITimer? _pending_NeedsLock;
    private ITimer? _poll;
    // Contents are remembered by their SHA-256, not kept: a configuration can be a hundred megabytes.
    private string? _lastContent;
    private string? _lastSeen;
    private FileStamp _lastStat;
    // The registries file the configuration names (absolute), watched with it: an edit of either is a new content.
    private string? _registriesFile;

    // registriesFile: the running configuration's Health:RegistriesFile, resolved (null: none).
    public ConfigurationWatcher(string path, DnsServer? server, TimeProvider timeProvider, ILogger<ConfigurationWatcher> logger,
        HealthMonitor? monitor = null, TrafficManagerService? trafficManager = null, AdminOptions? admin = null, TelemetryOptions? telemetry = null,
        ClusterOptions? cluster = null, string? registriesFile = null)
    {
        _registriesFile = string.IsNullOrWhiteSpace(registriesFile) ? null : Path.GetFullPath(registriesFile);
        _admin = admin;
        _telemetry = Describe(telemetry);
        _cluster = Describe(cluster);
        _monitor = monitor;
        _trafficManager = trafficManager;
        _path = Path.GetFullPath(path);
        _server = server;
        _timeProvider = timeProvider;
        _logger = logger;
        _files = new PhysicalFileProvider(Path.GetDirectoryName(_path)!);
        _lastContent = TryRead();
        _lastSeen = _lastContent;
        _lastStat = Stat();
    }

    /// <summary>Raised after a reload attempt with whether it was applied (tests wait on it).</summary>
    public event Action<bool>? Reloaded;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = ChangeToken.OnChange(() => _files.Watch(Path.GetFileName(_path)), OnChanged);
        // A registries file beside the configuration is watched too; elsewhere (or renamed by an edit) the poll finds it.
        if (_registriesFile is { } registries && Path.GetDirectoryName(registries) == Path.GetDirectoryName(_path))
        {
            _registriesSubscription = ChangeToken.OnChange(() => _files.Watch(Path.GetFileName(registries)), OnChanged);
        }
        _poll = _timeProvider.CreateTimer(_ => Poll(), null, PollInterval, PollInterval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        _registriesSubscription?.Dispose();
        _poll?.Dispose();
        return Task.CompletedTask;
    }

    private void Poll()
    {
        // Only content not seen before (applied or rejected) counts, so a rejected edit is logged once.
        // Read (and hash) the file only when its size or modification time changed since the last look.
        var stat = Stat();
        if (stat == _lastStat)
        {
            return;
        }

        _lastStat = stat;
        string? content = TryRead();
        if (content is not null && content != Volatile.Read(ref _lastSeen))
        {
            Reload();
        }
    }

    private void OnChanged()
    {
        // Editors write in several steps; wait until the file has been quiet for a moment.
        lock (_lock)
        {
            _pending_NeedsLock?.Dispose();
            _pending_NeedsLock = _timeProvider.CreateTimer(_ => Reload(), null, Debounce, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Reads, validates and applies the file now.</summary>
    public bool Reload()
    {
        lock (_reloadLock)
        {
            return Reload_NeedsLock();
        }
    }

    private bool Reload_NeedsLock()
    {
        Activity? activity = null;
        try
        {
            // Content already seen (applied or rejected) is not evaluated again, so a rejected edit is logged once
            // whether the notification or the poll notices it first; putting back the running content ends there.
            string? content = TryRead();
            if (content is null || content == _lastSeen)
            {
                return false;
            }

            Volatile.Write(ref _lastSeen, content);
            if (content == _lastContent)
            {
                return false;
            }

            // A span per edit read (never per poll): reading, validating and applying the new content.
            activity = CliTelemetryNames.Source.StartActivity(CliTelemetryNames.ReloadActivity);
            activity?.SetTag(CliTelemetryNames.ConfigPathTag, _path);
            var loaded = RouterConfigurationLoader.Load(_path);
            if (FollowRegistriesFile(loaded) is { } renamed)
            {
                // The edit names another registries file: what was read is the configuration with that file.
                content = renamed;
                Volatile.Write(ref _lastSeen, content);
            }

            if (!loaded.IsValid)
            {
                Finish(activity, CliTelemetryNames.Rejected, loaded.Errors.Count, $"{loaded.Errors.Count} error(s); the running configuration stays in force");
                Log.ReloadRejected(_logger, _path, loaded.Errors.Count);
                foreach (string error in loaded.Errors)
                {
                    Log.ConfigurationError(_logger, error);
                }

                Reloaded?.Invoke(false);
                return false;
            }

            // A role added or removed by the edit needs a restart; the roles that run take their new settings.
            var options = loaded.Options!;
            if ((options.Dns is null) != (_server is null) || (options.Health is null) != (_monitor is null) ||
                (options.TrafficManager is null) != (_trafficManager is null) || (options.Admin is null) != (_admin is null))
            {
                Log.RolesChangeNeedsRestart(_logger, _path);
            }
            else if (options.Admin is not null && _admin is not null &&
                     (options.Admin.Listen != _admin.Listen || options.Admin.BearerToken != _admin.BearerToken || options.Admin.StateFile != _admin.StateFile))
            {
                Log.AdminChangeNeedsRestart(_logger, _path);
            }

            if (Describe(options.Telemetry) != _telemetry)
            {
                Log.TelemetryChangeNeedsRestart(_logger, _path);
            }

            if (Describe(options.Cluster) != _cluster)
            {
                Log.ClusterChangeNeedsRestart(_logger, _path);
            }

            if (options.Dns is not null)
            {
                _server?.Apply(options.Dns);
            }

            if (options.Health is not null)
            {
                _monitor?.Apply(options.Health);
            }

            if (options.TrafficManager is not null)
            {
                _trafficManager?.Apply(options.TrafficManager);
            }

            _lastContent = content;
            Finish(activity, CliTelemetryNames.Applied, 0, null);
            Log.ReloadApplied(_logger, _path);
            Reloaded?.Invoke(true);
            return true;
        }
        catch (Exception ex)
        {
            // Nothing about a reload may take the running server down.
            Finish(activity, CliTelemetryNames.Failed, 0, $"{ex.GetType().Name}: {ex.Message}");
            Log.ReloadFailed(_logger, _path, ex);
            Reloaded?.Invoke(false);
            return false;
        }
        finally
        {
            activity?.Dispose();
        }
    }

    /// <summary>The <c>Telemetry</c> section's keys as one string, to compare the running section with an edit's.</summary>
    private static string Describe(TelemetryOptions? telemetry) =>
        telemetry is null ? string.Empty : System.Text.Json.JsonSerializer.Serialize(telemetry);

    /// <summary>The <c>Cluster</c> section's keys as one string, to compare the running section with an edit's.</summary>
    private static string Describe(ClusterOptions? cluster) =>
        cluster is null ? string.Empty : System.Text.Json.JsonSerializer.Serialize(cluster);

    /// <summary>Tags the reload span with its outcome and ends it; a rejected or failed reload is an error span.</summary>
    private static void Finish(Activity? activity, string outcome, int errors, string? error)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag(CliTelemetryNames.ReloadOutcomeTag, outcome);
        activity.SetTag(CliTelemetryNames.ReloadErrorsTag, errors);
        if (error is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, error);
        }

        // Ended before Reloaded is raised, so whoever waits on the event finds the span exported.
        activity.Stop();
    }

    /// <summary>
    /// Follows a change of <c>Health:RegistriesFile</c> in <paramref name="loaded"/> (valid or not: the key is read from
    /// its configuration root). Returns the content read again with the new file, or null when the file is the same.
    /// </summary>
    private string? FollowRegistriesFile(LoadedConfiguration loaded)
    {
        string? named = loaded.Options?.Health?.RegistriesFile ?? loaded.Root?["Health:RegistriesFile"];
        string? registries = string.IsNullOrWhiteSpace(named) ? null : Path.GetFullPath(named);
        if (registries == Volatile.Read(ref _registriesFile))
        {
            return null;
        }

        Volatile.Write(ref _registriesFile, registries);
        _lastStat = Stat();
        return TryRead();
    }

    private FileStamp Stat() => new(Stat(_path), Volatile.Read(ref _registriesFile) is { } registries ? Stat(registries) : default);

    private static (long Length, DateTime WrittenUtc) Stat(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? (info.Length, info.LastWriteTimeUtc) : default;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return default;
        }
    }

    /// <summary>
    /// The SHA-256 of the configuration file's bytes, followed by that of the registries file it names (or a word for
    /// a registries file that cannot be read: its appearance is an edit too); null when the configuration cannot be read.
    /// </summary>
    private string? TryRead()
    {
        string? configuration = Hash(_path);
        if (configuration is null || Volatile.Read(ref _registriesFile) is not { } registries)
        {
            return configuration;
        }

        return $"{configuration}+{Hash(registries) ?? "unreadable"}";
    }

    private static string? Hash(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(stream));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Size and modification time of the configuration file and of its registries file (default: none).</summary>
    private readonly record struct FileStamp((long Length, DateTime WrittenUtc) Configuration, (long Length, DateTime WrittenUtc) Registries);

    public void Dispose()
    {
        _subscription?.Dispose();
        _registriesSubscription?.Dispose();
        _poll?.Dispose();
        lock (_lock)
        {
            _pending_NeedsLock?.Dispose();
        }

        _files.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.ConfigurationReloaded, EventName = nameof(EventIds.ConfigurationReloaded), Level = LogLevel.Information,
            Message = "Configuration {Path} changed and was applied.")]
        public static partial void ReloadApplied(ILogger logger, string path);

        [LoggerMessage(EventId = EventIds.ConfigurationRejected, EventName = nameof(EventIds.ConfigurationRejected), Level = LogLevel.Error,
            Message = "Configuration {Path} changed but has {ErrorCount} error(s); the running configuration stays in force.")]
        public static partial void ReloadRejected(ILogger logger, string path, int errorCount);

        [LoggerMessage(EventId = EventIds.ConfigurationError, EventName = nameof(EventIds.ConfigurationError), Level = LogLevel.Error, Message = "{Error}")]
        public static partial void ConfigurationError(ILogger logger, string error);

        [LoggerMessage(EventId = EventIds.RolesChangeNeedsRestart, EventName = nameof(EventIds.RolesChangeNeedsRestart), Level = LogLevel.Warning,
            Message = "Configuration {Path} adds or removes a role (Dns, TrafficManager, Health, Admin); roles start or stop only when router restarts.")]
        public static partial void RolesChangeNeedsRestart(ILogger logger, string path);

        [LoggerMessage(EventId = EventIds.AdminChangeNeedsRestart, EventName = nameof(EventIds.AdminChangeNeedsRestart), Level = LogLevel.Warning,
            Message = "Configuration {Path} changes Admin:Listen, Admin:BearerToken or Admin:StateFile; the admin API takes them when router restarts.")]
        public static partial void AdminChangeNeedsRestart(ILogger logger, string path);

        [LoggerMessage(EventId = EventIds.ClusterChangeNeedsRestart, EventName = nameof(EventIds.ClusterChangeNeedsRestart), Level = LogLevel.Warning,
            Message = "Configuration {Path} changes the Cluster section; it takes effect when router restarts.")]
        public static partial void ClusterChangeNeedsRestart(ILogger logger, string path);

        [LoggerMessage(EventId = EventIds.TelemetryChangeNeedsRestart, EventName = nameof(EventIds.TelemetryChangeNeedsRestart), Level = LogLevel.Warning,
            Message = "Configuration {Path} changes the Telemetry section; OpenTelemetry export takes it when router restarts.")]
        public static partial void TelemetryChangeNeedsRestart(ILogger logger, string path);

        [LoggerMessage(EventId = EventIds.ConfigurationReloadFailed, EventName = nameof(EventIds.ConfigurationReloadFailed), Level = LogLevel.Error,
            Message = "Reloading configuration {Path} failed; the running configuration stays in force.")]
        public static partial void ReloadFailed(ILogger logger, string path, Exception exception);
    }
}
