using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Router.Cli.Configuration;
using Router.Health.Configuration;

namespace Router.Cli.Tests.Configuration;

/// <summary>
/// The pieces that make a million-registry configuration load in seconds must read exactly what the stock ones read.
/// </summary>
public sealed class ScaleConfigurationTests : IDisposable
{
    private const string Json = """
        {
          "Health": {
            "Region": "eastus", "Listen": "http://127.0.0.1:0", "DeepEvaluation": "Disabled",
            "Evaluation": { "IntervalSeconds": 7, "TimeoutSeconds": 2, "FailuresToUnhealthy": 4, "SuccessesToHealthy": 3, "StaleAfterSeconds": 90, "MaxConcurrentChecks": 5 },
            "Resources": [
              { "Id": "sa-1", "Kind": "Storage", "Check": { "Type": "Filesystem", "Path": "/srv/sa-1", "TimeoutSeconds": 1 } },
              { "Id": "auth", "Kind": "Auth", "Check": { "Type": "Http", "Url": "http://127.0.0.1:5000/v2/", "Headers": { "Host": "x.test" },
                "Username": "u", "Password": "p", "ExpectedStatusCodes": [ "200", "401" ], "BodyContains": "{}" } }
            ],
            "Registries": [
              { "Name": "contoso", "Storage": "sa-1", "Cache": "c", "Auth": "auth", "Container": "api", "Metadata": "meta" },
              { "Name": "fabrikam", "Storage": "sa-2", "DeepEvaluation": "enabled" },
              { "Name": "northwind" }
            ]
          },
          "Dns": { "Listen": [ "127.0.0.1:0", "[::1]:0" ], "Zones": [ { "Name": "a.test", "Records": [ { "Name": "www", "Type": "A", "Value": "192.0.2.1" } ] } ] }
        }
        """;

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"router-scale-{Guid.NewGuid():N}.json");

    public ScaleConfigurationTests() => File.WriteAllText(_path, Json);

    [Fact]
    public void IndexedJsonSource_SameKeysValuesAndChildrenAsAddJsonFile()
    {
        // Arrange
        var stock = new ConfigurationBuilder().AddJsonFile(_path).Build();
        var indexed = new ConfigurationBuilder().Add(IndexedJsonConfigurationSource.ForFile(_path)).Build();

        // Act / Assert: every key and value, and the children (in order) of every path.
        Assert.Equal(stock.AsEnumerable().OrderBy(p => p.Key, StringComparer.Ordinal), indexed.AsEnumerable().OrderBy(p => p.Key, StringComparer.Ordinal));
        foreach (var (key, _) in stock.AsEnumerable())
        {
            Assert.Equal(stock.GetSection(key).GetChildren().Select(c => c.Path), indexed.GetSection(key).GetChildren().Select(c => c.Path));
        }

        Assert.Equal(stock.GetChildren().Select(c => c.Path), indexed.GetChildren().Select(c => c.Path));
    }

    [Fact]
    public void HealthOptionsBinder_SameOptionsAsConfigurationBinder()
    {
        // Arrange
        var section = new ConfigurationBuilder().AddJsonFile(_path).Build().GetSection("Health");
        var expected = new HealthOptions();
        section.Bind(expected);

        // Act
        var actual = new HealthOptions();
        HealthOptionsBinder.Bind(section, actual);

        // Assert: compared as JSON, so a property added to the options but not to the binder shows up here.
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(actual));
        Assert.Equal(3, actual.Registries.Count);
    }

    public void Dispose() => File.Delete(_path);
}
