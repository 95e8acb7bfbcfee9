using System.Globalization;
using System.Text;
using Router.EndToEndTests.TestSupport;

namespace Router.EndToEndTests.ThreeRegions;

/// <summary>One <c>dig</c> of a tenant's name inside the namespace: when it returned, the A record and the status.</summary>
internal sealed record Observation(TimeSpan At, string Tenant, string? Address, string Status)
{
    public bool Answered => Status == "NOERROR" && Address is not null;
}

/// <summary>
/// Asks Router (inside the namespace, with <c>dig</c>) for every tenant's name in rounds, every
/// <see cref="Period"/>, from start to dispose, and keeps every answer. The tests' assertions read these
/// observations: when a name first left the home region, and whether another never did.
/// </summary>
internal sealed class AnswerPoller : IAsyncDisposable
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(200);

    private readonly ThreeRegionsTopology _topology;
    private readonly IReadOnlyList<string> _tenants;
    private readonly Lock _lock = new();
    private readonly List<Observation> _observations_NeedsLock = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public AnswerPoller(ThreeRegionsTopology topology, IReadOnlyList<string>? tenants = null)
    {
        _topology = topology;
        _tenants = tenants ?? topology.Config.Tenants;
        _loop = Task.Run(LoopAsync);
    }

    public IReadOnlyList<Observation> Observations
    {
        get
        {
            lock (_lock)
            {
                return [.. _observations_NeedsLock];
            }
        }
    }

    public IReadOnlyList<Observation> Of(string tenant, TimeSpan from, TimeSpan? until = null) =>
        [.. Observations.Where(o => o.Tenant == tenant && o.At >= from && (until is null || o.At <= until))];

    /// <summary>The first observation of <paramref name="tenant"/> at or after <paramref name="from"/> that matches.</summary>
    public Observation? First(string tenant, TimeSpan from, Func<Observation, bool> match) =>
        Observations.FirstOrDefault(o => o.Tenant == tenant && o.At >= from && match(o));

    /// <summary>
    /// Waits until <paramref name="done"/> holds over the observations or the test clock passes
    /// <paramref name="deadline"/>; true when it held.
    /// </summary>
    public async Task<bool> WaitUntilAsync(Func<AnswerPoller, bool> done, TimeSpan deadline)
    {
        while (true)
        {
            if (done(this))
            {
                return true;
            }

            if (TestClock.Now >= deadline || _loop.IsCompleted)
            {
                return done(this);
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the clock passes <paramref name="until"/> and one more full round has been recorded after it.</summary>
    public async Task WaitThroughAsync(TimeSpan until)
    {
        var now = TestClock.Now;
        if (until > now)
        {
            await Task.Delay(until - now);
        }

        await WaitUntilAsync(p => _tenants.All(t => p.Observations.Any(o => o.Tenant == t && o.At > until)), until + TimeSpan.FromSeconds(10));
    }

    /// <summary>One line per tenant: each run of equal answers with the time it started, for the test output.</summary>
    public string Summary(TimeSpan origin, TimeSpan from)
    {
        var text = new StringBuilder();
        foreach (string tenant in _tenants)
        {
            var runs = new List<string>();
            string? previous = null;
            int count = 0;
            foreach (var o in Of(tenant, from))
            {
                count++;
                string value = o.Answered ? _topology.Config.RegionOf(o.Address) : o.Status;
                if (value != previous)
                {
                    runs.Add(string.Create(CultureInfo.InvariantCulture, $"{(o.At - origin).TotalSeconds:+0.0;-0.0} s {value}"));
                    previous = value;
                }
            }

            text.Append(CultureInfo.InvariantCulture, $"  {tenant,-9} ({count} answers): {string.Join(" -> ", runs)}\n");
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var round = await Task.WhenAll(_tenants.Select(QueryAsync));
            lock (_lock)
            {
                _observations_NeedsLock.AddRange(round);
            }

            try
            {
                await Task.Delay(Period, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<Observation> QueryAsync(string tenant)
    {
        try
        {
            var result = await _topology.DigAsync(_topology.Config.Name(tenant));
            string? address = result.Answers("A").LastOrDefault()?.Data;
            return new Observation(TestClock.Now, tenant, address, result.Status ?? $"no answer (dig exit {result.ExitCode})");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new Observation(TestClock.Now, tenant, null, "dig failed: " + ex.Message);
        }
    }
}
