using Microsoft.Extensions.Logging;
using Router.TrafficManager.Diagnostics;

namespace Router.TrafficManager.Monitoring.Batch;

/// <summary>
/// Polls one monitor origin's batch document for every endpoint that uses it, and counts their results: once per round
/// (<c>IntervalSeconds</c>, see <see cref="OnRound"/>) for every endpoint, and at once for the endpoints of a registry
/// whose verdict a long poll delivers.
/// </summary>
/// <remarks>
/// <para>
/// The exchange loop: a full <c>GET</c> first; then long polls (<c>?since=V&amp;wait=W</c>, <c>If-None-Match: "V"</c>,
/// W = <see cref="Wait"/>) for as long as they work: a 304 or an incremental document keeps the table live, a complete
/// one replaces it. A document is parsed into a new table and swapped in whole, or counted as a failed poll. After a
/// failure the next request is a full GET at the next round (a dead monitor is asked once per interval), and so is the
/// next request after a long poll that came back early with nothing new (a server that ignores <c>wait</c> is not
/// asked in a tight loop).
/// </para>
/// <para>
/// The round: every endpoint of the origin gets one result: its registry's verdict in the table (Healthy → success
/// 200, Unhealthy → failure 503, not listed → failure), or, when the last exchange failed, that failure; when it failed
/// to connect and <c>Monitor:Fallback</c> is set, the fallback probe runs once for the origin and its result counts for
/// every endpoint. Rounds begin when the first exchange ends (so statuses are known one exchange after start), then
/// come every interval on the injected <see cref="TimeProvider"/>.
/// </para>
/// <para>Results go to the scheduler in one batch per round or change (<see cref="ProbeScheduler.RecordBatch"/>). Thread-safe.</para>
/// </remarks>
internal sealed partial class BatchPoller : IAsyncDisposable
{
    /// <summary>The longest long poll (the batch endpoint's limit).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    private readonly BatchClient _client;
    private readonly IEndpointProber _prober;
    private readonly Action<IReadOnlyList<BatchResult>> _record;
    private readonly BatchMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly string _name;
    private readonly string _pollSource;
    private readonly string _fallbackSource;
    private BatchTargets _targets;
    private PollState _state = new(null, null);
    private RoundSignal _signal = new(0);
    private ITimer? _timer_NeedsLock;
    private Task? _loop_NeedsLock;
    private Task? _fallback_NeedsLock;
    private bool _stopped_NeedsLock;
    private int _fallbackInUse;

    /// <summary>Failed exchanges in a row (the loop's own).</summary>
    private int _failedPolls;

    public BatchPoller(BatchOrigin origin, BatchPollerSettings settings, IEnumerable<ProbeTarget> targets, BatchClient client, IEndpointProber prober,
        Action<IReadOnlyList<BatchResult>> record, BatchMetrics metrics, ILogger logger, TimeProvider timeProvider)
    {
        Origin = origin;
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _targets = new BatchTargets(targets);
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _prober = prober ?? throw new ArgumentNullException(nameof(prober));
        _record = record ?? throw new ArgumentNullException(nameof(record));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _name = origin.ToString();
        _pollSource = $"batch {_name}";
        _fallbackSource = $"fallback probe of batch {_name}";
        Wait = settings.Interval < MaxWait ? settings.Interval : MaxWait;
    }

    public BatchOrigin Origin { get; }

    public BatchPollerSettings Settings { get; }

    /// <summary>A long poll's <c>wait</c>: the interval (at most 60 s), so a silent monitor is noticed within interval + timeout.</summary>
    public TimeSpan Wait { get; }

    /// <summary>The verdict table; null before the first document.</summary>
    public BatchTable? Table => Volatile.Read(ref _state).Table;

    /// <summary>Rounds counted so far.</summary>
    public long Rounds => Volatile.Read(ref _signal).Number;

    /// <summary>Gives the poller a new set of endpoints (a reload that kept its origin and settings); the table stays.</summary>
    public void SetTargets(IEnumerable<ProbeTarget> targets) => Volatile.Write(ref _targets, new BatchTargets(targets));

    /// <summary>Starts the exchange loop (on the thread pool: never on the caller's stack).</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_stopped_NeedsLock || _loop_NeedsLock is not null)
            {
                return;
            }

            _loop_NeedsLock = Task.Run(() => RunAsync(_stopping.Token));
        }

        BatchLog.PollerStarted(_logger, _name, Settings.Interval.TotalSeconds, Wait.TotalSeconds, Volatile.Read(ref _targets).EndpointCount);
    }

    /// <summary>Stops for good: the loop, its request, the rounds and a running fallback end (waiting at most <see cref="ProbeScheduler.StopWait"/>).</summary>
    public async Task StopAsync()
    {
        Task[] running;
        lock (_lock)
        {
            if (_stopped_NeedsLock)
            {
                return;
            }

            _stopped_NeedsLock = true;
            _timer_NeedsLock?.Dispose();
            _timer_NeedsLock = null;
            running = [.. new[] { _loop_NeedsLock, _fallback_NeedsLock }.OfType<Task>()];
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(running).WaitAsync(ProbeScheduler.StopWait, _timeProvider).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // A request that ignores cancellation is abandoned; nothing it returns is counted.
        }

        BatchLog.PollerStopped(_logger, _name);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        bool full = true;
        bool roundsStarted = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            var state = Volatile.Read(ref _state);
            long? since = full || state.Table is null ? null : state.Table.Version;
            long roundBefore = Volatile.Read(ref _signal).Number;
            long started = _timeProvider.GetTimestamp();
            BatchExchange exchange;
            try
            {
                exchange = await _client.FetchAsync(Origin, Settings, since, Wait, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            bool changed = Handle(exchange, longPoll: since is not null);
            bool failed = exchange.Kind == BatchExchangeKind.Failed || Volatile.Read(ref _state).Failure is not null;
            if (!roundsStarted)
            {
                roundsStarted = true;
                StartRounds();
                roundBefore = Volatile.Read(ref _signal).Number;
            }

            full = failed;
            bool early = since is not null && !changed && _timeProvider.GetElapsedTime(started) < Wait / 2;
            var signal = Volatile.Read(ref _signal);
            if ((failed || early) && signal.Number == roundBefore)
            {
                // Not again before the next round: a dead monitor, or one that ignores 'wait'.
                try
                {
                    await signal.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Takes in one exchange's outcome; true when it delivered a changed verdict.</summary>
    private bool Handle(BatchExchange exchange, bool longPoll)
    {
        var state = Volatile.Read(ref _state);
        switch (exchange.Kind)
        {
            case BatchExchangeKind.NotModified when longPoll && state.Table is not null:
                _metrics.PollCompleted(BatchMetrics.NotModified, longPoll);
                Recovered(state.Table);
                return false;
            case BatchExchangeKind.NotModified:
                Fail("status 304 answered a request without If-None-Match", connectFailed: false, longPoll);
                return false;
            case BatchExchangeKind.Document:
                if (!BatchTable.TryApply(state.Table, exchange.Document!, Origin, out var next, out var changed, out string? error))
                {
                    Fail(error!, connectFailed: false, longPoll);
                    return false;
                }

                _metrics.PollCompleted(BatchMetrics.Document, longPoll);
                Volatile.Write(ref _state, new PollState(next, null));
                Recovered(next!);
                if (changed.Count > 0)
                {
                    CountChanged(next!, changed);
                }

                return changed.Count > 0;
            default:
                Fail(exchange.Error ?? "batch request failed", exchange.ConnectFailed, longPoll);
                return false;
        }
    }

    private void Fail(string error, bool connectFailed, bool longPoll)
    {
        _metrics.PollCompleted(BatchMetrics.Failure, longPoll);
        var state = Volatile.Read(ref _state);
        Volatile.Write(ref _state, new PollState(state.Table, new PollFailure(error, connectFailed)));
        if (_failedPolls++ == 0)
        {
            BatchLog.PollFailed(_logger, _name, error, Volatile.Read(ref _targets).EndpointCount);
        }
    }

    private void Recovered(BatchTable table)
    {
        var state = Volatile.Read(ref _state);
        if (state.Failure is not null)
        {
            Volatile.Write(ref _state, state with { Failure = null });
        }

        if (_failedPolls > 0)
        {
            BatchLog.PollRecovered(_logger, _name, table.Version, table.Count, _failedPolls);
            _failedPolls = 0;
        }

        if (Interlocked.Exchange(ref _fallbackInUse, 0) == 1)
        {
            BatchLog.FallbackEnded(_logger, _name);
        }
    }

    /// <summary>The state the rounds read: the table and the last exchange's failure (null when it worked). Immutable.</summary>
    private sealed record PollState(BatchTable? Table, PollFailure? Failure);

    private sealed record PollFailure(string Error, bool ConnectFailed);

    /// <summary>Round <see cref="Number"/> is counted; <see cref="Done"/> completes when the next one is.</summary>
    private sealed class RoundSignal(long number)
    {
        public long Number { get; } = number;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
