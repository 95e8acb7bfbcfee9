using System.Globalization;
using System.Text;
using Router.EndToEndTests.TestSupport;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Router.EndToEndTests.ThreeRegions;

/// <summary>
/// What every end-to-end test shares: the topology, its output, and the rule that a test starts from and leaves
/// behind a healed topology (every name on the home region, every endpoint Online).
/// </summary>
[Collection(ThreeRegionsCollection.Name)]
public abstract class EndToEndTest(ThreeRegionsTopology topology, ITestOutputHelper output) : IAsyncLifetime
{
    protected ThreeRegionsTopology Topology { get; } = topology;

    protected ITestOutputHelper Output { get; } = output;

    internal TopologyConfig Config => Topology.Config;

    internal FailoverBounds Bounds => Topology.Config.Bounds;

    internal string Home => Config.HomeRegion;

    internal string HomeFront => Config.Fronts[Home];

    public virtual async Task InitializeAsync()
    {
        if (!Topology.UpReported && Topology.UpResult is not null)
        {
            Topology.UpReported = true;
            Output.WriteLine(Topology.UpResult.ToString());
        }

        Output.WriteLine($"namespace {Topology.Namespace}, state {Topology.StateDirectory}, ROUTER_BIN {Topology.RouterBin}");
        Output.WriteLine(Bounds.ToString());
        await Topology.RestoreAsync(Output, "before the test");
    }

    public virtual async Task DisposeAsync()
    {
        try
        {
            await Topology.RestoreAsync(Output, "after the test");
        }
        catch (XunitException ex)
        {
            // The next test restores again and fails clearly if it cannot; this one has said what it saw.
            Output.WriteLine("restoring the topology after the test failed: " + ex.Message);
        }
    }

    /// <summary>A failure carrying the commands involved, the answers seen, the script's status and the logs.</summary>
    internal async Task<XunitException> FailureAsync(string message, AnswerPoller? poller = null, TimeSpan? origin = null, params CommandResult?[] related)
    {
        var text = new StringBuilder(message).AppendLine();
        if (poller is not null)
        {
            text.AppendLine("answers seen (seconds after the fault):").Append(poller.Summary(origin ?? TimeSpan.Zero, origin ?? TimeSpan.Zero));
        }

        foreach (var result in related.Where(r => r is not null))
        {
            text.AppendLine(result!.ToString());
        }

        text.Append(await Topology.DiagnosticsAsync());
        return new XunitException(text.ToString());
    }

    /// <summary>
    /// Writes to the test output and, as an xunit diagnostic message, to the console of <c>dotnet test</c> at its
    /// normal verbosity — so a CI log shows the timelines and measured times of passing tests too.
    /// </summary>
    internal void Report(string text)
    {
        Output.WriteLine(text);
        Topology.Log(text);
    }

    /// <summary>Runs the script's <c>timeline</c> and reports it (test output and CI log).</summary>
    internal async Task WriteTimelineAsync(string title)
    {
        var timeline = await Topology.ScriptAsync(TimeSpan.FromSeconds(30), "timeline");
        Report($"===== timeline: {title} ====={Environment.NewLine}{timeline.Stdout.Trim()}");
        if (!timeline.Succeeded)
        {
            Output.WriteLine(timeline.ToString());
        }
    }

    /// <summary>Asserts every observation of <paramref name="tenants"/> in the window answered the home region.</summary>
    internal async Task AssertStayedHomeAsync(AnswerPoller poller, IEnumerable<string> tenants, TimeSpan from, TimeSpan until, string why, params CommandResult?[] related)
    {
        foreach (string tenant in tenants)
        {
            var seen = poller.Of(tenant, from, until);
            var away = seen.Where(o => !o.Answered || o.Address != HomeFront).ToList();
            var gap = LongestGap(seen, from, until);
            if (seen.Count < 3 || gap > MaxObservationGap || away.Count > 0)
            {
                string detail = away.Count > 0
                    ? string.Create(CultureInfo.InvariantCulture, $"{away.Count} of {seen.Count} answers were not {Home}, first at +{(away[0].At - from).TotalSeconds:0.0} s: {Config.RegionOf(away[0].Address)} ({away[0].Status})")
                    : $"the window was not watched throughout: {seen.Count} answers, the longest time without one {Seconds(gap)} (at most {Seconds(MaxObservationGap)})";
                throw await FailureAsync($"{Config.Name(tenant)} must stay on {Home} ({why}) for {(until - from).TotalSeconds:0.#} s: {detail}", poller, from, related);
            }

            Report($"{tenant}: all {seen.Count} answers in the {(until - from).TotalSeconds:0.#} s window were {Home} ({why})");
        }
    }

    /// <summary>
    /// The longest a "stayed home" window may go without an answer: a wrong move lasts at least until the thresholds
    /// bring it back (seconds), so a window watched at least this often cannot miss one. It bounds coverage, not the
    /// poller's rate: a loaded machine starts <c>dig</c> more slowly, and a count of answers per window would fail there.
    /// </summary>
    private static readonly TimeSpan MaxObservationGap = TimeSpan.FromSeconds(3);

    /// <summary>The longest stretch of [<paramref name="from"/>, <paramref name="until"/>] without an observation.</summary>
    private static TimeSpan LongestGap(IReadOnlyList<Observation> seen, TimeSpan from, TimeSpan until)
    {
        var longest = TimeSpan.Zero;
        var previous = from;
        foreach (var observation in seen)
        {
            longest = TimeSpan.FromTicks(Math.Max(longest.Ticks, (observation.At - previous).Ticks));
            previous = observation.At;
        }

        return TimeSpan.FromTicks(Math.Max(longest.Ticks, (until - previous).Ticks));
    }

    /// <summary>The time a line containing <paramref name="text"/> was read from <paramref name="result"/>, or null.</summary>
    internal static TimeSpan? LineAt(CommandResult result, string text) =>
        result.Lines.FirstOrDefault(l => l.Text.Contains(text, StringComparison.Ordinal))?.At;

    internal static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
}
