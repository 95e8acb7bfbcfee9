using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;

namespace Router.TrafficManager.Monitoring.Batch;

/// <summary>
/// The batch pollers: one per distinct monitor origin (<c>Protocol://Target:Port</c> + path) among the endpoints of
/// profiles in <c>Monitor:Mode: Batch</c>, each serving every endpoint on its origin. The endpoints' state stays in
/// <see cref="ProbeScheduler"/>; the pollers only feed it results (<see cref="ProbeScheduler.RecordBatch"/>).
/// </summary>
/// <remarks>
/// <see cref="Apply"/> after every configuration apply, with the same targets as the scheduler: an origin whose poller
/// settings are unchanged keeps its poller (and its table) with the new endpoints; one whose settings changed gets a
/// new poller (a full GET first); origins no longer used stop. Enabling or disabling an endpoint needs no apply here:
/// the scheduler drops results of disabled endpoints. Thread-safe.
/// </remarks>
internal sealed class BatchMonitor : IAsyncDisposable
{
    private readonly Action<IReadOnlyList<BatchResult>> _record;
    private readonly IEndpointProber _prober;
    private readonly BatchClient _client;
    private readonly BatchMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _lock = new();
    private readonly Dictionary<BatchOrigin, BatchPoller> _pollers_NeedsLock = [];
    private readonly List<Task> _stopping_NeedsLock = [];
    private bool _started_NeedsLock;

    /// <param name="record">Counts results (<see cref="ProbeScheduler.RecordBatch"/>).</param>
    /// <param name="prober">Runs an origin's fallback probe.</param>
    /// <param name="loggerFactory">For the pollers' events.</param>
    /// <param name="meterFactory">For <see cref="BatchMetrics"/>.</param>
    /// <param name="timeProvider">The clock of rounds and deadlines.</param>
    /// <param name="handler">For tests: sends the batch requests through this handler (not disposed); null for the real one.</param>
    public BatchMonitor(Action<IReadOnlyList<BatchResult>> record, IEndpointProber prober, ILoggerFactory loggerFactory, IMeterFactory meterFactory,
        TimeProvider timeProvider, HttpMessageHandler? handler = null)
    {
        _record = record ?? throw new ArgumentNullException(nameof(record));
        _prober = prober ?? throw new ArgumentNullException(nameof(prober));
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _logger = loggerFactory.CreateLogger<BatchMonitor>();
        _metrics = new BatchMetrics(meterFactory);
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _client = new BatchClient(timeProvider, handler);
    }

    /// <summary>The pollers, by origin (for tests and diagnostics).</summary>
    public IReadOnlyList<BatchPoller> Pollers
    {
        get
        {
            lock (_lock)
            {
                return [.. _pollers_NeedsLock.Values];
            }
        }
    }

    /// <summary>Makes the <c>Batch</c>-mode endpoints of <paramref name="targets"/> the ones polled for (the others are ignored).</summary>
    public void Apply(IReadOnlyList<ProbeTarget> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var byOrigin = new Dictionary<BatchOrigin, List<ProbeTarget>>();
        foreach (var target in targets)
        {
            if (target.Monitor.Mode != MonitorMode.Batch || target.Monitor.Protocol == MonitorProtocol.Tcp)
            {
                continue;
            }

            var origin = BatchOrigin.Of(target);
            if (!byOrigin.TryGetValue(origin, out var list))
            {
                byOrigin[origin] = list = [];
            }

            list.Add(target);
        }

        var start = new List<BatchPoller>();
        lock (_lock)
        {
            foreach (var (origin, list) in byOrigin)
            {
                if (_pollers_NeedsLock.TryGetValue(origin, out var poller) && BatchPollerSettings.Difference(poller.Settings.Monitor, list[0].Monitor) is null)
                {
                    poller.SetTargets(list);
                    continue;
                }

                if (poller is not null)
                {
                    _stopping_NeedsLock.Add(poller.DisposeAsync().AsTask());
                }

                poller = new BatchPoller(origin, BatchPollerSettings.From(list[0].Monitor), list, _client, _prober, _record, _metrics, _logger, _timeProvider);
                _pollers_NeedsLock[origin] = poller;
                if (_started_NeedsLock)
                {
                    start.Add(poller);
                }
            }

            foreach (var (origin, poller) in _pollers_NeedsLock.ToArray())
            {
                if (!byOrigin.ContainsKey(origin))
                {
                    _pollers_NeedsLock.Remove(origin);
                    _stopping_NeedsLock.Add(poller.DisposeAsync().AsTask());
                }
            }

            _stopping_NeedsLock.RemoveAll(t => t.IsCompleted);
        }

        foreach (var poller in start)
        {
            poller.Start();
        }
    }

    /// <summary>Starts every poller (those applied before and after this call).</summary>
    public void Start()
    {
        BatchPoller[] pollers;
        lock (_lock)
        {
            _started_NeedsLock = true;
            pollers = [.. _pollers_NeedsLock.Values];
        }

        foreach (var poller in pollers)
        {
            poller.Start();
        }
    }

    /// <summary>Stops every poller for good; returns once they have wound down (each waits at most <see cref="ProbeScheduler.StopWait"/>).</summary>
    public async Task StopAsync()
    {
        Task[] stopping;
        lock (_lock)
        {
            _started_NeedsLock = false;
            stopping = [.. _pollers_NeedsLock.Values.Select(p => p.StopAsync()), .. _stopping_NeedsLock];
            _stopping_NeedsLock.Clear();
        }

        await Task.WhenAll(stopping).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        BatchPoller[] pollers;
        lock (_lock)
        {
            pollers = [.. _pollers_NeedsLock.Values];
            _pollers_NeedsLock.Clear();
        }

        foreach (var poller in pollers)
        {
            await poller.DisposeAsync().ConfigureAwait(false);
        }

        _client.Dispose();
    }
}
