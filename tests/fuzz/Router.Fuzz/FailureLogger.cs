using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Router.Fuzz;

/// <summary>
/// A logger factory that remembers every event logged with an exception: the listeners catch what the pipeline throws
/// and log it, so for the fuzzer such an event is a crash. <see cref="ThrowIfFailed"/> reports and clears them.
/// </summary>
internal sealed class FailureLogger : ILoggerFactory, ILogger
{
    private readonly ConcurrentQueue<(string Message, Exception Exception)> _failures = new();

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (exception is not null)
        {
            _failures.Enqueue((formatter(state, exception), exception));
        }
    }

    public void ThrowIfFailed()
    {
        if (_failures.TryDequeue(out var failure))
        {
            _failures.Clear();
            throw new FuzzInvariantException($"logged as a failure: {failure.Message}", failure.Exception);
        }
    }
}
