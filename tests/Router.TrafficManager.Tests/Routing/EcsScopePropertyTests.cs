using CsCheck;
using Router.Dns;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Routing;
using static Router.TrafficManager.Tests.Routing.RoutingFixtures;

namespace Router.TrafficManager.Tests.Routing;

/// <summary>
/// The ECS scope a routing decision carries (RFC 7871 §7.2.1, echoed as the SCOPE PREFIX-LENGTH of the answer): every
/// client address inside the scope gets the same answer. Random latency tables, endpoint states and subnet maps for
/// the methods that depend on the client (Performance, Subnet). A failing case prints its seed; pass it to
/// <c>Sample(seed: …)</c> to replay.
/// </summary>
public sealed class EcsScopePropertyTests
{
    private static readonly Gen<EndpointRoutingState> State = Gen.Frequency(
        (6, Gen.Const(Online)), (2, Gen.Const(Degraded)), (1, Gen.Const(Checking)), (1, Gen.Const(Disabled)));

    private static readonly Gen<PerformanceCase> PerformanceCases =
        from seeds in PrefixCases.Seeds
        from states in State.Array[1, 4]
        from rows in Gen.Select(PrefixCases.Prefix(seeds), Gen.Int[0, 60].Array[4]).Array[0, 10]
        from clients in PrefixCases.Address(seeds).Array[1, 6]
        from noise in Gen.Byte.Array[16].Array[4]
        select new PerformanceCase(states, rows, clients, noise);

    private static readonly Gen<SubnetCase> SubnetCases =
        from seeds in PrefixCases.Seeds
        from states in State.Array[1, 4]
        from subnets in Gen.Select(Gen.Int[0, 3], PrefixCases.Prefix(seeds)).Array[0, 8]
        from clients in PrefixCases.Address(seeds).Array[1, 6]
        from noise in Gen.Byte.Array[16].Array[4]
        select new SubnetCase(states, subnets, clients, noise);

    [Fact]
    public void Route_PerformanceRandomTables_SameAnswerForEveryClientInScope()
    {
        PerformanceCases.Sample(c =>
        {
            // Arrange: latencies 0-49 count, 50-60 leave the location out of the row (NaN).
            var profile = Profile("p", RoutingMethod.Performance, [.. c.States.Select((_, i) => $"192.0.2.{i + 1}")]);
            var rows = c.Rows.Select(r => Row(r.Item1.Text,
                [.. r.Item2.Take(c.States.Length).Select((latency, i) => ($"l{i}", (double)latency)).Where(l => l.Item2 < 50)]));
            var routing = Snapshot(Options([profile], [.. rows]), c.States);

            // Act, Assert
            AssertScopeHolds(routing, c.Clients, c.Noise);
        }, iter: 10_000, print: c => c.ToString());
    }

    [Fact]
    public void Route_SubnetRandomMaps_SameAnswerForEveryClientInScope()
    {
        SubnetCases.Sample(c =>
        {
            // Arrange: subnets of different endpoints may overlap here; the map gives shared addresses to the first.
            var profile = Profile("s", RoutingMethod.Subnet, [.. c.States.Select((_, i) => $"192.0.2.{i + 1}")]);
            foreach (var (endpoint, prefix) in c.Subnets)
            {
                profile.Endpoints[endpoint % c.States.Length].Subnets.Add(prefix.Text);
            }

            var routing = Snapshot(Options([profile]), c.States);

            // Act, Assert
            AssertScopeHolds(routing, c.Clients, c.Noise);
        }, iter: 10_000, print: c => c.ToString());
    }

    private static ProfileRouting Snapshot(TrafficManagerOptions options, EndpointRoutingState[] states) =>
        RoutingSnapshot.Build(options, (_, endpoint) => states[int.Parse(endpoint[1..], System.Globalization.CultureInfo.InvariantCulture)])
            .FindProfile(options.Profiles[0].Name!)!;

    private static void AssertScopeHolds(ProfileRouting routing, TestAddress[] clients, byte[][] noise)
    {
        foreach (var client in clients)
        {
            var decision = Route(routing, client.ToNetworkAddress());
            Assert.InRange(decision.Scope, 0, client.Width);
            foreach (var neighbour in PrefixCases.InScope(client, decision.Scope, noise))
            {
                var other = Route(routing, neighbour.ToNetworkAddress());
                Assert.True(decision.Answer == other.Answer,
                    $"{client} got {decision.Answer} with scope /{decision.Scope}, but {neighbour} in that scope got {other.Answer}");
            }
        }
    }

    private static (string Answer, int Scope) Route(ProfileRouting routing, NetworkAddress client)
    {
        var decision = default(RoutingDecision);
        routing.Route(client, RouteFamily.Any, ref decision);
        var chosen = Enumerable.Range(0, decision.Count).Select(i => routing.Endpoints[decision[i]].Name);
        return ($"{decision.Rule}: {string.Join(",", chosen)}", decision.Scope);
    }

    private sealed record PerformanceCase(
        EndpointRoutingState[] States, (TestPrefix, int[])[] Rows, TestAddress[] Clients, byte[][] Noise)
    {
        public override string ToString() =>
            $"states [{string.Join(", ", States.Select(s => s.Status))}] rows [{string.Join("; ", Rows.Select(r => $"{r.Item1} {string.Join(" ", r.Item2)}"))}] clients [{string.Join(", ", Clients.Select(a => a.ToString()))}]";
    }

    private sealed record SubnetCase(
        EndpointRoutingState[] States, (int, TestPrefix)[] Subnets, TestAddress[] Clients, byte[][] Noise)
    {
        public override string ToString() =>
            $"states [{string.Join(", ", States.Select(s => s.Status))}] subnets [{string.Join(", ", Subnets.Select(s => $"e{s.Item1}={s.Item2}"))}] clients [{string.Join(", ", Clients.Select(a => a.ToString()))}]";
    }
}
