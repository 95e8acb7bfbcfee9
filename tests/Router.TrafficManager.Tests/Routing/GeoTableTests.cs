using System.Net;
using Router.Dns;
using Router.TrafficManager.Routing;

namespace Router.TrafficManager.Tests.Routing;

/// <summary><see cref="GeoTableBuilder"/> and <see cref="GeoTable.Lookup"/>: locations, merging, gaps and scopes.</summary>
public sealed class GeoTableTests
{
    private static GeoLocation Lookup(GeoTable table, string address) => table.Lookup(NetworkAddress.FromIPAddress(IPAddress.Parse(address)));

    [Fact]
    public void Lookup_AddressInNetwork_CountryContinentAndNetworkPrefixAsScope()
    {
        // Act
        var location = Lookup(GeoFixtures.Table(), "10.1.2.3");

        // Assert
        Assert.Equal(("DE", "EU", (byte)16), (location.CountryCode, location.ContinentCode, location.Scope));
    }

    [Fact]
    public void Lookup_NetworkWithoutCountry_ContinentOnly()
    {
        // Act
        var location = Lookup(GeoFixtures.Table(), "10.5.0.1");

        // Assert
        Assert.Null(location.CountryCode);
        Assert.Equal("EU", location.ContinentCode);
        Assert.True(location.IsKnown);
    }

    [Fact]
    public void Lookup_AddressInGap_UnknownWithTheGapsLargestBlock()
    {
        // Arrange: nothing between 10.5.255.255 and 10.9.0.0; 10.6.0.0/15 is the largest block around 10.6.0.1 inside it.
        var table = GeoFixtures.Table();

        // Act
        var location = Lookup(table, "10.6.0.1");

        // Assert
        Assert.False(location.IsKnown);
        Assert.Equal((byte)15, location.Scope);
    }

    [Fact]
    public void Build_AdjacentNetworksOfOneLocation_MergedIntoOneRange()
    {
        // Arrange: two halves of 10.1.0.0/16 in DE, listed out of order.
        var table = GeoFixtures.Build(("10.1.128.0/17", "DE", "EU"), ("10.1.0.0/17", "DE", "EU"), ("10.2.0.0/16", "FR", "EU"));

        // Act
        var location = Lookup(table, "10.1.200.1");

        // Assert: one range, so the answer holds for the whole /16.
        Assert.Equal(("DE", (byte)16), (location.CountryCode, location.Scope));
        Assert.Equal(3, table.Networks);
        Assert.Equal(4 + 1, table.Ranges); // IPv4: gap, DE, FR, gap; IPv6: one unknown range
    }

    [Fact]
    public void Build_IPv4NetworkOfAnIPv6Database_ServesIPv4Lookups()
    {
        // Arrange: ::10.3.0.0/112, where an IPv6 MaxMind database keeps 10.3.0.0/16.
        var builder = new GeoTableBuilder();
        byte[] start = new byte[16];
        start[12] = 10;
        start[13] = 3;
        builder.Add(start, 112, "US", "NA");
        var table = builder.Build("v6");

        // Act
        var location = Lookup(table, "10.3.4.5");

        // Assert
        Assert.Equal(("US", "NA", (byte)16), (location.CountryCode, location.ContinentCode, location.Scope));
        Assert.False(Lookup(table, "2001:db8::1").IsKnown);
    }

    [Fact]
    public void Lookup_IPv6Network_ItsCountry()
    {
        // Act
        var location = Lookup(GeoFixtures.Table(), "2001:db8:1:2::5");

        // Assert
        Assert.Equal(("JP", "AS", (byte)48), (location.CountryCode, location.ContinentCode, location.Scope));
    }

    [Fact]
    public void Empty_EveryAddressUnknownScopeZero()
    {
        // Act
        var v4 = Lookup(GeoTable.Empty, "10.1.2.3");
        var v6 = Lookup(GeoTable.Empty, "2001:db8::1");

        // Assert
        Assert.Equal(default, v4);
        Assert.Equal(default, v6);
    }

    [Fact]
    public void Build_NetworkToTheEndOfTheSpace_NoTrailingGap()
    {
        // Arrange
        var table = GeoFixtures.Build(("128.0.0.0/1", "US", "NA"));

        // Act
        var last = Lookup(table, "255.255.255.255");
        var first = Lookup(table, "0.0.0.1");

        // Assert
        Assert.Equal(("US", (byte)1), (last.CountryCode, last.Scope));
        Assert.Equal((false, (byte)1), (first.IsKnown, first.Scope));
    }

    [Theory]
    [InlineData("2002:a01:203::1", 32)] // 6to4 of 10.1.2.3: 16 bits of prefix, then 10.1.0.0/16
    [InlineData("2001:0:a01:203::1", 48)] // Teredo, server 10.1.2.3: 32 bits, then the /16
    public void Lookup_AddressEmbeddingIPv4_PlacedByTheIPv4Table(string address, int scope)
    {
        // Act
        var location = Lookup(GeoFixtures.Table(), address);

        // Assert
        Assert.Equal(("DE", (byte)scope), (location.CountryCode, location.Scope));
    }

    [Fact]
    public void Build_AliasNetworksOfAnIPv6Database_LeftOut()
    {
        // Arrange: the copies MaxMind databases hold of the IPv4 tree, under ::ffff:0:0/96, 2001::/32 and 2002::/16.
        var table = GeoFixtures.Build(("10.1.0.0/16", "DE", "EU"), ("::ffff:10.1.0.0/112", "DE", "EU"), ("2002:a01::/32", "DE", "EU"),
            ("2001:0:a01::/48", "DE", "EU"));

        // Assert: IPv4: gap, DE, gap; IPv6: one unknown range.
        Assert.Equal(4, table.Ranges);
        Assert.Equal("DE", Lookup(table, "::ffff:10.1.2.3").CountryCode);
    }
}
