using CsCheck;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Tests.Routing;

/// <summary>
/// <see cref="LatencyTable.Lookup"/> (a binary trie) against a naive linear search over the rows, and its RFC 7871
/// scope against the same search over every address the scope claims to cover. A failing case prints its seed; pass
/// it to <c>Sample(seed: …)</c> to replay.
/// </summary>
public sealed class LatencyTablePropertyTests
{
    private static readonly Gen<(TestPrefix[] Rows, TestAddress[] Clients, byte[][] Noise)> Cases =
        from seeds in PrefixCases.Seeds
        from rows in PrefixCases.Prefix(seeds).Array[0, 12]
        from clients in PrefixCases.Address(seeds).Array[1, 8]
        from noise in Gen.Byte.Array[16].Array[4]
        select (rows, clients, noise);

    [Fact]
    public void Lookup_RandomRowsAndClients_SameRowAsLinearSearch()
    {
        Cases.Sample(c =>
        {
            // Arrange
            var table = Build(c.Rows);

            foreach (var client in c.Clients)
            {
                // Act
                var row = table.Lookup(client.ToNetworkAddress(), out _);

                // Assert
                Assert.Equal(Naive(c.Rows, client)?.Text, row?.NetworkText);
            }
        }, iter: 20_000, print: Print);
    }

    [Fact]
    public void Lookup_RandomRowsAndClients_EveryAddressInTheScopeGetsTheSameRow()
    {
        Cases.Sample(c =>
        {
            // Arrange
            var table = Build(c.Rows);

            foreach (var client in c.Clients)
            {
                // Act
                var row = table.Lookup(client.ToNetworkAddress(), out byte scope);

                // Assert: the scope covers at least the matched network, and every address in it matches the same row.
                Assert.InRange(scope, Naive(c.Rows, client)?.Length ?? 0, client.Width);
                foreach (var neighbour in PrefixCases.InScope(client, scope, c.Noise))
                {
                    Assert.Equal(row?.NetworkText, Naive(c.Rows, neighbour)?.Text);
                }
            }
        }, iter: 10_000, print: Print);
    }

    internal static LatencyTable Build(IEnumerable<TestPrefix> rows) =>
        LatencyTable.Build([.. rows.Select((p, i) => RoutingFixtures.Row(p.Text, ($"l{i % 3}", i)))]);

    /// <summary>The first of the longest rows that contain <paramref name="address"/>, by reading every row.</summary>
    internal static TestPrefix? Naive(IEnumerable<TestPrefix> rows, TestAddress address)
    {
        TestPrefix? best = null;
        foreach (var row in rows)
        {
            if (row.Contains(address) && (best is null || row.Length > best.Length))
            {
                best = row;
            }
        }

        return best;
    }

    private static string Print((TestPrefix[] Rows, TestAddress[] Clients, byte[][] Noise) c) =>
        $"rows [{string.Join(", ", c.Rows.Select(r => r.Text))}] clients [{string.Join(", ", c.Clients.Select(a => a.ToString()))}]";
}
