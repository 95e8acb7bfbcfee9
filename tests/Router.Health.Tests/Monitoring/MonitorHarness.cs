using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Router.Health.Checks;
using Router.Health.Configuration;
using Router.Health.Diagnostics;
using Router.Health.Evaluation;
using Router.Health.Monitoring;
using Router.Health.Tests.Topology;
using Router.Testing;
using Router.Testing.Time;

namespace Router.Health.Tests.Monitoring;

/// <summary>
/// A <see cref="HealthMonitor"/> on a <see cref="StepwiseFakeTimeProvider"/> (a FakeTimeProvider) with a <see cref="FakeCheck"/> per resource
/// (by id, shared across <see cref="HealthMonitor.Apply"/>), its log events and its transition and outcome metrics.
/// </summary>
/// <remarks>
/// The monitor's probe loops run on the thread pool, so after moving the clock a test waits (in real time, bounded)
/// for the state it expects. Each wait names what it waits for; time only moves when the test says so.
/// </remarks>
internal sealed class MonitorHarness : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, FakeCheck> _checks = new(StringComparer.Ordinal);
    private readonly ServiceProvider _services;

    public MonitorHarness(HealthOptions options, Func<double>? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = _services.GetRequiredService<IMeterFactory>();
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(Logs)));

        // The factory hands out its cached meter, so these see exactly this monitor's instruments.
        var meter = meterFactory.Create(HealthTelemetryNames.MeterName);
        Transitions = new MetricCollector<long>(meter, HealthTelemetryNames.Transitions);
        Outcomes = new MetricCollector<long>(meter, HealthTelemetryNames.CheckOutcomes);
        Options = options;
        Monitor = new HealthMonitor(options, LoggerFactory, meterFactory, Clock, jitter ?? (() => 0), CreateCheck);
    }

    public StepwiseFakeTimeProvider Clock { get; } = new();

    public FakeLogCollector Logs { get; } = new();

    public ILoggerFactory LoggerFactory { get; }

    public MetricCollector<long> Transitions { get; }

    public MetricCollector<long> Outcomes { get; }

    public HealthOptions Options { get; private set; }

    public HealthMonitor Monitor { get; }

    public ConcurrencyMeter Concurrency { get; } = new();

    public TimeSpan Interval => TimeSpan.FromSeconds(Options.Evaluation.IntervalSeconds);

    public int ResourceCount => Monitor.Snapshot.Topology.Resources.Length;

    /// <summary>Probe loops: one per resource, one per instance of a zone pool.</summary>
    public int LoopCount => Monitor.Snapshot.Topology.Resources.Sum(r => r.Probes.Length);

    /// <summary>The fake behind resource <paramref name="id"/> (created on first use, succeeding).</summary>
    public FakeCheck Check(string id) => _checks.GetOrAdd(id, _ => new FakeCheck(Clock, Concurrency));

    public IEnumerable<FakeCheck> AllChecks => Monitor.Snapshot.Topology.Resources.SelectMany(r => r.Probes).Select(p => (FakeCheck)p.Check);

    public IEnumerable<ResourceHealth> AllStates => Monitor.Snapshot.Topology.Resources.Select(r => State(r.Id));

    public ResourceHealth State(string id)
    {
        var snapshot = Monitor.Snapshot;
        int index = Array.FindIndex(snapshot.Topology.Resources, r => r.Id == id);
        Assert.True(index >= 0, $"no resource {id}");
        return Volatile.Read(ref snapshot.States[index]);
    }

    public RegistryVerdict Verdict(string registry)
    {
        var snapshot = Monitor.Snapshot;
        Assert.True(snapshot.Topology.TryFindRegistry(registry, out int index), $"no registry {registry}");
        return snapshot.Evaluate(index, Clock.GetUtcNow());
    }

    /// <summary>Log entries with the given event name.</summary>
    public IReadOnlyList<FakeLogRecord> Events(string eventName) =>
        [.. Logs.GetSnapshot().Where(e => e.Id.Name == eventName)];

    /// <summary>Applies <paramref name="options"/> and returns at once (for what must hold without any probe).</summary>
    public void Apply(HealthOptions options)
    {
        Options = options;
        Monitor.Apply(options);
    }

    /// <summary>
    /// Applies <paramref name="options"/> to the running monitor (checks answering at once, jitter 0) and waits until
    /// every resource was probed once more by the new loops and they are parked.
    /// </summary>
    public async Task ApplyAsync(HealthOptions options)
    {
        var before = options.Resources.Select(r => r.Id!).ToDictionary(id => id, id => Check(id).CallCount);
        Options = options;
        Monitor.Apply(options);
        await Poll.UntilAsync(
            () => before.All(p => Check(p.Key).CallCount == p.Value + 1) && Clock.ActiveTimerCount == ResourceCount,
            "every resource probed again after Apply");
    }

    /// <summary>
    /// Starts probing with every check answering at once, and waits until each resource was probed once and every
    /// probe loop is parked on its next delay (jitter 0).
    /// </summary>
    public async Task StartAsync()
    {
        Monitor.Start();
        await WaitUntilParkedAsync(1, "every resource was probed once");
    }

    /// <summary>
    /// For checks that answer at once: moves the clock <paramref name="count"/> intervals, one at a time, and after
    /// each waits until every resource was probed once more and its loop is parked again.
    /// </summary>
    public async Task RunIntervalsAsync(int count)
    {
        for (int i = 0; i < count; i++)
        {
            var before = AllChecks.Select(c => (Check: c, Calls: c.CallCount)).ToArray();
            Clock.AdvanceStepwise(Interval);
            await Poll.UntilAsync(
                () => before.All(b => b.Check.CallCount == b.Calls + 1) && Clock.ActiveTimerCount == LoopCount,
                $"interval {i + 1} of {count}: every resource probed once more");
        }
    }

    /// <summary>Moves the clock by <paramref name="by"/>, then waits until <paramref name="condition"/> holds.</summary>
    public async Task AdvanceAsync(TimeSpan by, Func<bool> condition, string what)
    {
        Clock.AdvanceStepwise(by);
        await Poll.UntilAsync(condition, what);
    }

    private Task WaitUntilParkedAsync(int calls, string what) =>
        Poll.UntilAsync(
            () => AllChecks.All(c => c.CallCount == calls) && Clock.ActiveTimerCount == LoopCount,
            what);

    private FakeCheck CreateCheck(CheckOptions check, string path, List<string> errors) => Check(TestOptions.IdOf(check));

    public async ValueTask DisposeAsync()
    {
        await Monitor.DisposeAsync();
        Transitions.Dispose();
        Outcomes.Dispose();
        LoggerFactory.Dispose();
        await _services.DisposeAsync();
    }
}
