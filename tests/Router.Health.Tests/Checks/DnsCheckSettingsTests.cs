using System.Net;
using DnsClient;
using Microsoft.Extensions.Time.Testing;
using Router.Health.Checks;
using Router.Health.Configuration;
using Router.Health.Tests.Topology;

namespace Router.Health.Tests.Checks;

/// <summary>The keys of a <c>Dns</c> check, validated through the check factory with their key paths.</summary>
public sealed class DnsCheckSettingsTests
{
    private const string Path = "Health:Resources:2:Check";

    [Fact]
    public void TryCreate_NameOnly_DefaultsAAndTheHostsResolvers()
    {
        var check = Create(new CheckOptions { Type = "Dns", Name = "Storage.Registry.Internal" });

        Assert.Equal("Dns", check.Type);
        Assert.Equal("storage.registry.internal.", check.Settings.Name);
        Assert.Equal(QueryType.A, check.Settings.RecordType);
        Assert.Empty(check.Settings.Servers);
        Assert.Empty(check.Settings.ExpectAddresses);
    }

    [Fact]
    public void TryCreate_EveryKey_SettingsCarried()
    {
        var check = Create(new CheckOptions
        {
            Type = "dns",
            Name = "storage.registry.internal.",
            RecordType = "aaaa",
            Servers = ["127.0.0.53", "127.0.0.1:5353", "::1", "[::1]:5300", "[fe80::1]"],
            ExpectAddresses = ["2001:db8::/32", "fd00::7", "2001:db8:1::1/48"],
            TimeoutSeconds = 2,
        });

        Assert.Equal(QueryType.AAAA, check.Settings.RecordType);
        Assert.Equal(
            ["127.0.0.53:53", "127.0.0.1:5353", "[::1]:53", "[::1]:5300", "[fe80::1]:53"],
            check.Settings.Servers.Select(s => s.ToString()));
        Assert.Equal(["2001:db8::/32", "fd00::7/128", "2001:db8:1::/48"], check.Settings.ExpectAddresses.Select(n => n.ToString()));
    }

    [Fact]
    public void TryCreate_InternationalisedName_AskedInItsAsciiForm()
    {
        var check = Create(new CheckOptions { Type = "Dns", Name = "bücher.registry.test" });

        Assert.Equal("xn--bcher-kva.registry.test.", check.Settings.Name);
    }

    [Fact]
    public void TryCreate_CnameWithoutExpectAddresses_Built()
    {
        var check = Create(new CheckOptions { Type = "Dns", Name = "data.registry.test", RecordType = "CNAME" });

        Assert.Equal(QueryType.CNAME, check.Settings.RecordType);
    }

    [Fact]
    public void TryCreate_NameMissing_Required()
    {
        AssertErrors(new CheckOptions { Type = "Dns" },
            $"{Path}:Name: required for Type Dns (the name to resolve, like storage.registry.internal)");
    }

    [Theory]
    [InlineData("storage..registry.test")]
    [InlineData("-storage.registry.test")]
    [InlineData("storage-.registry.test")]
    [InlineData("stor age.registry.test")]
    [InlineData("storage/registry")]
    [InlineData(".")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234.test")]
    public void TryCreate_NotADnsName_Error(string name)
    {
        AssertErrors(new CheckOptions { Type = "Dns", Name = name },
            $"{Path}:Name: '{name}' is not a DNS name (labels of 1-63 letters, digits, '-' or '_' joined by '.', at most 253 characters)");
    }

    [Fact]
    public void TryCreate_NameTooLong_Error()
    {
        string name = string.Join('.', Enumerable.Repeat(new string('a', 63), 4));

        Assert.StartsWith($"{Path}:Name: '{name}' is not a DNS name", Assert.Single(Errors(new CheckOptions { Type = "Dns", Name = name })), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("192.0.2.10")]
    [InlineData("2001:db8::1")]
    public void TryCreate_NameIsAnAddress_Error(string name)
    {
        AssertErrors(new CheckOptions { Type = "Dns", Name = name },
            $"{Path}:Name: '{name}' is an IP address; give the name that should resolve to it");
    }

    [Fact]
    public void TryCreate_UnknownRecordType_ErrorListsTheTypes()
    {
        AssertErrors(new CheckOptions { Type = "Dns", Name = "storage.registry.test", RecordType = "MX" },
            $"{Path}:RecordType: 'MX' is not one of A, AAAA, CNAME");
    }

    [Theory]
    [InlineData("dns.internal")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.1")]
    [InlineData("[127.0.0.1]:53")]
    [InlineData("[::1]53")]
    public void TryCreate_BadServer_ErrorWithItsIndex(string server)
    {
        AssertErrors(new CheckOptions { Type = "Dns", Name = "storage.registry.test", Servers = ["127.0.0.53", server] },
            $"{Path}:Servers:1: '{server}' is not IP or IP:port (like 127.0.0.53, 127.0.0.53:5353 or [::1]:53; a server is given by address, never by name)");
    }

    [Theory]
    [InlineData("192.0.2.0/33")]
    [InlineData("192.0.2")]
    [InlineData("10/8")]
    [InlineData("storage.registry.test")]
    public void TryCreate_BadExpectAddress_ErrorWithItsIndex(string network)
    {
        AssertErrors(new CheckOptions { Type = "Dns", Name = "storage.registry.test", ExpectAddresses = [network] },
            $"{Path}:ExpectAddresses:0: '{network}' is not an address or a CIDR network (like 192.0.2.0/24, 192.0.2.7 or 2001:db8::/32)");
    }

    [Fact]
    public void TryCreate_ExpectAddressOfTheOtherFamily_ErrorNeverMatches()
    {
        AssertErrors(new CheckOptions { Type = "Dns", Name = "storage.registry.test", ExpectAddresses = ["192.0.2.0/24", "2001:db8::/32"] },
            $"{Path}:ExpectAddresses:1: 2001:db8::/32 never matches: an A record holds an IPv4 address");
        AssertErrors(new CheckOptions { Type = "Dns", Name = "storage.registry.test", RecordType = "AAAA", ExpectAddresses = ["192.0.2.7"] },
            $"{Path}:ExpectAddresses:0: 192.0.2.7/32 never matches: an AAAA record holds an IPv6 address");
    }

    [Fact]
    public void TryCreate_ExpectAddressesWithCname_Error()
    {
        AssertErrors(new CheckOptions { Type = "Dns", Name = "data.registry.test", RecordType = "CNAME", ExpectAddresses = ["192.0.2.0/24"] },
            $"{Path}:ExpectAddresses: not used by RecordType CNAME (its answer is a name, not an address; ask for A or AAAA to check addresses)");
    }

    [Fact]
    public void TryCreate_DnsKeysOnAnotherType_NotUsed()
    {
        AssertErrors(new CheckOptions { Type = "Tcp", Endpoint = "127.0.0.1:53", Name = "x.test", RecordType = "A", Servers = ["127.0.0.1"], ExpectAddresses = ["10.0.0.0/8"] },
            $"{Path}:Name: not used by Type Tcp",
            $"{Path}:RecordType: not used by Type Tcp",
            $"{Path}:Servers: not used by Type Tcp",
            $"{Path}:ExpectAddresses: not used by Type Tcp");
    }

    [Fact]
    public void TryCreate_OtherKeysOnDns_NotUsed()
    {
        AssertErrors(new CheckOptions { Type = "Dns", Name = "x.test", Url = "http://x/", Endpoint = "x:1" },
            $"{Path}:Url: not used by Type Dns",
            $"{Path}:Endpoint: not used by Type Dns");
    }

    [Fact]
    public void TryCreate_ManyProblems_AllReportedAtOnce()
    {
        var errors = Errors(new CheckOptions
        {
            Type = "Dns",
            Name = "bad name",
            RecordType = "TXT",
            Servers = ["resolver"],
            ExpectAddresses = ["nope"],
            TimeoutSeconds = 0,
        });

        Assert.Equal(5, errors.Count);
        Assert.Equal(
            ["TimeoutSeconds", "Name", "RecordType", "Servers:0", "ExpectAddresses:0"],
            errors.Select(e => e[(Path.Length + 1)..e.IndexOf(": ", StringComparison.Ordinal)]));
    }

    [Fact]
    public void Validate_HealthSectionWithBadDnsCheck_ErrorsUnderTheResourcesPath()
    {
        // Arrange: as `router validate` reports them.
        var options = TestOptions.ContosoAndFabrikam();
        options.Resources[0].Check = new CheckOptions { Type = "Dns", Name = "storage.registry.test", Servers = ["127.0.0.1:99999"] };

        // Act
        var errors = HealthOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(
            ["Health:Resources:0:Check:Servers:0: '127.0.0.1:99999' is not IP or IP:port (like 127.0.0.53, 127.0.0.53:5353 or [::1]:53; a server is given by address, never by name)"],
            errors);
    }

    [Fact]
    public void TryParseServer_Forms_PortDefaultsTo53()
    {
        Assert.True(DnsCheckSettings.TryParseServer(" 127.0.0.53 ", out var plain));
        Assert.True(DnsCheckSettings.TryParseServer("[::1]", out var bracketed));

        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.0.0.53"), 53), plain);
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 53), bracketed);
    }

    private static DnsCheck Create(CheckOptions options)
    {
        var errors = new List<string>();
        var check = CheckFactory.TryCreate(options, Path, TimeProvider.System, errors);
        Assert.Empty(errors);
        return Assert.IsType<DnsCheck>(check);
    }

    private static List<string> Errors(CheckOptions options)
    {
        var errors = new List<string>();
        Assert.Null(CheckFactory.TryCreate(options, Path, TimeProvider.System, errors));
        return errors;
    }

    private static void AssertErrors(CheckOptions options, params string[] expected) => Assert.Equal(expected, Errors(options));
}
