using System.Text;
using Microsoft.Extensions.Configuration;
using Router.Cli.Configuration;
using Router.Dns.Server.Configuration;

namespace Router.Cli.Tests.Configuration;

public sealed class ConfigurationShapeCheckerTests
{
    [Fact]
    public void Check_WellFormedSection_ReportsNothing()
    {
        // Arrange
        var section = Dns("""
            { "Dns": { "Listen": [ "127.0.0.1:0" ], "MaxUdpPayload": 1232,
              "Zones": [ { "Name": "example.test", "Ttl": 60, "Records": [ { "Name": "www", "Type": "A", "Value": "127.0.0.1", "Ttl": 5 } ] } ],
              "Forwarding": { "Enabled": true, "Upstreams": [], "TimeoutSeconds": 1.5, "Cache": { "Enabled": false } },
              "Tcp": { "IdleTimeoutSeconds": 2 } } }
            """);

        // Act
        var (errors, badPaths) = Check(section);

        // Assert
        Assert.Empty(errors);
        Assert.Empty(badPaths);
    }

    [Theory]
    [InlineData("""{ "Dns": { "Listn": [ "127.0.0.1:53" ] } }""", "Dns:Listn", "Listen")]
    [InlineData("""{ "Dns": { "Forwarding": { "Upstream": [ "127.0.0.1:5300" ] } } }""", "Dns:Forwarding:Upstream", "Upstreams")]
    [InlineData("""{ "Dns": { "Forwarding": { "Cache": { "MaxEntrys": 5 } } } }""", "Dns:Forwarding:Cache:MaxEntrys", "MaxEntries")]
    [InlineData("""{ "Dns": { "Zones": [ { "Name": "a.test", "TTL": 5, "Recods": [] } ] } }""", "Dns:Zones:0:Recods", "Records")]
    [InlineData("""{ "Dns": { "Zones": [ { "Name": "a.test", "Records": [ {}, { "Name": "@", "Typ": "A" } ] } ] } }""", "Dns:Zones:0:Records:1:Typ", "Type")]
    [InlineData("""{ "Dns": { "Tcp": { "MaxConnection": 5 } } }""", "Dns:Tcp:MaxConnection", "MaxConnections")]
    public void Check_UnknownKeyAnywhere_ReportsItsPathWithTheKnownKeys(string json, string path, string knownKey)
    {
        // Arrange
        var section = Dns(json);

        // Act
        var (errors, badPaths) = Check(section);

        // Assert
        string error = Assert.Single(errors);
        Assert.StartsWith($"{path}: unknown key (known here: ", error, StringComparison.Ordinal);
        Assert.Contains(knownKey, error, StringComparison.Ordinal);
        Assert.Equal([path], badPaths);
    }

    [Fact]
    public void Check_UnknownRecordKey_ListsExactlyTheRecordKeys()
    {
        // Arrange
        var section = Dns("""{ "Dns": { "Zones": [ { "Name": "a.test", "Records": [ { "Name": "@", "Type": "A", "Vaule": "127.0.0.1" } ] } ] } }""");

        // Act
        var (errors, _) = Check(section);

        // Assert
        Assert.Equal(["Dns:Zones:0:Records:0:Vaule: unknown key (known here: Name, Type, Value, Ttl)"], errors);
    }

    [Fact]
    public void Check_KeysInAnyCase_MatchLikeTheBinder()
    {
        // Arrange: the binder is case-insensitive, so the checker must be too.
        var section = Dns("""{ "Dns": { "listen": [ "127.0.0.1:0" ], "ZONES": [ { "name": "a.test", "ttl": 5 } ], "forwarding": { "ENABLED": "TRUE" } } }""");

        // Act
        var (errors, _) = Check(section);

        // Assert
        Assert.Empty(errors);
    }

    [Fact]
    public void Check_SeveralProblems_ReportsEveryOneInOneCall()
    {
        // Arrange
        var section = Dns("""
            { "Dns": { "Listn": [], "MaxUdpPayload": "big",
              "Zones": [ { "Name": "a.test", "Ttl": "abc", "Records": [ { "Name": "@", "Type": "A", "Value": "127.0.0.1", "Ttl": "x" } ] } ],
              "Forwarding": { "Enabled": "yes", "Cache": "off" } } }
            """);

        // Act
        var (errors, badPaths) = Check(section);

        // Assert
        Assert.Equal(6, errors.Count);
        string[] expected = ["Dns:Listn", "Dns:MaxUdpPayload", "Dns:Zones:0:Ttl", "Dns:Zones:0:Records:0:Ttl", "Dns:Forwarding:Enabled", "Dns:Forwarding:Cache"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), badPaths.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Check_ObjectWhereValueBelongs_ReportsExpectedSingleValue()
    {
        // Arrange
        var section = Dns("""{ "Dns": { "MaxUdpPayload": { "Value": 1232 } } }""");

        // Act
        var (errors, badPaths) = Check(section);

        // Assert
        Assert.Equal(["Dns:MaxUdpPayload: expected a single value, found an object or list"], errors);
        Assert.Equal(["Dns:MaxUdpPayload"], badPaths);
    }

    [Fact]
    public void Check_ListWhereValueBelongs_ReportsExpectedSingleValue()
    {
        // Arrange
        var section = Dns("""{ "Dns": { "Zones": [ { "Name": [ "a.test", "b.test" ] } ] } }""");

        // Act
        var (errors, _) = Check(section);

        // Assert
        Assert.Equal(["Dns:Zones:0:Name: expected a single value, found an object or list"], errors);
    }

    [Fact]
    public void Check_ValueWhereObjectBelongs_ReportsExpectedObject()
    {
        // Arrange
        var section = Dns("""{ "Dns": { "Forwarding": { "Cache": "off" } } }""");

        // Act
        var (errors, badPaths) = Check(section);

        // Assert
        Assert.Equal(["Dns:Forwarding:Cache: expected an object with keys, found the value 'off'"], errors);
        Assert.Equal(["Dns:Forwarding:Cache"], badPaths);
    }

    [Fact]
    public void Check_ObjectWhereListBelongs_ReportsExpectedList()
    {
        // Arrange
        var section = Dns("""{ "Dns": { "Zones": { "Name": "a.test" } } }""");

        // Act
        var (errors, _) = Check(section);

        // Assert
        Assert.Equal(["Dns:Zones:Name: expected a list (JSON array) here"], errors);
    }

    [Theory]
    [InlineData("""{ "Dns": { "Listen": "127.0.0.1:5353" } }""", "Dns:Listen", "127.0.0.1:5353")]
    [InlineData("""{ "Dns": { "Forwarding": { "Upstreams": "127.0.0.1:5300" } } }""", "Dns:Forwarding:Upstreams", "127.0.0.1:5300")]
    [InlineData("""{ "Dns": { "Zones": "example.test" } }""", "Dns:Zones", "example.test")]
    public void Check_ValueWhereListBelongs_ReportsExpectedList(string json, string path, string value)
    {
        // Arrange: the binder would silently ignore the value and keep the default.
        var section = Dns(json);

        // Act
        var (errors, badPaths) = Check(section);

        // Assert
        Assert.Equal([$"{path}: expected a list (JSON array), found the value '{value}'"], errors);
        Assert.Equal([path], badPaths);
    }

    [Theory]
    [InlineData("""{ "Dns": { "Listen": [] } }""")]
    [InlineData("""{ "Dns": { "Zones": [ { "Name": "a.test", "Records": [] } ], "Forwarding": {} } }""")]
    public void Check_EmptyListOrObject_ReportsNothing(string json)
    {
        // Act
        var (errors, _) = Check(Dns(json));

        // Assert
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("0")]
    public void Check_NullableIntWithEmptyOrNumber_ReportsNothing(string ttl)
    {
        // Arrange: Records:N:Ttl is int? — empty means "use the zone's".
        var section = Section(new()
        {
            ["Dns:Zones:0:Name"] = "a.test",
            ["Dns:Zones:0:Records:0:Ttl"] = ttl,
        });

        // Act
        var (errors, _) = Check(section);

        // Assert
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    public void Check_NullableIntWithNonInteger_ReportsNotAWholeNumber(string ttl)
    {
        // Arrange
        var section = Section(new() { ["Dns:Zones:0:Records:0:Ttl"] = ttl });

        // Act
        var (errors, _) = Check(section);

        // Assert
        Assert.Equal([$"Dns:Zones:0:Records:0:Ttl: '{ttl}' is not a whole number"], errors);
    }

    [Fact]
    public void Check_NonNullableIntEmpty_ReportsNotAWholeNumber()
    {
        // Arrange: Zones:N:Ttl is int, so empty has no meaning.
        var section = Section(new() { ["Dns:Zones:0:Ttl"] = "" });

        // Act
        var (errors, _) = Check(section);

        // Assert
        Assert.Equal(["Dns:Zones:0:Ttl: '' is not a whole number"], errors);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("false")]
    [InlineData("True")]
    [InlineData("FALSE")]
    public void Check_BoolInAnyCase_ReportsNothing(string value)
    {
        // Act
        var (errors, _) = Check(Section(new() { ["Dns:Forwarding:Enabled"] = value }));

        // Assert
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("1")]
    [InlineData("on")]
    [InlineData("")]
    public void Check_BoolNotTrueOrFalse_ReportsTrueOrFalse(string value)
    {
        // Act
        var (errors, badPaths) = Check(Section(new() { ["Dns:Forwarding:Cache:Enabled"] = value }));

        // Assert
        Assert.Equal([$"Dns:Forwarding:Cache:Enabled: '{value}' is not true or false"], errors);
        Assert.Equal(["Dns:Forwarding:Cache:Enabled"], badPaths);
    }

    [Theory]
    [InlineData("2.5", true)]
    [InlineData("1e1", true)]
    [InlineData("2,5", false)]
    [InlineData("soon", false)]
    public void Check_Double_AcceptsInvariantNumbersOnly(string value, bool valid)
    {
        // Act
        var (errors, _) = Check(Section(new() { ["Dns:Tcp:IdleTimeoutSeconds"] = value }));

        // Assert
        if (valid)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Equal([$"Dns:Tcp:IdleTimeoutSeconds: '{value}' is not a number"], errors);
        }
    }

    [Fact]
    public void Check_ListElementOfWrongShape_ReportsTheElementPath()
    {
        // Arrange
        var section = Dns("""{ "Dns": { "Listen": [ "127.0.0.1:53", { "Address": "127.0.0.2" } ] } }""");

        // Act
        var (errors, badPaths) = Check(section);

        // Assert
        Assert.Equal(["Dns:Listen:1: expected a single value, found an object or list"], errors);
        Assert.Equal(["Dns:Listen:1"], badPaths);
    }

    private static (List<string> Errors, HashSet<string> BadPaths) Check(IConfigurationSection section)
    {
        var errors = new List<string>();
        var badPaths = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        ConfigurationShapeChecker.Check(section, typeof(DnsServerOptions), errors, badPaths);
        return (errors, badPaths);
    }

    private static IConfigurationSection Dns(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return new ConfigurationBuilder().AddJsonStream(stream).Build().GetSection("Dns");
    }

    private static IConfigurationSection Section(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Dns");
}
