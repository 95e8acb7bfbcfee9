using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Geo;

/// <summary>
/// Keeps the country database of Geographic routing (<c>TrafficManager:GeoDatabase</c>) in force: reads it when the
/// configuration names it, and again whenever the file changes (its size or modification time; checked every
/// <see cref="PollInterval"/>). A file that cannot be read keeps the database in force and is logged once; the table
/// routing reads is swapped in one step (<see cref="Locator"/>), never half-built.
/// </summary>
internal sealed partial class GeoDatabase : IDisposable
{
    /// <summary>How often the file's size and modification time are compared.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private readonly ILogger _logger;
    private readonly GeoMetrics? _metrics;
    private readonly TimeProvider _timeProvider;
    private ITimer? _timer;
    private string? _path_NeedsLock;
    private FileStamp _seen_NeedsLock;

    /// <param name="logger">Where loads and failed reads are logged.</param>
    /// <param name="meterFactory">Where the database's instruments go; null for none.</param>
    /// <param name="timeProvider">The clock of the poll.</param>
    public GeoDatabase(ILogger logger, IMeterFactory? meterFactory, TimeProvider timeProvider)
    {
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _metrics = meterFactory is null ? null : new GeoMetrics(meterFactory, Locator);
    }

    /// <summary>The table in force, shared with every routing snapshot.</summary>
    public GeoLocator Locator { get; } = new(GeoTable.Empty);

    /// <summary>
    /// Switches to the database at <paramref name="path"/> (null or empty: none), reading it now when it is another
    /// file than the one in force; the same path keeps the table (a change of the file itself is the poll's).
    /// </summary>
    public void Apply(string? path)
    {
        path = string.IsNullOrWhiteSpace(path) ? null : Path.GetFullPath(path);
        lock (_lock)
        {
            if (string.Equals(path, _path_NeedsLock, StringComparison.Ordinal))
            {
                return;
            }

            _path_NeedsLock = path;
            _seen_NeedsLock = default;
            if (path is null)
            {
                Locator.Table = GeoTable.Empty;
                Log.Cleared(_logger);
                return;
            }

            Load_NeedsLock(path);
        }
    }

    /// <summary>Starts watching the file for changes.</summary>
    public void Start()
    {
        lock (_lock)
        {
            _timer ??= _timeProvider.CreateTimer(_ => Poll(), null, PollInterval, PollInterval);
        }
    }

    /// <summary>Stops watching.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    public void Dispose() => Stop();

    /// <summary>Reads the file again when its size or modification time changed since it was last read (or tried).</summary>
    internal void Poll()
    {
        // A slow read (a large database) must not queue up behind itself: a poll that finds the lock taken skips.
        if (!_lock.TryEnter())
        {
            return;
        }

        try
        {
            if (_path_NeedsLock is { } path && FileStamp.Of(path) != _seen_NeedsLock)
            {
                Load_NeedsLock(path);
            }
        }
        finally
        {
            _lock.Exit();
        }
    }

    private void Load_NeedsLock(string path)
    {
        // The stamp is taken before reading: a write that lands during the read changes it again, and is read next time.
        _seen_NeedsLock = FileStamp.Of(path);
        bool loaded = GeoDatabaseFile.TryRead(path, out var table, out string? error);
        _metrics?.LoadCompleted(loaded);
        if (loaded)
        {
            Locator.Table = table!;
            Log.Loaded(_logger, path, table!.Description, table.Networks, table.Ranges);
            return;
        }

        var current = Locator.Table;
        string kept = ReferenceEquals(current, GeoTable.Empty)
            ? "no database is in force: Geographic profiles place no client, so only WORLD mappings answer"
            : $"the database in force stays ({current.Description})";
        Log.LoadFailed(_logger, path, error!, kept);
    }

    /// <summary>What tells one version of the file from another without reading it.</summary>
    private readonly record struct FileStamp(long Length, DateTime LastWriteUtc, bool Exists)
    {
        public static FileStamp Of(string path)
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(info.Length, info.LastWriteTimeUtc, true) : default;
        }
    }
}
