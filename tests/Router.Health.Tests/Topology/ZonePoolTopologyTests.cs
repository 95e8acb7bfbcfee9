using Microsoft.Extensions.Time.Testing;
using Router.Health.Configuration;
using Router.Health.Topology;

namespace Router.Health.Tests.Topology;

/// <summary>Zone pools (<c>Instances</c>, <c>MinHealthy</c>) and registries' <c>Zones</c>: built as configured, every mistake named with its key path.</summary>
public sealed class ZonePoolTopologyTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void Build_PoolOfThree_OneProbePerZoneMajorityByDefault()
    {
        // Arrange
        var options = TestOptions.With(
            [TestOptions.Pool("sa", ResourceKind.Storage, null, "1", "2", "3"), TestOptions.Pool("fe", ResourceKind.Container, 1, "2", "3", "4")],
            [new RegistryOptions { Name = "contoso", Storage = "sa", Container = "fe", Zones = ["2", "3"] }]);

        // Act
        var (topology, errors) = Build(options);

        // Assert
        Assert.Empty(errors);
        var sa = topology!.Resources[0];
        Assert.True(sa.IsPool);
        Assert.Equal(2, sa.MinHealthy);
        Assert.Equal(["1", "2", "3"], sa.Probes.Select(p => p.Zone));
        Assert.Equal(1, topology.Resources[1].MinHealthy);
        Assert.Equal(["1", "2", "3", "4"], topology.ZoneNames);
        Assert.Equal((1UL << 1) | (1UL << 2), topology.Registries[0].Zones!.Mask);
    }

    [Fact]
    public void Build_EveryPoolMistake_ReportedWithItsKeyPath()
    {
        // Arrange
        var both = TestOptions.Pool("both", ResourceKind.Storage, null, "1", "2");
        both.Check = new CheckOptions { Type = "Filesystem", Path = "/srv" };
        var duplicate = TestOptions.Pool("dup", ResourceKind.Storage, null, "1", "1", " ");
        var tooMany = TestOptions.Pool("many", ResourceKind.Cache, 4, "1", "2", "3");
        var none = TestOptions.Pool("none", ResourceKind.Cache, 0, "1", "2", "3");
        var single = TestOptions.Resource("single", ResourceKind.Auth);
        single.MinHealthy = 1;
        var badCheck = TestOptions.Pool("bad", ResourceKind.Container, null, "1", "2");
        badCheck.Instances[1].Check = new CheckOptions { Type = "Carrier pigeon" };
        var options = TestOptions.With([both, duplicate, tooMany, none, single, badCheck], []);

        // Act
        var (topology, errors) = Build(options);

        // Assert
        Assert.Null(topology);
        Assert.Contains("Health:Resources:0:Check: a resource has either Check or Instances, not both", errors);
        Assert.Contains("Health:Resources:1:Instances:1:Zone: '1' is used by another instance of this resource", errors);
        Assert.Contains(errors, e => e.StartsWith("Health:Resources:1:Instances:2:Zone: required", StringComparison.Ordinal));
        Assert.Contains("Health:Resources:2:MinHealthy: must be 1-3 (the number of instances)", errors);
        Assert.Contains("Health:Resources:3:MinHealthy: must be 1-3 (the number of instances)", errors);
        Assert.Contains("Health:Resources:4:MinHealthy: only for a zone pool (a resource with Instances)", errors);
        Assert.Contains(errors, e => e.StartsWith("Health:Resources:5:Instances:1:Check:Type:", StringComparison.Ordinal));
        Assert.Equal(7, errors.Count);
    }

    [Fact]
    public void Build_EveryRegistryZonesMistake_ReportedWithItsKeyPath()
    {
        // Arrange
        var options = TestOptions.With(
            [TestOptions.Pool("sa", ResourceKind.Storage, null, "1", "2", "3"), TestOptions.Pool("fe", ResourceKind.Container, null, "1", "2"),
             TestOptions.Resource("cache", ResourceKind.Cache)],
            [
                new RegistryOptions { Name = "contoso", Storage = "sa", Container = "fe", Zones = ["1", "3", "1", ""] },
                new RegistryOptions { Name = "fabrikam", Cache = "cache", Zones = ["1"] },
                new RegistryOptions { Name = "adatum", Storage = "sa", Zones = ["9"] },
            ]);

        // Act
        var (topology, errors) = Build(options);

        // Assert
        Assert.Null(topology);
        Assert.Equal(
        [
            "Health:Registries:0:Zones:1: Container 'fe' has no instance in zone '3'",
            "Health:Registries:0:Zones:2: '1' is listed twice",
            "Health:Registries:0:Zones:3: empty (a zone name, e.g. \"1\")",
            "Health:Registries:1:Zones: the registry has no zonal dependency (a resource with Instances) for zones to apply to",
            "Health:Registries:2:Zones:0: Storage 'sa' has no instance in zone '9'",
        ], errors);
    }

    [Fact]
    public void Validate_InstanceTimeoutNotBelowInterval_ReportedAtTheInstance()
    {
        // Arrange
        var pool = TestOptions.Pool("sa", ResourceKind.Storage, null, "1", "2", "3");
        pool.Instances[2].Check.TimeoutSeconds = 5;
        var options = TestOptions.With([pool], [new RegistryOptions { Name = "contoso", Storage = "sa" }]);

        // Act
        var errors = HealthOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(["Health:Resources:0:Instances:2:Check:TimeoutSeconds: must be less than Evaluation:IntervalSeconds (5)"], errors);
    }

    [Fact]
    public void Build_PoolCheckOrMinimumChanged_FingerprintDiffers()
    {
        // Arrange
        static HealthOptions Make(Action<ResourceOptions> change)
        {
            var pool = TestOptions.Pool("sa", ResourceKind.Storage, null, "1", "2", "3");
            change(pool);
            return TestOptions.With([pool], []);
        }

        string baseline = Build(Make(_ => { })).Topology!.Resources[0].CheckFingerprint;

        // Act
        string[] changed =
        [
            Build(Make(p => p.MinHealthy = 3)).Topology!.Resources[0].CheckFingerprint,
            Build(Make(p => p.Instances[1].Check.TimeoutSeconds = 2)).Topology!.Resources[0].CheckFingerprint,
            Build(Make(p => p.Instances[2].Zone = "4")).Topology!.Resources[0].CheckFingerprint,
        ];

        // Assert
        Assert.Equal(baseline, Build(Make(p => p.MinHealthy = 2)).Topology!.Resources[0].CheckFingerprint);
        Assert.All(changed, fingerprint => Assert.NotEqual(baseline, fingerprint));
    }

    private (HealthTopology? Topology, List<string> Errors) Build(HealthOptions options)
    {
        var errors = new List<string>();
        return (HealthTopology.Build(options, _clock, "Health", errors), errors);
    }
}
