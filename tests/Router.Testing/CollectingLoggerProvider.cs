using Microsoft.Extensions.Logging;

namespace Router.Testing;

/// <summary>
/// An <see cref="ILoggerProvider"/> that records every log call so tests can assert on emitted events
/// (<see cref="EventId"/>, <see cref="LogLevel"/>, structured state) rather than on rendered strings.
/// </summary>
/// <remarks>
/// Its loggers report every real level (<see cref="LogLevel.Trace"/> to <see cref="LogLevel.Critical"/>) as enabled;
/// <see cref="LogLevel.None"/> means "off" and is never enabled. A <see cref="LoggerFactory"/> still applies its own
/// filters on top (the <c>AddLogging()</c> default minimum is <see cref="LogLevel.Information"/>), so call
/// <c>SetMinimumLevel(LogLevel.Trace)</c> when a test asserts on Debug or Trace events. Scopes are accepted and
/// ignored. All members are thread-safe.
/// </remarks>
public sealed class CollectingLoggerProvider : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly List<CollectedLogEntry> _entries_NeedsLock = [];

    /// <summary>Gets a snapshot of the entries collected so far, in the order they were logged.</summary>
    public IReadOnlyList<CollectedLogEntry> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries_NeedsLock];
            }
        }
    }

    /// <summary>Removes every collected entry.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _entries_NeedsLock.Clear();
        }
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName)
    {
        ArgumentNullException.ThrowIfNull(categoryName);
        return new CollectingLogger(this, categoryName);
    }

    /// <summary>Does nothing: collected entries stay readable after the logger factory is disposed.</summary>
    public void Dispose()
    {
    }

    private void Add(CollectedLogEntry entry)
    {
        lock (_lock)
        {
            _entries_NeedsLock.Add(entry);
        }
    }

    private sealed class CollectingLogger(CollectingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => NullScope.Instance;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(
            LogLevel logLevel,
            EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (!IsEnabled(logLevel))
            {
                return;
            }

            // Copy the pairs now: LoggerMessage state objects are structs or pooled and must not be kept.
            IReadOnlyList<KeyValuePair<string, object?>> pairs = state is IEnumerable<KeyValuePair<string, object?>> values
                ? [.. values]
                : [];

            owner.Add(new CollectedLogEntry(category, logLevel, eventId, formatter(state, exception), pairs, exception));
        }
    }

    private sealed class NullScope : IDisposable
    {
        public static NullScope Instance { get; } = new();

        public void Dispose()
        {
        }
    }
}
