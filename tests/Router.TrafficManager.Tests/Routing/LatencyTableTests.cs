using System.Globalization;
using System.Net;
using Router.Dns;
using Router.Testing;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Tests.Routing;

/// <summary><see cref="LatencyTable"/>: longest-prefix match per family, the RFC 7871 scope, and lookups at scale.</summary>
public sealed class LatencyTableTests
{
    private static readonly LatencyTable Table = LatencyTable.Build(
    [
        RoutingFixtures.Row("0.0.0.0/0", ("eastus", 100)),
        RoutingFixtures.Row("10.0.0.0/8", ("eastus", 40), ("westeurope", 60)),
        RoutingFixtures.Row("10.1.0.0/16", ("eastus", 90), ("westeurope", 5)),
        RoutingFixtures.Row("10.1.2.128/25", ("eastasia", 1)),
        RoutingFixtures.Row("2001:db8::/32", ("westeurope", 20)),
        RoutingFixtures.Row("2001:db8:1::/48", ("eastasia", 7)),
    ]);

    [Theory]
    [InlineData("10.1.2.3", "10.1.0.0/16", 25)]      // 10.1.2.128/25 lies inside the /16: only 10.1.2.0/25 is sure
    [InlineData("10.1.2.200", "10.1.2.128/25", 25)]
    [InlineData("10.2.0.1", "10.0.0.0/8", 15)]       // 10.2.0.0/15 holds no more specific row
    [InlineData("10.200.0.1", "10.0.0.0/8", 9)]
    [InlineData("192.0.2.1", "0.0.0.0/0", 1)]        // 128.0.0.0/1 holds no row but the default
    [InlineData("10.1.77.1", "10.1.0.0/16", 18)]     // 10.1.64.0/18 holds no more specific row
    [InlineData("10.1.200.1", "10.1.0.0/16", 17)]    // nor does 10.1.128.0/17
    [InlineData("::ffff:10.1.2.3", "10.1.0.0/16", 25)] // IPv4-mapped IPv6 is IPv4
    [InlineData("2001:db8:1::5", "2001:db8:1::/48", 48)]
    [InlineData("2001:db8:2::5", "2001:db8::/32", 47)]
    public void Lookup_Address_LongestPrefixAndScope(string address, string network, int scope)
    {
        // Act
        var row = Table.Lookup(NetworkAddress.FromIPAddress(IPAddress.Parse(address)), out byte actualScope);

        // Assert
        Assert.Equal(network, row?.NetworkText);
        Assert.Equal(scope, actualScope);
    }

    [Fact]
    public void Lookup_IPv6AddressWithoutIPv6Row_NoMatchAndShortScope()
    {
        // Act: IPv4 rows never match IPv6 clients (0.0.0.0/0 is IPv4's default only).
        var row = Table.Lookup(NetworkAddress.FromIPAddress(IPAddress.Parse("fd00::1")), out byte scope);

        // Assert: fd00::/1 holds no IPv6 row.
        Assert.Null(row);
        Assert.Equal(1, scope);
    }

    [Fact]
    public void Lookup_EmptyTable_NoMatchScopeZero()
    {
        // Act
        var row = LatencyTable.Empty.Lookup(NetworkAddress.FromIPAddress(IPAddress.Loopback), out byte scope);

        // Assert
        Assert.Null(row);
        Assert.Equal(0, scope);
    }

    [Fact]
    public void Lookup_Latencies_ByLocationIndexNaNWhenAbsent()
    {
        // Act
        var row = Table.Lookup(NetworkAddress.FromIPAddress(IPAddress.Parse("10.1.2.3")), out _)!;

        // Assert
        Assert.Equal(5, row.LatencyTo(Table.LocationIndex("WestEurope")));
        Assert.True(double.IsNaN(row.LatencyTo(Table.LocationIndex("eastasia"))));
        Assert.True(double.IsNaN(row.LatencyTo(Table.LocationIndex("nowhere"))));
        Assert.Equal(-1, Table.LocationIndex("nowhere"));
    }

    [Fact]
    public void Lookup_FiveThousandRows_EachFoundWithoutAllocating()
    {
        // Arrange: 5,000 /24s under 10.0.0.0/8, plus the /8 itself.
        var rows = new List<LatencyEntryOptions> { RoutingFixtures.Row("10.0.0.0/8", ("eastus", 1)) };
        for (int i = 0; i < 5000; i++)
        {
            rows.Add(RoutingFixtures.Row(string.Create(CultureInfo.InvariantCulture, $"10.{i / 256}.{i % 256}.0/24"), ("eastus", i)));
        }

        var table = LatencyTable.Build(rows);
        var addresses = Enumerable.Range(0, 5000)
            .Select(i => NetworkAddress.FromBytes([10, (byte)(i / 256), (byte)(i % 256), 77]))
            .ToArray();
        int eastus = table.LocationIndex("eastus");
        double sum = 0;

        // Act
        var allocated = Allocations.Measure(() =>
        {
            sum = 0;
            foreach (var address in addresses)
            {
                sum += table.Lookup(address, out _)!.LatencyTo(eastus);
            }
        });

        // Assert: every address found its own /24 (latency i), none the /8.
        Assert.Equal(Enumerable.Range(0, 5000).Sum(i => (double)i), sum);
        Assert.True(allocated.Bytes == 0, $"allocated {allocated}");
        Assert.Equal(5001, table.Rows.Count);
    }

    [Fact]
    public void Build_DuplicateNetwork_FirstRowKept()
    {
        // Act
        var table = LatencyTable.Build([RoutingFixtures.Row("10.0.0.0/8", ("a", 1)), RoutingFixtures.Row("10.0.0.0/8", ("a", 2))]);

        // Assert
        var row = Assert.Single(table.Rows);
        Assert.Equal(1, row.LatencyTo(table.LocationIndex("a")));
    }
}
