using Router.TrafficManager.Configuration;
using Router.TrafficManager.Tests.Routing;

namespace Router.TrafficManager.Tests.Configuration;

/// <summary><see cref="TrafficManagerOptionsValidator"/>: every rule reported with its full key path.</summary>
public sealed class TrafficManagerOptionsValidatorTests
{
    private const string P0 = "TrafficManager:Profiles:0";

    [Fact]
    public void Validate_ContractExample_NoErrors()
    {
        // Act
        var errors = TrafficManagerOptionsValidator.Validate(RoutingFixtures.Contract());

        // Assert
        Assert.Empty(errors);
    }

    [Fact]
    public void Validate_ToleratedFailuresTen_ExactContractMessage()
    {
        // Arrange
        var options = RoutingFixtures.Contract();
        options.Profiles[0].Monitor.ToleratedFailures = 10;

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(["TrafficManager:Profiles:0:Monitor:ToleratedFailures: must be 0-9"], errors);
    }

    public static TheoryData<string, Action<TrafficManagerOptions>> SingleErrors => new()
    {
        { "TrafficManager:Zone", o => o.Zone = null },
        { "TrafficManager:Zone", o => o.Zone = "-bad.test" },
        { "TrafficManager:Zone", o => o.Zone = "tm..test" },
        { "TrafficManager:ZoneTtl", o => o.ZoneTtl = -1 },
        { "TrafficManager:LatencyTable:0:Network", o => o.LatencyTable[0].Network = "127.0.0.1/8" },
        { "TrafficManager:LatencyTable:0:Network", o => o.LatencyTable[0].Network = "banana" },
        { "TrafficManager:LatencyTable:0:Network", o => o.LatencyTable[0].Network = null },
        { "TrafficManager:LatencyTable:1:Network", o => o.LatencyTable[1].Network = "127.0.0.0/8" },
        { "TrafficManager:LatencyTable:0:Latencies:eastus", o => o.LatencyTable[0].Latencies["eastus"] = -1 },
        { "TrafficManager:LatencyTable:0:Latencies:eastus", o => o.LatencyTable[0].Latencies["eastus"] = double.NaN },
        { $"{P0}:Name", o => o.Profiles[0].Name = null },
        { $"{P0}:Name", o => o.Profiles[0].Name = "con toso" },
        { $"{P0}:Name", o => o.Profiles[0].Name = "contoso." },
        { $"{P0}:Name", o => o.Profiles[0].Name = "ns1" },
        { "TrafficManager:Profiles:1:Name", o => o.Profiles.Add(Copy(o.Profiles[0], "CONTOSO")) },
        { $"{P0}:RoutingMethod", o => o.Profiles[0].RoutingMethod = (RoutingMethod)42 },
        { $"{P0}:Endpoints:1:GeoMapping:0", o => o.Profiles[0].Endpoints[1].GeoMapping = ["ZZ"] },
        { $"{P0}:Ttl", o => o.Profiles[0].Ttl = -1 },
        { $"{P0}:Monitor:Port", o => o.Profiles[0].Monitor.Port = 0 },
        { $"{P0}:Monitor:Port", o => o.Profiles[0].Monitor.Port = 65536 },
        { $"{P0}:Monitor:Path", o => o.Profiles[0].Monitor.Path = "health" },
        { $"{P0}:Monitor:IntervalSeconds", o => o.Profiles[0].Monitor.IntervalSeconds = 0.5 },
        { $"{P0}:Monitor:TimeoutSeconds", o => o.Profiles[0].Monitor.TimeoutSeconds = 0 },
        { $"{P0}:Monitor:TimeoutSeconds", o => o.Profiles[0].Monitor.TimeoutSeconds = 30 },
        { $"{P0}:Monitor:ToleratedFailures", o => o.Profiles[0].Monitor.ToleratedFailures = -1 },
        { $"{P0}:Monitor:SuccessesToOnline", o => o.Profiles[0].Monitor.SuccessesToOnline = 0 },
        { $"{P0}:Monitor:SuccessesToOnline", o => o.Profiles[0].Monitor.SuccessesToOnline = 101 },
        { $"{P0}:Monitor:ExpectedStatusCodes:0", o => o.Profiles[0].Monitor.ExpectedStatusCodes = ["600"] },
        { $"{P0}:Monitor:ExpectedStatusCodes:1", o => o.Profiles[0].Monitor.ExpectedStatusCodes = ["200", "299-200"] },
        { $"{P0}:Monitor:ExpectedStatusCodes:0", o => o.Profiles[0].Monitor.ExpectedStatusCodes = ["2xx"] },
        { $"{P0}:Monitor:Headers", o => AddHeaders(o.Profiles[0].Monitor.Headers, 8) },
        { $"{P0}:Monitor:Headers:Bad Header", o => o.Profiles[0].Monitor.Headers["Bad Header"] = "x" },
        { $"{P0}:Monitor:Headers:X-Line", o => o.Profiles[0].Monitor.Headers["X-Line"] = "a\r\nb" },
        { $"{P0}:Monitor:Fallback:Port", o => o.Profiles[0].Monitor.Fallback!.Port = 70000 },
        { $"{P0}:Monitor:Fallback:Path", o => o.Profiles[0].Monitor.Fallback!.Path = "v2" },
        { $"{P0}:Monitor:Fallback:ExpectedStatusCodes:1", o => o.Profiles[0].Monitor.Fallback!.ExpectedStatusCodes[1] = "99" },
        { $"{P0}:Monitor:Fallback:Headers", o => AddHeaders(o.Profiles[0].Monitor.Fallback!.Headers, 9) },
        { $"{P0}:Endpoints", o => o.Profiles[0].Endpoints.Clear() },
        { $"{P0}:Endpoints:1:Name", o => o.Profiles[0].Endpoints[1].Name = null },
        { $"{P0}:Endpoints:1:Name", o => o.Profiles[0].Endpoints[1].Name = "EASTUS" },
        { $"{P0}:Endpoints:1:Target", o => o.Profiles[0].Endpoints[1].Target = null },
        { $"{P0}:Endpoints:1:Target", o => o.Profiles[0].Endpoints[1].Target = "not a name!" },
        { $"{P0}:Endpoints:1:Target", o => o.Profiles[0].Endpoints[1].Target = "010.0.0.1" },
        { $"{P0}:Endpoints:1:Location", o => o.Profiles[0].Endpoints[1].Location = null },
        { $"{P0}:Endpoints:1:Priority", o => o.Profiles[0].Endpoints[1].Priority = 0 },
        { $"{P0}:Endpoints:1:Priority", o => o.Profiles[0].Endpoints[1].Priority = 1001 },
        { $"{P0}:Endpoints:1:Weight", o => o.Profiles[0].Endpoints[1].Weight = 0 },
        { $"{P0}:Endpoints:1:Weight", o => o.Profiles[0].Endpoints[1].Weight = 1001 },
        { $"{P0}:Endpoints:1:Subnets:0", o => o.Profiles[0].Endpoints[1].Subnets = ["10.0.0.0/33"] },
        { $"{P0}:Endpoints:1:Subnets:0", o => o.Profiles[0].Endpoints[1].Subnets = ["10.0.0.9-10.0.0.1"] },
        { $"{P0}:Endpoints:1:Subnets:0", o => o.Profiles[0].Endpoints[1].Subnets = ["10.0.0.1-::1"] },
    };

    [Theory]
    [MemberData(nameof(SingleErrors))]
    public void Validate_OneBadValue_OneErrorWithItsPath(string path, Action<TrafficManagerOptions> breakIt)
    {
        // Arrange
        var options = RoutingFixtures.Contract();
        breakIt(options);

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options);

        // Assert
        var error = Assert.Single(errors);
        Assert.StartsWith(path + ": ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PriorityProfileSharedPriority_ErrorNamesTheOtherEndpoint()
    {
        // Arrange: endpoint 2 has no priority, so its position (2) is its priority, which endpoint 0 already has.
        var options = RoutingFixtures.Contract();
        var profile = options.Profiles[0];
        profile.RoutingMethod = RoutingMethod.Priority;
        profile.Endpoints[0].Priority = 2;
        profile.Endpoints[2].Priority = null;

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options);

        // Assert
        var error = Assert.Single(errors);
        Assert.StartsWith($"{P0}:Endpoints:1:Priority: 2 (its position", error, StringComparison.Ordinal);
        Assert.Contains($"{P0}:Endpoints:0", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PerformanceProfileSharedPriority_Accepted()
    {
        // Arrange: priorities only have to be unique where they route.
        var options = RoutingFixtures.Contract();
        options.Profiles[0].Endpoints[0].Priority = 3;

        // Act + Assert
        Assert.Empty(TrafficManagerOptionsValidator.Validate(options));
    }

    [Fact]
    public void Validate_MultiValue_NameTargetAndMaxReturnRejected()
    {
        // Arrange
        var options = RoutingFixtures.Contract();
        var profile = options.Profiles[0];
        profile.RoutingMethod = RoutingMethod.MultiValue;
        profile.MaxReturn = 9;
        profile.Endpoints[2].Target = "eastasia.example.net";

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(2, errors.Count);
        Assert.StartsWith($"{P0}:MaxReturn: must be 1-8", errors[0], StringComparison.Ordinal);
        Assert.StartsWith($"{P0}:Endpoints:2:Target: MultiValue", errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SubnetRangesOverlapBetweenEndpoints_RejectedButNotWithinOne()
    {
        // Arrange: 10.1.0.0/16 (e0) overlaps 10.1.2.5-10.1.2.9 (e1); e0's own two entries overlap, which is fine.
        var profile = RoutingFixtures.Profile("subnets", RoutingMethod.Subnet, "192.0.2.1", "192.0.2.2", "192.0.2.3");
        profile.Endpoints[0].Subnets = ["10.1.0.0/16", "10.1.2.0/24"];
        profile.Endpoints[1].Subnets = ["10.2.0.0/16", "10.1.2.5-10.1.2.9"];
        var options = RoutingFixtures.Options([profile]);

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options);

        // Assert
        var error = Assert.Single(errors);
        Assert.StartsWith("TrafficManager:Profiles:0:Endpoints:1:Subnets:1: '10.1.2.5-10.1.2.9' overlaps", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NameTargetsWithAndWithoutTrailingDotAndIPv6_Accepted()
    {
        // Arrange
        var profile = RoutingFixtures.Profile("p", RoutingMethod.Priority, "eastus.example.net.", "west_1.example.net", "2001:db8::1");
        var options = RoutingFixtures.Options([profile]);

        // Act + Assert
        Assert.Empty(TrafficManagerOptionsValidator.Validate(options));
    }

    [Fact]
    public void Validate_ManyProblems_EveryOneReported()
    {
        // Arrange
        var options = RoutingFixtures.Contract();
        options.Zone = null;
        options.Profiles[0].Monitor.ToleratedFailures = 10;
        options.Profiles[0].Endpoints[2].Weight = 0;
        options.LatencyTable[2].Network = "10.1.0.0/64";

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(
            ["TrafficManager:Zone", "TrafficManager:LatencyTable:2:Network", $"{P0}:Monitor:ToleratedFailures", $"{P0}:Endpoints:2:Weight"],
            errors.Select(e => e[..e.IndexOf(": ", StringComparison.Ordinal)]));
    }

    [Fact]
    public void Validate_CustomPath_UsedAsPrefix()
    {
        // Arrange
        var options = RoutingFixtures.Contract();
        options.ZoneTtl = -5;

        // Act
        var errors = TrafficManagerOptionsValidator.Validate(options, "Router:TrafficManager");

        // Assert
        Assert.Equal(["Router:TrafficManager:ZoneTtl: must be 0-2147483647"], errors);
    }

    private static void AddHeaders(Dictionary<string, string> headers, int count)
    {
        for (int i = 0; i < count; i++)
        {
            headers[$"X-Extra-{i}"] = "1";
        }
    }

    private static ProfileOptions Copy(ProfileOptions profile, string name) => new()
    {
        Name = name,
        RoutingMethod = profile.RoutingMethod,
        Monitor = profile.Monitor,
        Endpoints = profile.Endpoints,
    };
}
