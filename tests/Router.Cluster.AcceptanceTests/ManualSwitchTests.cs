using System.Diagnostics;
using System.Net;
using Router.Cluster.AcceptanceTests.TestSupport;
using Xunit.Abstractions;

namespace Router.Cluster.AcceptanceTests;

/// <summary>Acceptance 1: a manual switch made on one instance is what every instance answers, within 1 s.</summary>
public sealed class ManualSwitchTests(ClusterTopology topology, ITestOutputHelper output) : ClusterTest(topology, output)
{
    /// <summary>The acceptance's figure: from the PUT on router-1 to the answer of router-2 and router-3.</summary>
    private static readonly TimeSpan PropagationBound = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task DisableOnInstance1_GoneFromAnswersOf2And3Within1s_EnableBringsItBackAsFast()
    {
        var others = new[] { Instance(2), Instance(3) };

        // Act 1: eastus disabled through router-1's admin API.
        var clock = Stopwatch.StartNew();
        var (status, body) = await Instance(1).PutEnabledAsync("eastus", enabled: false);
        var answered = clock.Elapsed;
        Assert.True(status == HttpStatusCode.OK, $"PUT answered {(int)status}: {body}");
        var gone = await TimesUntilAnswerAsync(clock, others, "westeurope", PropagationBound + Overrun);

        // Assert 1
        Report($"disable eastus on router-1: PUT answered after {answered.TotalSeconds:0.000} s");
        await AssertWithinAsync("disable eastus on router-1 -> router-2 answers westeurope", gone[0], PropagationBound);
        await AssertWithinAsync("disable eastus on router-1 -> router-3 answers westeurope", gone[1], PropagationBound);
        Assert.Equal("westeurope", await Instance(1).AnsweredRegionAsync());

        // Act 2: enabled again, still through router-1.
        clock.Restart();
        (status, body) = await Instance(1).PutEnabledAsync("eastus", enabled: true);
        Assert.True(status == HttpStatusCode.OK, $"PUT answered {(int)status}: {body}");
        var back = await TimesUntilAnswerAsync(clock, others, "eastus", PropagationBound + Overrun);

        // Assert 2
        await AssertWithinAsync("enable eastus on router-1 -> router-2 answers eastus", back[0], PropagationBound);
        await AssertWithinAsync("enable eastus on router-1 -> router-3 answers eastus", back[1], PropagationBound);
        Assert.Equal("eastus", await Instance(1).AnsweredRegionAsync());
    }
}
