using System.Text;
using Microsoft.Extensions.Configuration;
using Router.Cli.Configuration;
using Router.Cli.Tests.TestSupport;

namespace Router.Cli.Tests.Configuration;

public sealed class RouterConfigurationLoaderTests
{
    [Fact]
    public void Load_ValidFile_BindsTheDnsSection()
    {
        // Arrange
        using var directory = new TempDirectory();
        string path = directory.Write("valid.json", TestConfigs.Valid(listen: "127.0.0.1:5353", www: "127.0.0.81"));

        // Act
        var loaded = RouterConfigurationLoader.Load(path);

        // Assert
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
        var dns = loaded.Options!.Dns!;
        Assert.Equal(["127.0.0.1:5353"], dns.Listen);
        var zone = Assert.Single(dns.Zones);
        Assert.Equal(TestConfigs.Zone, zone.Name);
        Assert.Equal(60, zone.Ttl);
        Assert.Equal("127.0.0.81", zone.Records[0].Value);
    }

    [Fact]
    public void Validate_ShapeErrorInOneKey_StillBindsAndValidatesTheRest()
    {
        // Arrange: Zones:0:Ttl cannot bind; the record error next to it must still be found.
        var root = Json("""
            { "Dns": { "Listen": [ "127.0.0.1:0" ], "Zones": [ { "Name": "a.test", "Ttl": "abc",
              "Records": [ { "Name": "www", "Type": "A", "Value": "127.0.0.1" }, { "Name": "x", "Type": "AAAA", "Value": "127.0.0.1" } ] } ] } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.False(loaded.IsValid);
        Assert.Null(loaded.Options);
        Assert.Equal(2, loaded.Errors.Count);
        Assert.Equal("Dns:Zones:0:Ttl: 'abc' is not a whole number", loaded.Errors[0]);
        Assert.StartsWith("Dns:Zones:0:Records:1:Value: ", loaded.Errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RecordTtlEmpty_BindsAsNullAndIsValid()
    {
        // Arrange
        var root = Json("""
            { "Dns": { "Listen": [ "127.0.0.1:0" ], "Zones": [ { "Name": "a.test",
              "Records": [ { "Name": "www", "Type": "A", "Value": "127.0.0.1", "Ttl": "" }, { "Name": "v", "Type": "A", "Value": "127.0.0.2", "Ttl": 7 } ] } ] } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
        var records = loaded.Options!.Dns!.Zones[0].Records;
        Assert.Null(records[0].Ttl);
        Assert.Equal(7, records[1].Ttl);
    }

    [Fact]
    public void Validate_ListenAsSingleValue_IsAnErrorNotTheDefaultAddress()
    {
        // Arrange: without the shape check the binder drops the value and the server would listen on 127.0.0.1:53.
        var root = Json("""{ "Dns": { "Listen": "127.0.0.1:5353" } }""");

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.Equal(["Dns:Listen: expected a list (JSON array), found the value '127.0.0.1:5353'"], loaded.Errors);
    }

    [Theory]
    [InlineData("TrafficManager")]
    [InlineData("Admin")]
    public void Validate_PlannedSection_ReportsNotImplemented(string section)
    {
        // Arrange
        var root = Json($$"""{ "Dns": { "Listen": [ "127.0.0.1:0" ] }, "{{section}}": { "Anything": 1 } }""");

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.Equal([$"{section}: this version of Router does not implement this section yet"], loaded.Errors);
    }

    [Fact]
    public void Validate_LoggingSection_IsAccepted()
    {
        // Arrange
        var root = Json("""{ "Dns": { "Listen": [ "127.0.0.1:0" ] }, "Logging": { "LogLevel": { "Default": "Warning" } } }""");

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
    }

    [Fact]
    public void Validate_OverrideLayerOnTopOfFile_Wins()
    {
        // Arrange: the environment provider is the last layer in Load; an in-memory layer stands in for it here, because
        // environment variables are process-wide and tests run in parallel (the real variable is tested end to end).
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("""{ "Dns": { "Listen": [ "127.0.0.1:1" ] } }"""));
        var root = new ConfigurationBuilder()
            .AddJsonStream(stream)
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Dns:Listen:0"] = "127.0.0.1:2" })
            .Build();

        // Act
        var loaded = RouterConfigurationLoader.Validate(root);

        // Assert
        Assert.Equal(["127.0.0.1:2"], loaded.Options!.Dns!.Listen);
    }

    private static IConfigurationRoot Json(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return new ConfigurationBuilder().AddJsonStream(stream).Build();
    }
}
