using Router.TrafficManager.Configuration;
using Router.TrafficManager.Tests.Routing;

namespace Router.TrafficManager.Tests.Configuration;

/// <summary>The rules of <c>Monitor:Mode: Batch</c>, each reported with its key path.</summary>
public sealed class TrafficManagerOptionsValidatorBatchTests
{
    private const string M0 = "TrafficManager:Profiles:0:Monitor";

    public static TheoryData<string, Action<MonitorOptions>> SingleErrors => new()
    {
        { $"{M0}:Mode: must be Probe or Batch", m => m.Mode = (MonitorMode)7 },
        { $"{M0}:Registry: must not be empty (leave it out to use the profile's name)", m => (m.Mode, m.Registry) = (MonitorMode.Batch, " ") },
        { $"{M0}:MaxBatchBytes: must be at least 1024", m => (m.Mode, m.MaxBatchBytes) = (MonitorMode.Batch, 1023) },
        { $"{M0}:Protocol: must be Http or Https in Batch mode (the batch document is fetched over HTTP)", m => (m.Mode, m.Protocol) = (MonitorMode.Batch, MonitorProtocol.Tcp) },
    };

    [Theory]
    [MemberData(nameof(SingleErrors))]
    public void Validate_BadBatchKey_OneErrorWithItsPath(string expected, Action<MonitorOptions> breakIt)
    {
        var options = RoutingFixtures.Contract();
        breakIt(options.Profiles[0].Monitor);

        Assert.Equal([expected], TrafficManagerOptionsValidator.Validate(options));
    }

    [Fact]
    public void Validate_BatchProfilesAgreeingOnTheirOrigin_NoErrors()
    {
        var options = TwoBatchProfiles();

        Assert.Empty(TrafficManagerOptionsValidator.Validate(options));
    }

    [Fact]
    public void Validate_ProfilesSharingAnOriginDisagree_NamesBothKeyPaths()
    {
        var options = TwoBatchProfiles();
        options.Profiles[1].Monitor.IntervalSeconds = 20;

        var error = Assert.Single(TrafficManagerOptionsValidator.Validate(options));

        Assert.StartsWith("TrafficManager:Profiles:1:Monitor:IntervalSeconds: differs from TrafficManager:Profiles:0:Monitor:IntervalSeconds", error, StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.11:8080/health/registries", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ProfilesOnDifferentOrigins_MayDisagree()
    {
        var options = TwoBatchProfiles();
        options.Profiles[1].Monitor.IntervalSeconds = 20;
        options.Profiles[1].Monitor.Port = 9090;

        Assert.Empty(TrafficManagerOptionsValidator.Validate(options));
    }

    private static TrafficManagerOptions TwoBatchProfiles()
    {
        var options = RoutingFixtures.Contract();
        var first = options.Profiles[0];
        first.Monitor = new MonitorOptions { Mode = MonitorMode.Batch, Port = 8080, IntervalSeconds = 10, TimeoutSeconds = 5 };
        options.Profiles.Add(new ProfileOptions
        {
            Name = "fabrikam",
            Monitor = new MonitorOptions { Mode = MonitorMode.Batch, Port = 8080, IntervalSeconds = 10, TimeoutSeconds = 5, Registry = "fabrikam-registry" },
            Endpoints = [new EndpointOptions { Name = "eastus", Target = "127.0.0.11", Location = "eastus" }],
        });
        return options;
    }
}
