using CsCheck;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Monitoring;

/// <summary>
/// The endpoint health policy against a reference model over random sequences of probe results and manual
/// enable/disable switches (CsCheck). The model reads the history since the endpoint was last enabled as a whole,
/// instead of stepping counters. A failing case prints its seed; pass it to <c>Sample(seed: …)</c> to replay.
/// </summary>
public sealed class EndpointHealthPolicyPropertyTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A probe that succeeded (S) or failed (F), or a manual switch to enabled (E) or disabled (D).</summary>
    private static readonly Gen<char> Event = Gen.Frequency(
        (8, Gen.Const('S')), (8, Gen.Const('F')), (1, Gen.Const('E')), (1, Gen.Const('D')));

    private static readonly Gen<(int Tolerated, int SuccessesToOnline, bool Enabled, char[] Events)> Cases =
        Gen.Select(Gen.Int[0, 9], Gen.Int[0, 5], Gen.Frequency((4, Gen.Const(true)), (1, Gen.Const(false))), Event.Array[0, 40]);

    [Fact]
    public void Next_RandomProbesAndSwitches_AgreesWithHistoryModel()
    {
        Cases.Sample(c =>
        {
            // Arrange
            var monitor = new MonitorOptions { ToleratedFailures = c.Tolerated, SuccessesToOnline = c.SuccessesToOnline };
            var state = EndpointMonitorState.Initial(c.Enabled, Start);

            for (int i = 0; i < c.Events.Length; i++)
            {
                // Act
                var now = At(i);
                state = c.Events[i] switch
                {
                    'S' or 'F' => EndpointHealthPolicy.Next(state, Probe(c.Events[i] == 'S', now), monitor, now),
                    var toggle => EndpointHealthPolicy.SetEnabled(state, toggle == 'E', now),
                };

                // Assert
                var expected = Model(c.Tolerated, c.SuccessesToOnline, c.Enabled, c.Events.AsSpan(0, i + 1));
                Assert.Equal(expected, (state.Status, state.ConsecutiveFailures, state.ConsecutiveSuccesses, state.LastStatusChange,
                    state.LastProbe?.StartedAt));
            }
        }, iter: 10_000, print: c => $"T={c.Tolerated} S={c.SuccessesToOnline} enabled={c.Enabled} {new string(c.Events)}");
    }

    private static ProbeResult Probe(bool succeeded, DateTimeOffset at) =>
        new(succeeded, at, TimeSpan.FromMilliseconds(5), succeeded ? 200 : 503, succeeded ? null : "status 503 not in 200-299");

    private static (EndpointStatus, int, int, DateTimeOffset?, DateTimeOffset?) Model(
        int tolerated, int successesToOnline, bool enabledAtStart, ReadOnlySpan<char> events)
    {
        var statuses = new EndpointStatus[events.Length + 1];
        statuses[0] = enabledAtStart ? EndpointStatus.CheckingEndpoint : EndpointStatus.Disabled;
        DateTimeOffset lastChange = Start;
        for (int end = 1; end <= events.Length; end++)
        {
            statuses[end] = StatusAfter(tolerated, successesToOnline, enabledAtStart, events[..end], out _);
            if (statuses[end] != statuses[end - 1])
            {
                lastChange = At(end - 1);
            }
        }

        StatusAfter(tolerated, successesToOnline, enabledAtStart, events, out var segment);
        bool enabled = statuses[^1] != EndpointStatus.Disabled;
        int failures = enabled ? TrailingRun(segment, 'F') : 0;
        int successes = enabled ? TrailingRun(segment, 'S') : 0;

        // The last probe that arrived while the endpoint was enabled (a disabled endpoint ignores results).
        DateTimeOffset? lastProbe = null;
        for (int i = 0; i < events.Length; i++)
        {
            if (events[i] is 'S' or 'F' && statuses[i] != EndpointStatus.Disabled)
            {
                lastProbe = At(i);
            }
        }

        return (statuses[^1], failures, successes, lastChange, lastProbe);
    }

    /// <summary>
    /// The status after <paramref name="events"/>: Disabled after a disable with no enable since; otherwise, over the
    /// probes since the endpoint was (re-)enabled: Degraded when a run of failures reached <c>tolerated + 1</c> and no
    /// run of <c>max(1, successesToOnline)</c> successes followed the last such run; else Online when any probe
    /// succeeded; else CheckingEndpoint.
    /// </summary>
    private static EndpointStatus StatusAfter(int tolerated, int successesToOnline, bool enabledAtStart, ReadOnlySpan<char> events,
        out char[] segment)
    {
        bool enabled = enabledAtStart;
        int segmentStart = 0;
        for (int i = 0; i < events.Length; i++)
        {
            if (events[i] == 'E' && !enabled)
            {
                enabled = true;
                segmentStart = i + 1;
            }
            else if (events[i] == 'D')
            {
                enabled = false;
            }
        }

        segment = [.. events[segmentStart..].ToArray().Where(e => e is 'S' or 'F')];
        if (!enabled)
        {
            return EndpointStatus.Disabled;
        }

        int lastDown = -1;
        for (int i = 0; i < segment.Length; i++)
        {
            if (TrailingRun(segment.AsSpan(0, i + 1), 'F') > tolerated)
            {
                lastDown = i;
            }
        }

        if (lastDown >= 0)
        {
            bool recovered = false;
            for (int i = lastDown + 1; i < segment.Length; i++)
            {
                recovered |= TrailingRun(segment.AsSpan(0, i + 1), 'S') >= Math.Max(1, successesToOnline);
            }

            if (!recovered)
            {
                return EndpointStatus.Degraded;
            }
        }

        return segment.Contains('S') ? EndpointStatus.Online : EndpointStatus.CheckingEndpoint;
    }

    private static int TrailingRun(ReadOnlySpan<char> probes, char result)
    {
        int run = 0;
        for (int i = probes.Length - 1; i >= 0 && probes[i] == result; i--)
        {
            run++;
        }

        return run;
    }

    private static DateTimeOffset At(int index) => Start + TimeSpan.FromSeconds(index + 1);
}
