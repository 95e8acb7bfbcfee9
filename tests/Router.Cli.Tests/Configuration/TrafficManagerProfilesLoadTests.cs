using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Router.Cli.Configuration;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Routing;

namespace Router.Cli.Tests.Configuration;

/// <summary>
/// <c>TrafficManager:Profiles</c> is read straight from the file's JSON (<see cref="TrafficManagerOptionsBinder"/>,
/// <see cref="JsonOptionsReader"/>): the same options and errors as the configuration binder, at a fraction of the cost.
/// </summary>
public sealed class TrafficManagerProfilesLoadTests : IDisposable
{
    private const string Json = """
        {
          // comments and trailing commas, as AddJsonFile reads them
          "Dns": { "Listen": [ "127.0.0.1:0" ] },
          "TrafficManager": {
            "Zone": "tm.example.test", "ZoneTtl": 60,
            "LatencyTable": [ { "Network": "10.0.0.0/8", "Latencies": { "east": 10, "west": 80 } } ],
            "Profiles": [
              { "Name": "contoso", "RoutingMethod": "performance", "Ttl": "45",
                "Monitor": { "Protocol": "Https", "Port": 8443, "Path": "/health", "IntervalSeconds": 10.5, "TimeoutSeconds": "5",
                             "ToleratedFailures": 2, "ExpectedStatusCodes": [ "200-299", 401 ], "Headers": { "Host": "contoso.test", "X-Id": 7 },
                             "Fallback": { "Port": 5000, "Path": "/v2/" }, "Failback": { "Mode": "holddown", "HoldDownSeconds": "120" } },
                "Endpoints": [
                  { "Name": "east", "Location": "east", "Target": "192.0.2.1", "Enabled": "false" },
                  { "Name": "west", "Location": "west", "Target": "app.example.net", "Priority": 7, "Weight": 3 },
                ] },
              { "Name": "fabrikam", "RoutingMethod": "Subnet", "Monitor": { "Protocol": "Tcp", "Port": 443, "Fallback": null },
                "Endpoints": [ { "Name": "a", "Target": "192.0.2.9", "Subnets": [ "10.1.0.0/16", "10.2.0.1-10.2.0.9" ] }, { "Name": "b", "Target": "192.0.2.10", "Subnets": [] } ] },
            ],
          },
        }
        """;

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"router-tm-profiles-{Guid.NewGuid():N}.json");

    [Fact]
    public void Load_Profiles_SameOptionsAsConfigurationBinder()
    {
        // Arrange
        File.WriteAllText(_path, Json);
        var expected = new TrafficManagerOptions();
        new ConfigurationBuilder().AddJsonFile(_path).Build().GetSection("TrafficManager").Bind(expected);

        // Act
        var loaded = RouterConfigurationLoader.Load(_path);

        // Assert: compared as JSON, so a property the reader does not fill shows up here.
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors));
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(loaded.Options!.TrafficManager));
        Assert.Equal(2, loaded.Options.TrafficManager!.Profiles.Count);
    }

    [Fact]
    public void Load_BadProfileKeysAndValues_EachReportedWithItsKeyPath()
    {
        // Arrange
        File.WriteAllText(_path, """
            { "Dns": { "Listen": [ "127.0.0.1:0" ] },
              "TrafficManager": { "Zone": "tm.example.test", "Profiles": [
                { "Name": "a", "Bogus": 1, "Endpoints": [ { "Name": "e", "Target": "192.0.2.1" } ] },
                { "Name": "b", "Ttl": "soon", "Monitor": { "Port": [ 1 ] }, "Endpoints": "none" } ] } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Load(_path);

        // Assert
        Assert.False(loaded.IsValid);
        Assert.Contains(loaded.Errors, e => e.StartsWith("TrafficManager:Profiles:0:Bogus: unknown key (known here: Name,", StringComparison.Ordinal));
        Assert.Contains("TrafficManager:Profiles:1:Ttl: 'soon' is not a whole number", loaded.Errors);
        Assert.Contains("TrafficManager:Profiles:1:Monitor:Port: expected a single value, found an object or list", loaded.Errors);
        Assert.Contains("TrafficManager:Profiles:1:Endpoints: expected a list (JSON array), found the value 'none'", loaded.Errors);
    }

    [Fact]
    public void Load_Failback_ReadAndItsErrorsReportedWithTheirKeyPaths()
    {
        // Arrange
        File.WriteAllText(_path, """
            { "Dns": { "Listen": [ "127.0.0.1:0" ] },
              "TrafficManager": { "Zone": "tm.example.test", "Profiles": [
                { "Name": "a", "RoutingMethod": "Priority", "Monitor": { "Failback": { "Mode": "Manual" } }, "Endpoints": [ { "Name": "e", "Target": "192.0.2.1" } ] },
                { "Name": "b", "RoutingMethod": "Priority", "Monitor": { "Failback": { "Mode": "Sometimes", "HoldDownSeconds": 0, "Hold": 1 } },
                  "Endpoints": [ { "Name": "e", "Target": "192.0.2.1" } ] } ] } }
            """);

        // Act
        var loaded = RouterConfigurationLoader.Load(_path);

        // Assert
        Assert.False(loaded.IsValid);
        Assert.Contains("TrafficManager:Profiles:1:Monitor:Failback:Mode: 'Sometimes' is not one of Automatic, HoldDown, Manual", loaded.Errors);
        Assert.Contains(loaded.Errors, e => e.StartsWith("TrafficManager:Profiles:1:Monitor:Failback:Hold: unknown key", StringComparison.Ordinal));
        Assert.DoesNotContain(loaded.Errors, e => e.StartsWith("TrafficManager:Profiles:0:", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_TenThousandProfiles_LoadsValidatesAndAnswers()
    {
        // Arrange
        var json = new StringBuilder("""{"Dns":{"Listen":["127.0.0.1:0"]},"TrafficManager":{"Zone":"tm.example.test","Profiles":[""");
        for (int i = 0; i < 10_000; i++)
        {
            json.Append(i == 0 ? "" : ",").Append($$"""{"Name":"r{{i}}","RoutingMethod":"Priority","Monitor":{"Protocol":"Tcp","Port":443},"Endpoints":[{"Name":"east","Target":"192.0.2.1"},{"Name":"west","Target":"192.0.2.2"},{"Name":"asia","Target":"192.0.2.3"}]}""");
        }

        File.WriteAllText(_path, json.Append("]}}").ToString());

        // Act
        var loaded = RouterConfigurationLoader.Load(_path);

        // Assert
        Assert.True(loaded.IsValid, string.Join(Environment.NewLine, loaded.Errors.Take(5)));
        var options = loaded.Options!.TrafficManager!;
        Assert.Equal(10_000, options.Profiles.Count);
        var snapshot = RoutingSnapshot.Build(options, (_, _) => new EndpointRoutingState(true, Router.TrafficManager.Monitoring.EndpointStatus.Online));
        Assert.Equal("r9999", snapshot.FindProfile("r9999")!.Name);
        Assert.Equal(3, snapshot.FindProfile("r9999")!.Endpoints.Length);
    }

    public void Dispose() => File.Delete(_path);
}
