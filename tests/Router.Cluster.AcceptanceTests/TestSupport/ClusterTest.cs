using System.Diagnostics;
using System.Globalization;
using Router.Testing;
using Xunit.Abstractions;

namespace Router.Cluster.AcceptanceTests.TestSupport;

/// <summary>
/// What every acceptance test shares: the topology, restored before each test, and the ways to time and watch answers.
/// Every wait is bounded; a figure the acceptance fixes is measured from the moment of the action and printed before it
/// is asserted, so a CI log shows it whether it passed or not.
/// </summary>
[Collection(ClusterCollection.Name)]
public abstract class ClusterTest(ClusterTopology topology, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>How long a wait for a figure under test goes on past its bound, so a miss is measured rather than cut off.</summary>
    internal static readonly TimeSpan Overrun = TimeSpan.FromSeconds(10);

    protected ClusterTopology Topology { get; } = topology;

    protected ITestOutputHelper Output { get; } = output;

    internal IReadOnlyList<ClusterRouter> Routers => Topology.Routers;

    internal ClusterRouter Instance(int number) => Topology[number];

    public Task InitializeAsync() => Topology.RestoreAsync(Output);

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>To the test output and the console of <c>dotnet test</c>.</summary>
    internal void Report(string text)
    {
        Output.WriteLine(text);
        Topology.Log(text);
    }

    /// <summary>
    /// The time on <paramref name="clock"/> at which <paramref name="condition"/> was first seen to hold, or null when it
    /// did not hold by <paramref name="giveUp"/> on that clock. Looks again at once (a yield), then every few ms.
    /// </summary>
    internal static async Task<TimeSpan?> TimeUntilAsync(Stopwatch clock, Func<Task<bool>> condition, TimeSpan giveUp)
    {
        var left = giveUp - clock.Elapsed;
        return await Poll.TryUntilAsync(condition, left > TimeSpan.Zero ? left : TimeSpan.Zero) ? clock.Elapsed : null;
    }

    /// <summary>For each of <paramref name="routers"/>, when it first answered <paramref name="region"/> (null: not by <paramref name="giveUp"/>).</summary>
    internal static async Task<IReadOnlyList<TimeSpan?>> TimesUntilAnswerAsync(Stopwatch clock, IEnumerable<ClusterRouter> routers, string region, TimeSpan giveUp) =>
        await Task.WhenAll(routers.Select(r => TimeUntilAsync(clock, async () => await r.AnsweredRegionAsync() == region, giveUp)));

    /// <summary>
    /// Asks every router in <paramref name="routers"/> over and over for <paramref name="window"/> and fails unless every
    /// answer was <paramref name="region"/> (and each was asked at least a few times).
    /// </summary>
    internal async Task AssertAnswersStayAsync(IReadOnlyList<ClusterRouter> routers, string region, TimeSpan window, string why)
    {
        var clock = Stopwatch.StartNew();
        var seen = routers.ToDictionary(r => r.Id, _ => new List<(TimeSpan At, string Region)>(), StringComparer.Ordinal);
        while (clock.Elapsed < window)
        {
            var round = await Task.WhenAll(routers.Select(async r => (r.Id, Region: await r.AnsweredRegionAsync())));
            foreach (var (id, answered) in round)
            {
                seen[id].Add((clock.Elapsed, answered));
            }

            await Task.Delay(50);
        }

        foreach (var (id, answers) in seen)
        {
            var other = answers.FirstOrDefault(a => a.Region != region);
            if (other != default || answers.Count < 3)
            {
                throw await Topology.FailureAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{id} must answer {region} ({why}) for {window.TotalSeconds:0.#} s, but answered {other.Region} at +{other.At.TotalSeconds:0.00} s ({answers.Count} answers)"));
            }
        }

        Report($"{string.Join(", ", routers.Select(r => r.Id))}: every answer in the {window.TotalSeconds:0.#} s window was {region} ({why}; {seen.Values.Sum(a => a.Count)} answers)");
    }

    /// <summary>Fails (with every router's state) when a time is missing or above its bound; prints it either way.</summary>
    internal async Task AssertWithinAsync(string what, TimeSpan? measured, TimeSpan bound)
    {
        Report(measured is { } m
            ? string.Create(CultureInfo.InvariantCulture, $"{what}: {m.TotalSeconds:0.000} s (bound {bound.TotalSeconds:0.0##} s)")
            : string.Create(CultureInfo.InvariantCulture, $"{what}: not within {(bound + Overrun).TotalSeconds:0.#} s (bound {bound.TotalSeconds:0.0##} s)"));
        if (measured is null || measured > bound)
        {
            throw await Topology.FailureAsync($"{what} took longer than {bound.TotalSeconds:0.0##} s");
        }
    }

    /// <summary>The view <paramref name="instance"/> has of <paramref name="endpoint"/> as <paramref name="router"/> reports it, or null.</summary>
    internal static async Task<string?> ViewAsync(ClusterRouter router, string endpoint, string instance)
    {
        var profile = await router.TryGetAsync("api/profiles/" + ClusterConfig.Profile);
        if (profile is null)
        {
            return null;
        }

        var item = profile.Value.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("name").GetString() == endpoint);
        return item.TryGetProperty("views", out var views)
            ? views.EnumerateArray().Where(v => v.GetProperty("instance").GetString() == instance).Select(v => v.GetProperty("status").GetString()).FirstOrDefault()
            : null;
    }
}
