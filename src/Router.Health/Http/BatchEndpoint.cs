using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Router.Health.Diagnostics;
using Router.Health.Monitoring;

namespace Router.Health.Http;

/// <summary>
/// <c>GET|HEAD /health/registries[?since=V][&amp;wait=S][&amp;detail=true]</c>: every verdict of the region in one
/// document with a version (strong ETag), answered from the snapshot and its <see cref="VerdictJournal"/>, never by
/// probing. <c>If-None-Match</c> of the current version answers 304 without per-registry work; <c>since</c> answers
/// the registries that changed after that version (or everything, <c>complete: true</c>, when it cannot); <c>wait</c>
/// holds a request with nothing new until something changes or the wait ends (virtual time: the monitor's clock).
/// </summary>
/// <remarks>
/// The full document without dependencies is built once per version on the thread pool and shared by every request
/// for that version (one million registries: tens of megabytes); incremental ones are built per request; with
/// <c>detail=true</c> the entries are streamed to the response as they are written.
/// </remarks>
internal sealed partial class BatchEndpoint(HealthMonitor monitor, ILogger logger, CancellationToken stopping)
{
    public const string Path = "/health/registries";

    /// <summary>Streamed bodies are flushed to the connection every this many bytes.</summary>
    private const int StreamFlushBytes = 64 * 1024;

    private const string JsonContentType = "application/json; charset=utf-8";

    private CachedDocument? _cached;

    public async Task HandleAsync(HttpContext context, bool head)
    {
        var request = context.Request;
        var response = context.Response;
        var aborted = context.RequestAborted;
        if (!BatchQuery.TryParse(request.Query, out var query, out string? error))
        {
            monitor.Metrics.BatchAnswered(HealthTelemetryNames.BatchBadRequest, held: false);
            await WriteErrorAsync(response, error!, head).ConfigureAwait(false);
            return;
        }

        bool held = false;
        if (query is { Since: { } awaited, Wait: { } wait })
        {
            held = await HoldAsync(awaited, wait, aborted).ConfigureAwait(false);
            if (aborted.IsCancellationRequested)
            {
                return;
            }
        }

        var snapshot = monitor.Snapshot;
        var journal = snapshot.Journal;
        long utcTicks = monitor.TimeProvider.GetUtcNow().UtcTicks;
        journal.SweepIfDue(snapshot, utcTicks);
        long version = journal.Version;
        if (Matches(request.Headers.IfNoneMatch, version))
        {
            monitor.Metrics.BatchAnswered(HealthTelemetryNames.BatchNotModified, held);
            response.StatusCode = StatusCodes.Status304NotModified;
            response.Headers.ETag = ETag(version);
            return;
        }

        try
        {
            if (query.Since is { } since)
            {
                var (current, incremental) = journal.ChangesSince(since, out int[] changed, out int count);
                if (incremental)
                {
                    try
                    {
                        monitor.Metrics.BatchAnswered(HealthTelemetryNames.BatchIncremental, held);
                        await WriteAsync(response, snapshot, current, complete: false, changed, count, utcTicks, query.Detail, head, aborted).ConfigureAwait(false);
                        return;
                    }
                    finally
                    {
                        if (changed.Length > 0)
                        {
                            ArrayPool<int>.Shared.Return(changed);
                        }
                    }
                }
            }

            monitor.Metrics.BatchAnswered(HealthTelemetryNames.BatchFull, held);
            int registries = snapshot.Topology.Registries.Length;
            if (query.Detail)
            {
                await WriteAsync(response, snapshot, version, complete: true, registries: null, registries, utcTicks, detail: true, head, aborted).ConfigureAwait(false);
                return;
            }

            var body = await FullAsync(snapshot, version, utcTicks).ConfigureAwait(false);
            await WriteBodyAsync(response, body, head, aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away while its body was being written.
        }
    }

    /// <summary>
    /// Holds the request while the current version is <paramref name="since"/> (nothing changed after it), for at most
    /// <paramref name="wait"/> on the monitor's clock; wakes on a change, at the next staleness deadline (to sweep),
    /// when the client goes away and when the server stops.
    /// </summary>
    /// <returns>Whether the request was held at all.</returns>
    private async Task<bool> HoldAsync(long since, TimeSpan wait, CancellationToken aborted)
    {
        var clock = monitor.TimeProvider;
        long started = clock.GetTimestamp();
        bool held = false;
        try
        {
            while (true)
            {
                var snapshot = monitor.Snapshot;
                var journal = snapshot.Journal;
                var changed = journal.Changed;
                long utcTicks = clock.GetUtcNow().UtcTicks;
                journal.SweepIfDue(snapshot, utcTicks);
                var remaining = wait - clock.GetElapsedTime(started);
                if (journal.Version != since || !ReferenceEquals(monitor.Snapshot, snapshot)
                    || remaining <= TimeSpan.Zero || aborted.IsCancellationRequested || stopping.IsCancellationRequested)
                {
                    return held;
                }

                if (!held)
                {
                    held = true;
                    monitor.Metrics.BatchHeld(1);
                }

                // Staleness comes with time alone: wake just after the next deadline to sweep.
                long untilStale = journal.NextDeadlineUtcTicks - utcTicks;
                var delay = untilStale >= 0 && untilStale < remaining.Ticks ? TimeSpan.FromTicks(untilStale + 1) : remaining;
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping);
                var timer = Task.Delay(delay, clock, wake.Token);
                await Task.WhenAny(changed, timer).ConfigureAwait(false);
                await wake.CancelAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            if (held)
            {
                monitor.Metrics.BatchHeld(-1);
            }
        }
    }

    /// <summary>The full document of <paramref name="version"/>, built once and shared by every request for it.</summary>
    private Task<BatchBody> FullAsync(HealthSnapshot snapshot, long version, long utcTicks)
    {
        while (true)
        {
            var cached = Volatile.Read(ref _cached);
            if (cached is not null && cached.Version >= version)
            {
                return cached.Body.Task;
            }

            var mine = new CachedDocument(version);
            if (Interlocked.CompareExchange(ref _cached, mine, cached) != cached)
            {
                continue;
            }

            _ = Task.Run(() => Build(mine, snapshot, utcTicks), CancellationToken.None);
            return mine.Body.Task;
        }
    }

    private void Build(CachedDocument document, HealthSnapshot snapshot, long utcTicks)
    {
        try
        {
            long started = monitor.TimeProvider.GetTimestamp();
            int count = snapshot.Topology.Registries.Length;
            var body = BatchDocument.Build(snapshot, document.Version, complete: true, registries: null, count, utcTicks);
            var elapsed = monitor.TimeProvider.GetElapsedTime(started);
            monitor.Metrics.BatchBuilt(elapsed);
            Log.DocumentBuilt(logger, document.Version, count, body.Length, elapsed.TotalMilliseconds);
            document.Body.TrySetResult(body);
        }
        catch (Exception ex)
        {
            // Not kept: the next request for this version builds again.
            Interlocked.CompareExchange(ref _cached, null, document);
            document.Body.TrySetException(ex);
        }
    }

    private static async Task WriteBodyAsync(HttpResponse response, BatchBody body, bool head, CancellationToken aborted)
    {
        Begin(response, body.Version);
        response.ContentLength = body.Length;
        if (head)
        {
            return;
        }

        foreach (var segment in body.Segments)
        {
            var result = await response.BodyWriter.WriteAsync(segment, aborted).ConfigureAwait(false);
            if (result.IsCanceled || result.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Writes a document per request: without dependencies built in memory first (so it has a length), with them
    /// streamed entry by entry (a million registries' dependencies are hundreds of megabytes).
    /// </summary>
    private static async Task WriteAsync(HttpResponse response, HealthSnapshot snapshot, long version, bool complete, int[]? registries, int count,
        long utcTicks, bool detail, bool head, CancellationToken aborted)
    {
        if (!detail)
        {
            await WriteBodyAsync(response, BatchDocument.Build(snapshot, version, complete, registries, count, utcTicks), head, aborted).ConfigureAwait(false);
            return;
        }

        Begin(response, version);
        if (head)
        {
            return;
        }

        var writer = response.BodyWriter;
        BatchDocument.WriteStart(writer, snapshot, version, complete);
        int unflushed = 0;
        for (int i = 0; i < count; i++)
        {
            unflushed += BatchDocument.WriteEntry(writer, snapshot, registries is null ? i : registries[i], utcTicks, detail: true, first: i == 0);
            if (unflushed >= StreamFlushBytes)
            {
                unflushed = 0;
                var result = await writer.FlushAsync(aborted).ConfigureAwait(false);
                if (result.IsCanceled || result.IsCompleted)
                {
                    return;
                }
            }
        }

        BatchDocument.WriteEnd(writer);
        await writer.FlushAsync(aborted).ConfigureAwait(false);
    }

    private static void Begin(HttpResponse response, long version)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = JsonContentType;
        response.Headers.ETag = ETag(version);
    }

    private static async Task WriteErrorAsync(HttpResponse response, string error, bool head)
    {
        response.StatusCode = StatusCodes.Status400BadRequest;
        response.ContentType = JsonContentType;
        var body = System.Text.Encoding.UTF8.GetBytes("{\"error\":" + System.Text.Json.JsonSerializer.Serialize(error) + "}");
        response.ContentLength = body.Length;
        if (!head)
        {
            await response.Body.WriteAsync(body).ConfigureAwait(false);
        }
    }

    private static string ETag(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>Whether <c>If-None-Match</c> names <paramref name="version"/> (or is <c>*</c>); weak tags compare too.</summary>
    internal static bool Matches(StringValues ifNoneMatch, long version)
    {
        foreach (string? value in ifNoneMatch)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var range in value.AsSpan().Split(','))
            {
                var tag = value.AsSpan(range).Trim();
                if (tag.SequenceEqual("*"))
                {
                    return true;
                }

                if (tag.StartsWith("W/", StringComparison.Ordinal))
                {
                    tag = tag[2..];
                }

                if (tag.Length > 2 && tag[0] == '"' && tag[^1] == '"'
                    && long.TryParse(tag[1..^1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long named)
                    && named == version)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The full document of one version: built by the first request for it, awaited by the others.</summary>
    private sealed class CachedDocument(long version)
    {
        public long Version { get; } = version;

        public TaskCompletionSource<BatchBody> Body { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HealthEventIds.BatchDocumentBuilt, EventName = nameof(HealthEventIds.BatchDocumentBuilt), Level = LogLevel.Debug,
            Message = "Batch verdict document version {Version} built: {Registries} registr(y/ies), {Bytes} bytes in {Milliseconds} ms.")]
        public static partial void DocumentBuilt(ILogger logger, long version, int registries, long bytes, double milliseconds);
    }
}
