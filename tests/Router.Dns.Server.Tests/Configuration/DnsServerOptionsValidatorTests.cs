using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Router.Dns.Server.Configuration;
using Router.Dns.Server.Tests.Infrastructure;

namespace Router.Dns.Server.Tests.Configuration;

/// <summary>
/// CONTRACT "router validate": every error is reported, each as <c>path: reason</c> with the configuration-key path
/// (<c>Dns:Zones:0:Records:1:Value</c>).
/// </summary>
public sealed class DnsServerOptionsValidatorTests
{
    [Fact]
    public void Validate_ValidOptions_NoErrors()
    {
        // Arrange
        var options = TestDnsServer.Options(TestZones.Example(), TestZones.Other());
        options.Forwarding = new() { Enabled = true, Upstreams = ["127.0.0.1:5300", "[::1]:53", "192.0.2.53"], AllowedClients = ["127.0.0.0/8", "::1/128", "10.1.2.3"] };

        // Act
        var errors = DnsServerOptionsValidator.Validate(options);

        // Assert
        Assert.Empty(errors);
    }

    [Fact]
    public void Validate_BadRecordValue_ErrorHasRecordKeyPath()
    {
        // Arrange
        var options = Options(Zone("example.test", ("www", "A", "192.0.2.1"), ("mail", "A", "not-an-address")));

        // Act
        var errors = DnsServerOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(["Dns:Zones:0:Records:1:Value: 'not-an-address' is not an IPv4 address"], errors);
    }

    public static TheoryData<string, string, string, string> BadRecords => new()
    {
        { "www", "AAAA", "192.0.2.1", "Dns:Zones:0:Records:0:Value: '192.0.2.1' is not an IPv6 address" },
        { "@", "MX", "mail.example.test.", "Dns:Zones:0:Records:0:Value: 'mail.example.test.' is not 'PREFERENCE EXCHANGE'" },
        { "_sip._udp", "SRV", "10 20 sip.example.test.", "Dns:Zones:0:Records:0:Value: '10 20 sip.example.test.' is not 'PRIORITY WEIGHT PORT TARGET'" },
        { "@", "SOA", "ns1 hostmaster 1 2 3", "Dns:Zones:0:Records:0:Value: 'ns1 hostmaster 1 2 3' is not 'MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM'" },
        { "www", "BOGUS", "x", "Dns:Zones:0:Records:0:Type: 'BOGUS' is not a record type" },
        { "www", "ANY", "x", "Dns:Zones:0:Records:0:Type: 'ANY' is a meta type and cannot be configured" },
        { "www.other.test.", "A", "192.0.2.1", "Dns:Zones:0:Records:0:Name: 'www.other.test.' is outside the zone 'example.test.'" },
        { "", "A", "192.0.2.1", "Dns:Zones:0:Records:0:Name: required" },
    };

    [Theory]
    [MemberData(nameof(BadRecords))]
    public void Validate_BadRecord_ErrorStartsWithKeyPath(string name, string type, string value, string expectedPrefix)
    {
        // Arrange
        var options = Options(Zone("example.test", (name, type, value)));

        // Act
        var errors = DnsServerOptionsValidator.Validate(options);

        // Assert
        string error = Assert.Single(errors);
        Assert.StartsWith(expectedPrefix, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SameZoneTwice_DuplicateReportedOnSecond()
    {
        // Arrange
        var options = Options(Zone("example.test", ("www", "A", "192.0.2.1")), Zone("Example.Test.", ("mail", "A", "192.0.2.2")));

        // Act
        var errors = DnsServerOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(["Dns:Zones:1:Name: zone 'Example.Test.' is configured twice"], errors);
    }

    [Fact]
    public void Validate_CnameWithOtherData_Error()
    {
        // Arrange
        var options = Options(Zone("example.test", ("alias", "CNAME", "www"), ("alias", "A", "192.0.2.1"), ("www", "A", "192.0.2.1")));

        // Act
        var errors = DnsServerOptionsValidator.Validate(options);

        // Assert (RFC 1034 §3.6.2)
        Assert.Equal(["Dns:Zones:0:Records: 'alias.example.test.' has a CNAME and other records"], errors);
    }

    [Fact]
    public void Validate_TwoCnamesOrCnameAtApex_Errors()
    {
        // Arrange
        var options = Options(Zone("example.test", ("alias", "CNAME", "www"), ("alias", "CNAME", "mail"), ("@", "CNAME", "www")));

        // Act
        var errors = DnsServerOptionsValidator.Validate(options);

        // Assert
        Assert.Contains("Dns:Zones:0:Records: 'alias.example.test.' has more than one CNAME", errors);
        Assert.Contains(errors, e => e.StartsWith("Dns:Zones:0:Records: the apex 'example.test.' cannot be a CNAME", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_SoaBelowApex_Error()
    {
        // Arrange
        var options = Options(Zone("example.test", ("sub", "SOA", "ns1 hostmaster 1 3600 600 86400 300")));

        // Act
        var errors = DnsServerOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(["Dns:Zones:0:Records: SOA at 'sub.example.test.' is not at the apex"], errors);
    }

    [Fact]
    public void Validate_TwoSoaRecordsAtApex_Error()
    {
        // Arrange
        var options = Options(Zone("example.test",
            ("@", "SOA", "ns1 hostmaster 1 3600 600 86400 300"), ("@", "SOA", "ns2 hostmaster 2 3600 600 86400 300")));

        // Act
        var errors = DnsServerOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(["Dns:Zones:0:Records: the apex has more than one SOA"], errors);
    }

    public static TheoryData<string[], string> BadListen => new()
    {
        { ["nonsense"], "Dns:Listen:0: 'nonsense' is not IP:port (IPv6 as [::1]:53)" },
        { ["127.0.0.1:70000"], "Dns:Listen:0: '127.0.0.1:70000' does not end in ':PORT' with a port 0-65535" },
        { ["[::1"], "Dns:Listen:0: '[::1' has no closing ']'" },
        { ["127.0.0.1:53", "127.0.0.1:53"], "Dns:Listen:1: '127.0.0.1:53' is listed twice" },
        { ["127.0.0.1:5353", "localhost:53"], "Dns:Listen:1: 'localhost:53' is not IP:port (IPv6 as [::1]:53)" },
    };

    [Theory]
    [MemberData(nameof(BadListen))]
    public void Validate_BadListen_ErrorWithIndex(string[] listen, string expected)
    {
        // Arrange
        var options = Options();
        options.Listen = [.. listen];

        // Act
        var errors = DnsServerOptionsValidator.Validate(options);

        // Assert
        Assert.Equal([expected], errors);
    }

    [Fact]
    public void Validate_AllowedClientWithHostBits_ErrorSuggestsNetwork()
    {
        // Arrange
        var options = Options();
        options.Forwarding = new() { Enabled = true, Upstreams = ["192.0.2.53:53"], AllowedClients = ["127.0.0.0/8", "10.0.0.1/8", "2001:db8::1/32", "banana"] };

        // Act
        var errors = DnsServerOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(
            [
                "Dns:Forwarding:AllowedClients:1: '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)",
                "Dns:Forwarding:AllowedClients:2: '2001:db8::1/32' has host bits set (did you mean 2001:db8::/32?)",
                "Dns:Forwarding:AllowedClients:3: 'banana' is not an IP address or prefix",
            ],
            errors);
    }

    [Fact]
    public void Validate_UpstreamIsOwnListenAddress_ForwardingLoopError()
    {
        // Arrange
        var options = Options();
        options.Listen = ["127.0.0.1:5353"];
        options.Forwarding = new() { Enabled = true, Upstreams = ["192.0.2.53", "127.0.0.1:5353"] };

        // Act
        var errors = DnsServerOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(["Dns:Forwarding:Upstreams:1: '127.0.0.1:5353' is this server itself (a forwarding loop)"], errors);
    }

    [Theory]
    [InlineData("0.0.0.0:5353", "127.0.0.1:5353")]
    [InlineData("0.0.0.0:5353", "127.0.0.53:5353")]
    [InlineData("[::]:5353", "[::1]:5353")]
    public void Validate_UpstreamIsLoopbackOfWildcardListen_ForwardingLoopError(string listen, string upstream)
    {
        // Arrange: a wildcard address serves every local address, loopback included.
        var options = Options();
        options.Listen = [listen];
        options.Forwarding = new() { Enabled = true, Upstreams = [upstream] };

        // Act
        var errors = DnsServerOptionsValidator.Validate(options);

        // Assert
        Assert.Equal([$"Dns:Forwarding:Upstreams:0: '{upstream}' is this server itself (a forwarding loop)"], errors);
    }

    [Theory]
    [InlineData("0.0.0.0:5353", "127.0.0.1:53")]
    [InlineData("0.0.0.0:5353", "[::1]:5353")]
    [InlineData("127.0.0.1:5353", "127.0.0.2:5353")]
    public void Validate_UpstreamOnAnotherPortOrAddress_Accepted(string listen, string upstream)
    {
        // Arrange
        var options = Options();
        options.Listen = [listen];
        options.Forwarding = new() { Enabled = true, Upstreams = [upstream] };

        // Act
        var errors = DnsServerOptionsValidator.Validate(options);

        // Assert
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("127.0.0.1:0", "is not a reachable address and port")]
    [InlineData("0.0.0.0:53", "is not a reachable address and port")]
    [InlineData("upstream.example:53", "is not IP:port")]
    public void Validate_UnusableUpstream_Error(string upstream, string reason)
    {
        // Arrange
        var options = Options();
        options.Forwarding = new() { Enabled = true, Upstreams = [upstream] };

        // Act
        var errors = DnsServerOptionsValidator.Validate(options);

        // Assert
        string error = Assert.Single(errors);
        Assert.StartsWith("Dns:Forwarding:Upstreams:0: ", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ManyErrors_EveryOneReportedWithItsPath()
    {
        // Arrange
        var options = Options(
            Zone("example.test", ("www", "A", "x"), ("mail", "MX", "nope")),
            Zone("", ("www", "A", "192.0.2.1")),
            Zone("example.test", ("www", "A", "192.0.2.1")));
        options.Listen = ["127.0.0.1:53", "bad"];
        options.MaxUdpPayload = 100;
        options.UdpReceivers = -1;
        options.Tcp = new() { IdleTimeoutSeconds = 0, MaxConnections = 0, MaxQueriesInFlight = 0 };
        options.Forwarding = new()
        {
            Upstreams = ["bad"],
            AllowedClients = ["10.0.0.1/8"],
            TimeoutSeconds = 0,
            Attempts = 17,
            MaxConcurrent = 0,
            Cache = new() { MaxEntries = 0, MaxTtlSeconds = -1, MaxNegativeTtlSeconds = -1 },
        };

        // Act
        var errors = DnsServerOptionsValidator.Validate(options);

        // Assert
        string[] paths = [.. errors.Select(e => e[..e.IndexOf(": ", StringComparison.Ordinal)])];
        Assert.Equal(
            [
                "Dns:Listen:1",
                "Dns:Zones:0:Records:0:Value",
                "Dns:Zones:0:Records:1:Value",
                "Dns:Zones:1:Name",
                "Dns:Zones:2:Name", // a duplicate of zone 0, reported although zone 0 has errors of its own
                "Dns:MaxUdpPayload",
                "Dns:UdpReceivers",
                "Dns:Tcp:IdleTimeoutSeconds",
                "Dns:Tcp:MaxConnections",
                "Dns:Tcp:MaxQueriesInFlight",
                "Dns:Forwarding:Upstreams:0",
                "Dns:Forwarding:AllowedClients:0",
                "Dns:Forwarding:TimeoutSeconds",
                "Dns:Forwarding:Attempts",
                "Dns:Forwarding:MaxConcurrent",
                "Dns:Forwarding:Cache:MaxEntries",
                "Dns:Forwarding:Cache:MaxTtlSeconds",
                "Dns:Forwarding:Cache:MaxNegativeTtlSeconds",
            ],
            paths);
    }

    [Fact]
    public void Validate_AsIValidateOptionsWithCustomPath_FailsWithEveryMessage()
    {
        // Arrange
        var validator = new DnsServerOptionsValidator { Path = "Router:Dns" };
        var options = Options(Zone("example.test", ("www", "A", "x")));
        options.Listen = ["bad"];

        // Act
        var result = validator.Validate(name: null, options);

        // Assert
        Assert.True(result.Failed);
        Assert.Equal(2, result.Failures!.Count());
        Assert.All(result.Failures!, f => Assert.StartsWith("Router:Dns:", f, StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_BadListen_ThrowsWithKeyPath()
    {
        // Arrange
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var options = Options();
        options.Listen = ["not-an-address"];

        // Act
        var error = Assert.Throws<ArgumentException>(() =>
            new DnsServer(options, NullLoggerFactory.Instance, services.GetRequiredService<IMeterFactory>(), TimeProvider.System));

        // Assert
        Assert.Contains("Dns:Listen:0: 'not-an-address'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:5300", "127.0.0.1", 5300)]
    [InlineData("127.0.0.1", "127.0.0.1", 53)]
    [InlineData(" 192.0.2.1:0 ", "192.0.2.1", 0)]
    [InlineData("[::1]:5353", "::1", 5353)]
    [InlineData("[2001:db8::1]", "2001:db8::1", 53)]
    [InlineData("::1", "::1", 53)]
    public void DnsEndpointTryParse_ValidText_AddressAndPort(string text, string address, int port)
    {
        // Act
        bool parsed = DnsEndpoint.TryParse(text, 53, out var endpoint, out string? error);

        // Assert
        Assert.True(parsed, error);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), endpoint);
    }

    [Theory]
    [InlineData("")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:-1")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("[::1]53")]
    [InlineData("[::1]:x")]
    [InlineData("host:53")]
    public void DnsEndpointTryParse_InvalidText_Error(string text)
    {
        // Act
        bool parsed = DnsEndpoint.TryParse(text, 53, out var endpoint, out string? error);

        // Assert
        Assert.False(parsed);
        Assert.Null(endpoint);
        Assert.False(string.IsNullOrEmpty(error));
    }

    private static DnsServerOptions Options(params DnsZoneOptions[] zones) => TestDnsServer.Options(zones);

    private static DnsZoneOptions Zone(string name, params (string Name, string Type, string Value)[] records) => new()
    {
        Name = name,
        Records = [.. records.Select(r => TestZones.Record(r.Name, r.Type, r.Value))],
    };
}
