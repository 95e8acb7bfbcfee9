using System.Net;
using System.Net.Sockets;

namespace Router.Dns.Tests;

/// <summary><see cref="NetworkAddress"/> and <see cref="NetworkPrefix"/>: parsing, families and containment.</summary>
public sealed class NetworkAddressTests
{
    [Theory]
    [InlineData("192.0.2.0/24", "192.0.2.0", 24, true)]
    [InlineData("10.0.0.0/8", "10.0.0.0", 8, true)]
    [InlineData("0.0.0.0/0", "0.0.0.0", 0, true)]
    [InlineData("192.0.2.1", "192.0.2.1", 32, true)]
    [InlineData("2001:db8::/32", "2001:db8::", 32, false)]
    [InlineData("2001:db8:0:1::/64", "2001:db8:0:1::", 64, false)]
    [InlineData("::/0", "::", 0, false)]
    [InlineData("2001:db8::1", "2001:db8::1", 128, false)]
    public void TryParse_ValidPrefix_AddressLengthAndFamily(string text, string address, int length, bool isIPv4)
    {
        // Act
        bool parsed = NetworkPrefix.TryParse(text, out var prefix, out string? error);

        // Assert
        Assert.True(parsed, error);
        Assert.Equal(NetworkAddress.FromIPAddress(IPAddress.Parse(address)), prefix.Address);
        Assert.Equal(length, prefix.Length);
        Assert.Equal(isIPv4, prefix.Address.IsIPv4);
        Assert.Equal(isIPv4 ? length + 96 : length, prefix.MappedLength);
        Assert.Equal($"{address}/{length}", prefix.ToString());
    }

    [Theory]
    [InlineData("10.0.0.1/8", "10.0.0.0/8")]
    [InlineData("192.0.2.128/24", "192.0.2.0/24")]
    [InlineData("0.0.0.1/0", "0.0.0.0/0")]
    [InlineData("2001:db8::1/32", "2001:db8::/32")]
    [InlineData("::1/0", "::/0")]
    public void TryParse_HostBitsSet_RejectedWithSuggestion(string text, string suggestion)
    {
        // Act
        bool parsed = NetworkPrefix.TryParse(text, out var prefix, out string? error);

        // Assert
        Assert.False(parsed);
        Assert.Equal(default, prefix);
        Assert.Contains("host bits set", error, StringComparison.Ordinal);
        Assert.Contains(suggestion, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("10.0.0.0/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/8/8")]
    [InlineData("10.0.0.0/ 8")]
    [InlineData("/8")]
    [InlineData("example.test/8")]
    [InlineData("10.0/16")]
    [InlineData("010.0.0.0/8")]
    public void TryParse_InvalidPrefix_ErrorMessage(string? text)
    {
        // Act
        bool parsed = NetworkPrefix.TryParse(text, out var prefix, out string? error);

        // Assert
        Assert.False(parsed);
        Assert.Equal(default, prefix);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Theory]
    [InlineData("192.0.2.0/24", "192.0.2.0", true)]
    [InlineData("192.0.2.0/24", "192.0.2.255", true)]
    [InlineData("192.0.2.0/24", "192.0.3.0", false)]
    [InlineData("192.0.2.0/24", "192.0.1.255", false)]
    [InlineData("192.0.2.1/32", "192.0.2.1", true)]
    [InlineData("192.0.2.1/32", "192.0.2.2", false)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("0.0.0.0/0", "::ffff:203.0.113.9", true)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::", false)]
    [InlineData("::/0", "2001:db8::1", true)]
    // Families never mix: an IPv4 prefix (even /0) never matches IPv6, and ::/0 never matches IPv4.
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    [InlineData("0.0.0.0/0", "::", false)]
    [InlineData("::/0", "192.0.2.1", false)]
    public void Contains_PrefixAndAddress_MatchesOnlySameFamilyWithinPrefix(string prefixText, string addressText, bool expected)
    {
        // Arrange
        var prefix = ParsePrefix(prefixText);
        var address = NetworkAddress.FromIPAddress(IPAddress.Parse(addressText));

        // Act
        bool contains = prefix.Contains(address);

        // Assert
        Assert.Equal(expected, contains);
    }

    [Fact]
    public void TryFromSocketAddress_IPv4Endpoint_ReadsAddress()
    {
        // Arrange
        var socketAddress = new IPEndPoint(IPAddress.Parse("198.51.100.7"), 5353).Serialize();

        // Act
        bool read = NetworkAddress.TryFromSocketAddress(socketAddress, out var address);

        // Assert
        Assert.True(read);
        Assert.True(address.IsIPv4);
        Assert.Equal("198.51.100.7", address.ToString());
    }

    [Fact]
    public void TryFromSocketAddress_IPv6Endpoint_ReadsAddress()
    {
        // Arrange
        var socketAddress = new IPEndPoint(IPAddress.Parse("2001:db8::53"), 53).Serialize();

        // Act
        bool read = NetworkAddress.TryFromSocketAddress(socketAddress, out var address);

        // Assert
        Assert.True(read);
        Assert.False(address.IsIPv4);
        Assert.Equal("2001:db8::53", address.ToString());
    }

    [Fact]
    public void TryFromSocketAddress_IPv4MappedOnDualStackSocket_IsIPv4()
    {
        // Arrange: a dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d (RFC 4291 §2.5.5.2).
        var socketAddress = new IPEndPoint(IPAddress.Parse("::ffff:192.0.2.1"), 53).Serialize();

        // Act
        bool read = NetworkAddress.TryFromSocketAddress(socketAddress, out var address);

        // Assert
        Assert.True(read);
        Assert.True(address.IsIPv4);
        Assert.True(ParsePrefix("192.0.2.0/24").Contains(address));
    }

    [Fact]
    public void TryFromSocketAddress_OtherFamily_False()
    {
        // Arrange
        var socketAddress = new SocketAddress(AddressFamily.Unix, 16);

        // Act
        bool read = NetworkAddress.TryFromSocketAddress(socketAddress, out var address);

        // Assert
        Assert.False(read);
        Assert.Equal(default, address);
    }

    [Theory]
    [InlineData("192.0.2.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("2001:db8::1", true)]
    [InlineData("::", true)]
    [InlineData("::ffff:192.0.2.1", true)]
    [InlineData("2001:DB8::A", true)]
    // RFC 3986 §7.4: the inet_aton shorthands and radixes name other addresses than they seem to.
    [InlineData("10.1", false)]
    [InlineData("10.0.0", false)]
    [InlineData("167772161", false)]
    [InlineData("010.0.0.1", false)]
    [InlineData("0x0A.0.0.1", false)]
    [InlineData("1.2.3.4.5", false)]
    [InlineData("1.2.3.", false)]
    [InlineData("256.0.0.1", false)]
    [InlineData(" 1.2.3.4", false)]
    [InlineData("fe80::1%eth0", false)]
    [InlineData("fe80::1%2", false)]
    [InlineData("[2001:db8::1]", false)]
    [InlineData("[2001:db8::1]:53", false)]
    [InlineData("2001:db8::g", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void TryParse_AddressText_OnlyCanonicalFormsAccepted(string? text, bool expected)
    {
        // Act
        bool parsed = NetworkAddress.TryParse(text, out var address);

        // Assert
        Assert.Equal(expected, parsed);
        if (parsed)
        {
            Assert.Equal(NetworkAddress.FromIPAddress(IPAddress.Parse(text!)), address);
        }
    }

    [Fact]
    public void FromBytes_FourAndSixteenOctets_HeldIPv4Mapped()
    {
        // Act
        var v4 = NetworkAddress.FromBytes([192, 0, 2, 1]);
        var mapped = NetworkAddress.FromBytes([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 1]);
        var v6 = NetworkAddress.FromBytes([0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);

        // Assert: RFC 4291 §2.5.5.2: an IPv4 address and its IPv4-mapped form are the same value.
        Assert.Equal(v4, mapped);
        Assert.Equal(new UInt128(0, 0x0000_FFFF_C000_0201UL), v4.Bits);
        Assert.True(v4.IsIPv4);
        Assert.False(v6.IsIPv4);
    }

    [Fact]
    public void FromBytes_OtherLength_ThrowsAsProgrammerError()
    {
        // Act
        var exception = Record.Exception(() => NetworkAddress.FromBytes([1, 2, 3]));

        // Assert
        Assert.IsType<ArgumentException>(exception);
    }

    [Theory]
    [InlineData("192.0.2.1", new byte[] { 192, 0, 2, 1 })]
    [InlineData("2001:db8::1", new byte[] { 0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 })]
    public void WriteBytesAndToIPAddress_Address_NetworkOrder(string text, byte[] expected)
    {
        // Arrange
        var address = NetworkAddress.FromIPAddress(IPAddress.Parse(text));
        var buffer = new byte[16];

        // Act
        int length = address.WriteBytes(buffer);

        // Assert
        Assert.Equal(expected, buffer[..length]);
        Assert.Equal(IPAddress.Parse(text), address.ToIPAddress());
        Assert.Equal(text, address.ToString());
    }

    private static NetworkPrefix ParsePrefix(string text) =>
        NetworkPrefix.TryParse(text, out var prefix, out string? error) ? prefix : throw new FormatException(error);
}
