using Microsoft.Extensions.Logging;

namespace Router.Testing;

/// <summary>One log call captured by <see cref="CollectingLoggerProvider"/>.</summary>
/// <param name="Category">The logger category (usually the full name of the logging type).</param>
/// <param name="Level">The level the event was logged at.</param>
/// <param name="EventId">The event's identity; assert on this (and <see cref="State"/>), not on <see cref="Message"/>.</param>
/// <param name="Message">The message as rendered by the caller's formatter.</param>
/// <param name="State">
/// The structured state as name/value pairs (for <c>[LoggerMessage]</c> events: one pair per placeholder, plus
/// <c>{OriginalFormat}</c>); empty when the state was not a list of pairs. Copied at log time.
/// </param>
/// <param name="Exception">The exception passed to the log call, if any.</param>
public sealed record CollectedLogEntry(
    string Category,
    LogLevel Level,
    EventId EventId,
    string Message,
    IReadOnlyList<KeyValuePair<string, object?>> State,
    Exception? Exception);
