using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Router.Testing.Time;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Monitoring;

/// <summary>
/// A <see cref="ProbeScheduler"/> on a <see cref="StepwiseFakeTimeProvider"/> with a <see cref="FakeProber"/>, its published
/// changes, log events and metrics.
/// </summary>
/// <remarks>
/// Probes start inside the timer callbacks that <see cref="Advance"/> fires, and the fake finishes them at once or on
/// cancellation; the scheduler records a result on the thread that finished the probe, so its effects are visible
/// when <see cref="Advance"/> returns. xUnit runs tests under a synchronization context, where the runtime refuses to
/// resume continuations inline, so <see cref="Advance"/> and <see cref="Apply"/> run without one (as timer threads do
/// in production). Where a test still waits, <see cref="WaitForChangesAsync"/> bounds it in real time.
/// </remarks>
internal sealed class SchedulerHarness : IAsyncDisposable
{
    public static readonly TimeSpan WaitBound = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private readonly List<EndpointStateChange> _changes = [];
    private readonly ServiceProvider _services;
    private readonly SemaphoreSlim _changed = new(0);

    /// <param name="jitter">The scheduler's jitter seam; 0 (first probe at once) by default.</param>
    /// <param name="clock">Wraps <see cref="Clock"/> for the scheduler (to misbehave as real timers may); the clock itself by default.</param>
    /// <param name="extraLogs">A second logger provider next to <see cref="Logs"/> (one that throws, say).</param>
    public SchedulerHarness(Func<double>? jitter = null, Func<StepwiseFakeTimeProvider, TimeProvider>? clock = null, ILoggerProvider? extraLogs = null)
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = _services.GetRequiredService<IMeterFactory>();
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(Logs));
            if (extraLogs is not null)
            {
                builder.AddProvider(extraLogs);
            }
        });
        Prober = new FakeProber(Clock);
        Metrics = new TrafficManagerMetrics(meterFactory);
        Probes = new MetricCollector<long>(Metrics.Meter, TrafficManagerMetrics.Probes);
        StatusChanges = new MetricCollector<long>(Metrics.Meter, TrafficManagerMetrics.StatusChanges);
        StatusGauge = new MetricCollector<int>(Metrics.Meter, TrafficManagerMetrics.EndpointStatusGauge);
        Scheduler = new ProbeScheduler(Prober, OnChange, LoggerFactory, Metrics, clock?.Invoke(Clock) ?? Clock, jitter ?? (() => 0));
    }

    public StepwiseFakeTimeProvider Clock { get; } = new();

    public FakeLogCollector Logs { get; } = new();

    public ILoggerFactory LoggerFactory { get; }

    public FakeProber Prober { get; }

    public TrafficManagerMetrics Metrics { get; }

    public MetricCollector<long> Probes { get; }

    public MetricCollector<long> StatusChanges { get; }

    public MetricCollector<int> StatusGauge { get; }

    public ProbeScheduler Scheduler { get; }

    public IReadOnlyList<EndpointStateChange> Changes
    {
        get
        {
            lock (_lock)
            {
                return [.. _changes];
            }
        }
    }

    public static MonitorOptions Monitor(double interval = 30, double timeout = 10, int tolerated = 3, int successesToOnline = 1) =>
        new() { IntervalSeconds = interval, TimeoutSeconds = timeout, ToleratedFailures = tolerated, SuccessesToOnline = successesToOnline };

    public static ProbeTarget Target(string endpoint, MonitorOptions monitor, bool enabled = true, string profile = "contoso", string? target = null) =>
        new(profile, endpoint, target ?? "target-" + endpoint, enabled, monitor);

    /// <summary>Moves the virtual clock (firing due ticks and deadlines) outside the test's synchronization context.</summary>
    public void Advance(TimeSpan delta) => WithoutSynchronizationContext(() => Clock.AdvanceStepwise(delta));

    /// <summary>Applies targets outside the test's synchronization context (cancelled probes finish inline).</summary>
    public void Apply(params ProbeTarget[] targets) => WithoutSynchronizationContext(() => Scheduler.Apply(targets));

    /// <summary>Starts the scheduler outside the test's synchronization context (a timer may fire inline).</summary>
    public void Start() => WithoutSynchronizationContext(Scheduler.Start);

    public EndpointMonitorState State(string endpoint, string profile = "contoso")
    {
        Assert.True(Scheduler.States.TryGet(profile, endpoint, out var state), $"no state for {profile}/{endpoint}");
        return state;
    }

    /// <summary>Waits (real time, bounded) until at least <paramref name="count"/> changes were published.</summary>
    public async Task WaitForChangesAsync(int count)
    {
        var deadline = DateTime.UtcNow + WaitBound;
        while (Changes.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            Assert.True(left > TimeSpan.Zero, $"waited {WaitBound.TotalSeconds} s for {count} published changes; got {Changes.Count}");
            await _changed.WaitAsync(left);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Scheduler.DisposeAsync();
        Probes.Dispose();
        StatusChanges.Dispose();
        StatusGauge.Dispose();
        LoggerFactory.Dispose();
        await _services.DisposeAsync();
        _changed.Dispose();
    }

    private static void WithoutSynchronizationContext(Action action)
    {
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            action();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    private void OnChange(EndpointStateChange change)
    {
        lock (_lock)
        {
            _changes.Add(change);
        }

        _changed.Release();
    }
}
