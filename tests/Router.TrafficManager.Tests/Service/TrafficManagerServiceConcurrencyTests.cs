using System.Net;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Tests.Monitoring;
using static Router.TrafficManager.Tests.Service.ServiceHarness;

namespace Router.TrafficManager.Tests.Service;

/// <summary>
/// Probes finishing on several threads while manual switches and configuration applies run: whatever the interleaving,
/// the routing snapshot the DNS answers come from ends up with the scheduler's statuses.
/// </summary>
public sealed class TrafficManagerServiceConcurrencyTests
{
    private const int Rounds = 100;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ProbesSwitchesAndApplies_Concurrently_SnapshotMatchesSchedulerAfterEveryRound()
    {
        // Arrange: every probe hangs until a worker thread finishes it.
        await using var harness = new ServiceHarness();
        foreach (string target in (string[])[Primary, Secondary, Tertiary, WestTarget, EastTarget])
        {
            harness.Prober.Set(target, FakeBehaviour.Hang);
        }

        var service = harness.Create();
        WithoutSynchronizationContext(service.Start);
        var random = new Random(4242);
        (string Profile, string Endpoint)[] endpoints =
            [("app", "primary"), ("app", "secondary"), ("app", "tertiary"), ("web", "west"), ("web", "east")];
        int finished = 0;
        var seen = new HashSet<EndpointStatus>();

        for (int round = 0; round < Rounds; round++)
        {
            harness.Advance(round == 0 ? TimeSpan.Zero : Interval);
            var pending = harness.Prober.Calls.Where(c => !c.IsFinished).ToArray();
            bool[] outcomes = [.. pending.Select(_ => random.Next(3) != 0)];
            var switches = Enumerable.Range(0, 3).Select(_ => (endpoints[random.Next(endpoints.Length)], random.Next(3) != 0)).ToArray();
            var applied = Options();
            applied.Profiles[0].Ttl = 30 + round;
            applied.Profiles[0].Endpoints[2].Enabled = round % 3 != 0;
            using var start = new Barrier(4);

            // Act: two threads finish the probes, one switches endpoints, one applies a configuration.
            RunTogether(
                start,
                () => Interlocked.Add(ref finished, FinishEvery(pending, outcomes, 0)),
                () => Interlocked.Add(ref finished, FinishEvery(pending, outcomes, 1)),
                () =>
                {
                    foreach (var ((profile, endpoint), enabled) in switches)
                    {
                        Assert.True(service.TrySetEndpointEnabled(profile, endpoint, enabled, out string? error), error);
                    }
                },
                () => service.Apply(applied));

            // Assert
            AssertSnapshotMatchesScheduler(service, round);
            seen.UnionWith(service.GetProfiles().SelectMany(p => p.Endpoints).Select(e => e.Status));
        }

        // The run did what it is about: probes finished and moved endpoints both ways.
        Assert.True(finished > Rounds, $"only {finished} probes were finished by the workers");
        Assert.Superset(new HashSet<EndpointStatus> { EndpointStatus.Online, EndpointStatus.Degraded, EndpointStatus.Disabled }, seen);
    }

    /// <summary>Runs <paramref name="actions"/> on threads of their own, released together; rethrows the first failure.</summary>
    private static void RunTogether(Barrier start, params Action[] actions)
    {
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = actions.Select(action => new Thread(() =>
        {
            try
            {
                Assert.True(start.SignalAndWait(Bound), "the other threads did not start");
                action();
            }
            catch (Exception ex)
            {
                failures.Enqueue(ex);
            }
        })
        { IsBackground = true }).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            Assert.True(thread.Join(Bound), "a worker thread did not finish in time");
        }

        if (failures.TryDequeue(out var failure))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    private static int FinishEvery(ProbeCall[] pending, bool[] outcomes, int parity)
    {
        int finished = 0;
        for (int i = parity; i < pending.Length; i += 2)
        {
            var call = pending[i];
            bool ok = outcomes[i];
            call.Finish(new ProbeResult(ok, call.StartedAt, TimeSpan.Zero, ok ? 200 : 503, ok ? null : "status 503 not in 200-299"));
            finished++;
        }

        return finished;
    }

    /// <summary>
    /// The reports read the scheduler's states; Explain and DNS read the routing snapshot. They must say the same for
    /// every endpoint, and DNS must answer what Explain says.
    /// </summary>
    private static void AssertSnapshotMatchesScheduler(TrafficManagerService service, int round)
    {
        foreach (var profile in service.GetProfiles())
        {
            var explain = service.Explain(profile.Name, IPAddress.Parse("10.0.0.1"));
            Assert.NotNull(explain);
            Assert.Equal(
                profile.Endpoints.Select(e => (e.Name, e.Enabled, e.Status)),
                explain.Candidates.Select(c => (Name: c.Endpoint, c.Enabled, c.Status)));
            if (explain.Answer.Count == 0)
            {
                Assert.Equal(Router.Dns.DnsResponseCode.NameError, Ask(service, profile.Name, "10.0.0.1").ResponseCode);
            }
            else
            {
                Assert.True(explain.Answer.SequenceEqual(Addresses(service, profile.Name, "10.0.0.1").Select(a => "A " + a)),
                    $"round {round}: {profile.Name} answers differ from explain {string.Join(",", explain.Answer)}");
            }
        }
    }
}
