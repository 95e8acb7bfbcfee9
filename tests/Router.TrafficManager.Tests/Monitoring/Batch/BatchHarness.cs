using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Router.Testing;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Monitoring.Batch;

namespace Router.TrafficManager.Tests.Monitoring.Batch;

/// <summary>
/// A <see cref="SchedulerHarness"/> (scheduler, virtual clock, fake prober, logs) with a <see cref="BatchMonitor"/> that
/// polls a <see cref="FakeBatchServer"/> and counts into the scheduler. The pollers' loops run on the thread pool, so
/// tests wait (bounded, real time) for a loop to be parked before they move the clock.
/// </summary>
internal sealed class BatchHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public BatchHarness()
    {
        Server = new FakeBatchServer(Scheduler.Clock);
        var meterFactory = _services.GetRequiredService<IMeterFactory>();
        Monitor = new BatchMonitor(results => Scheduler.Scheduler.RecordBatch(results), Scheduler.Prober, Scheduler.LoggerFactory,
            meterFactory, Scheduler.Clock, Server);

        // The factory is the scope of the meters it creates: this monitor's polls only, not those of tests running beside.
        Polls = new MetricCollector<long>(meterFactory, TrafficManagerMetrics.MeterName, BatchMetrics.Polls);
    }

    public SchedulerHarness Scheduler { get; } = new();

    public FakeBatchServer Server { get; }

    public BatchMonitor Monitor { get; }

    public MetricCollector<long> Polls { get; }

    public BatchPoller Poller => Assert.Single(Monitor.Pollers);

    /// <summary>A Batch-mode monitor: 10 s interval, 2 s timeout.</summary>
    public static MonitorOptions BatchMonitor(int tolerated = 3, string? registry = null, FallbackMonitorOptions? fallback = null, long maxBytes = TrafficManagerDefaults.MaxBatchBytes) =>
        new() { Mode = MonitorMode.Batch, IntervalSeconds = 10, TimeoutSeconds = 2, ToleratedFailures = tolerated, Registry = registry, Fallback = fallback, MaxBatchBytes = maxBytes };

    public static ProbeTarget Target(string profile, MonitorOptions monitor, string endpoint = "eastus", string target = "10.0.0.1", bool enabled = true) =>
        new(profile, endpoint, target, enabled, monitor);

    /// <summary>Applies to the scheduler and to the monitor (as the service does), and starts both.</summary>
    public void Start(params ProbeTarget[] targets)
    {
        Apply(targets);
        Scheduler.Start();
        Monitor.Start();
    }

    public void Apply(params ProbeTarget[] targets)
    {
        Scheduler.Apply(targets);
        Monitor.Apply(targets);
    }

    /// <summary>Waits until every poller has counted at least <paramref name="rounds"/> rounds.</summary>
    public Task RoundsAsync(long rounds) =>
        Poll.UntilAsync(() => Monitor.Pollers.All(p => p.Rounds >= rounds), $"{rounds} rounds counted");

    /// <summary>Waits until <paramref name="count"/> polls have been handled (counted in router.tm.batch.polls).</summary>
    public Task PollsAsync(int count) =>
        Poll.UntilAsync(() => Polls.GetMeasurementSnapshot().Count >= count, $"{count} polls handled");

    /// <summary>Waits until a long poll is held by the server (the loop is parked on it).</summary>
    public Task HeldAsync() => Poll.UntilAsync(() => Server.Held >= 1, "a long poll held by the server");

    /// <summary>
    /// Moves the clock one round (10 s) and waits until it is counted. A poller's loop runs on the thread pool: on a
    /// loaded machine it may set its round timer only after the clock moved, due at most one interval later; then the
    /// clock moves on a second at a time (never a whole interval, so no round is skipped or doubled) until it is counted.
    /// </summary>
    public async Task NextRoundAsync()
    {
        long rounds = Monitor.Pollers.Min(p => p.Rounds);
        Scheduler.Advance(TimeSpan.FromSeconds(10));
        for (int step = 0; step < 10; step++)
        {
            if (await Poll.TryUntilAsync(() => Monitor.Pollers.All(p => p.Rounds >= rounds + 1), TimeSpan.FromSeconds(3)))
            {
                return;
            }

            Scheduler.Advance(TimeSpan.FromSeconds(1));
        }

        await RoundsAsync(rounds + 1);
    }

    public EndpointMonitorState State(string profile, string endpoint = "eastus") => Scheduler.State(endpoint, profile);

    public async ValueTask DisposeAsync()
    {
        await Monitor.DisposeAsync();
        await Scheduler.DisposeAsync();
        Polls.Dispose();
        Server.Dispose();
        await _services.DisposeAsync();
    }
}
