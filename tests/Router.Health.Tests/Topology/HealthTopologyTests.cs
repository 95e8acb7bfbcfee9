using Microsoft.Extensions.Time.Testing;
using Router.Health.Checks;
using Router.Health.Configuration;
using Router.Health.Evaluation;
using Router.Health.Monitoring;
using Router.Health.Tests.Monitoring;
using Router.Health.Topology;

namespace Router.Health.Tests.Topology;

/// <summary>Registries map to resources by kind; every bad reference is named with its key path.</summary>
public sealed class HealthTopologyTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void Build_ContosoAndFabrikam_ResolvesEachKindToItsResource()
    {
        // Act
        var (topology, errors) = Build(TestOptions.ContosoAndFabrikam());

        // Assert
        Assert.Empty(errors);
        Assert.NotNull(topology);
        Assert.Equal(["sa-1", "sa-2", "cache", "auth", "api", "meta"], topology.Resources.Select(r => r.Id));
        var contoso = topology.Registries[0];
        Assert.Equal("contoso", contoso.Name);
        Assert.Equal("sa-1", Id(topology, contoso[ResourceKind.Storage]));
        Assert.Equal("cache", Id(topology, contoso[ResourceKind.Cache]));
        Assert.Equal("auth", Id(topology, contoso[ResourceKind.Auth]));
        Assert.Equal("api", Id(topology, contoso[ResourceKind.Container]));
        Assert.Equal("meta", Id(topology, contoso[ResourceKind.Metadata]));
        var fabrikam = topology.Registries[1];
        Assert.Equal("sa-2", Id(topology, fabrikam[ResourceKind.Storage]));
        Assert.Equal(-1, fabrikam[ResourceKind.Metadata]);
    }

    [Fact]
    public void Build_ResourceTimeouts_OverrideOrDefault()
    {
        // Arrange
        var options = TestOptions.ContosoAndFabrikam();
        options.Resources[2].Check.TimeoutSeconds = 1.5;

        // Act
        var (topology, _) = Build(options);

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(3), topology!.Resources[0].Probes[0].Timeout);
        Assert.Equal(TimeSpan.FromSeconds(1.5), topology.Resources[2].Probes[0].Timeout);
    }

    [Theory]
    [InlineData("contoso")]
    [InlineData("CONTOSO")]
    [InlineData("Contoso")]
    public void TryFindRegistry_AnyCase_Found(string name)
    {
        // Arrange
        var (topology, _) = Build(TestOptions.ContosoAndFabrikam());

        // Act
        bool found = topology!.TryFindRegistry(name, out int index);

        // Assert
        Assert.True(found);
        Assert.Equal(0, index);
    }

    [Theory]
    [InlineData("")]
    [InlineData("contos")]
    [InlineData("contoso ")]
    [InlineData("northwind")]
    public void TryFindRegistry_UnknownName_NotFound(string name)
    {
        // Arrange
        var (topology, _) = Build(TestOptions.ContosoAndFabrikam());

        // Act + Assert
        Assert.False(topology!.TryFindRegistry(name, out _));
    }

    [Fact]
    public void Build_UnknownReference_NamedWithKeyPath()
    {
        // Arrange
        var options = TestOptions.ContosoAndFabrikam();
        options.Registries[1].Cache = "x";

        // Act
        var (topology, errors) = Build(options);

        // Assert
        Assert.Null(topology);
        Assert.Equal(["Health:Registries:1:Cache: 'x' is not a resource in Health:Resources"], errors);
    }

    [Fact]
    public void Build_ReferenceToResourceOfAnotherKind_NamedWithKeyPath()
    {
        // Arrange
        var options = TestOptions.ContosoAndFabrikam();
        options.Registries[0].Storage = "cache";
        options.Registries[1].Metadata = "sa-2";

        // Act
        var (_, errors) = Build(options);

        // Assert
        Assert.Equal(
            [
                "Health:Registries:0:Storage: 'cache' is a Cache resource, not Storage",
                "Health:Registries:1:Metadata: 'sa-2' is a Storage resource, not Metadata",
            ],
            errors);
    }

    [Fact]
    public void Build_ManyMistakes_AllReportedAtOnce()
    {
        // Arrange
        var options = TestOptions.With(
            [
                TestOptions.Resource("sa-1", ResourceKind.Storage),
                TestOptions.Resource("sa-1", ResourceKind.Cache),
                TestOptions.Resource("cache", kind: null),
                TestOptions.Resource(" ", ResourceKind.Auth),
                TestOptions.Resource("api", ResourceKind.Container),
            ],
            [
                new RegistryOptions { Name = "contoso", Storage = "sa-1", Cache = "cache", Auth = "sa-1", Container = "nope" },
                new RegistryOptions { Name = "CONTOSO", Storage = "sa-1" },
                new RegistryOptions { Storage = "sa-1" },
                new RegistryOptions { Name = "fabrikam", Metadata = "meta" },
            ]);

        // Act
        var (topology, errors) = Build(options);

        // Assert: one line per mistake; the reference to 'cache' is not reported again (the resource has its own error).
        Assert.Null(topology);
        Assert.Equal(
            [
                "Health:Resources:1:Id: 'sa-1' is used by another resource",
                "Health:Resources:2:Kind: required (Storage, Cache, Auth, Container, Metadata)",
                "Health:Resources:3:Id: required",
                "Health:Registries:0:Auth: 'sa-1' is a Storage resource, not Auth",
                "Health:Registries:0:Container: 'nope' is not a resource in Health:Resources",
                "Health:Registries:1:Name: 'CONTOSO' is configured twice",
                "Health:Registries:2:Name: required",
                "Health:Registries:3:Metadata: 'meta' is not a resource in Health:Resources",
            ],
            errors);
    }

    [Fact]
    public void Build_CheckErrors_ReportedUnderTheResourcePathAndReferenceNotRepeated()
    {
        // Arrange: the real check factory, and a check it rejects.
        var options = TestOptions.ContosoAndFabrikam();
        options.Resources[2].Check = new CheckOptions { Type = "Carrier pigeon" };
        var errors = new List<string>();

        // Act
        var topology = HealthTopology.Build(options, _clock, "Health", errors);

        // Assert
        Assert.Null(topology);
        var error = Assert.Single(errors);
        Assert.StartsWith("Health:Resources:2:Check:Type: 'Carrier pigeon'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_CustomPath_PrefixesEveryError()
    {
        // Arrange
        var options = TestOptions.ContosoAndFabrikam();
        options.Registries[0].Auth = "x";
        var errors = new List<string> { "an earlier error" };

        // Act
        var topology = HealthTopology.Build(options, _clock, "Router:Health", errors, (_, _, _) => new FakeCheck(_clock));

        // Assert: earlier errors are kept and do not count against this section.
        Assert.Null(topology);
        Assert.Equal(["an earlier error", "Router:Health:Registries:0:Auth: 'x' is not a resource in Router:Health:Resources"], errors);
    }

    [Fact]
    public void Build_EarlierErrorsInTheList_ValidSectionStillBuilds()
    {
        // Arrange
        var errors = new List<string> { "Dns:Listen:0: not an endpoint" };

        // Act
        var topology = HealthTopology.Build(TestOptions.ContosoAndFabrikam(), _clock, "Health", errors, (_, _, _) => new FakeCheck(_clock));

        // Assert
        Assert.NotNull(topology);
        Assert.Single(errors);
    }

    [Fact]
    public void Build_ResourceSharedByManyRegistries_OneResourceWithEveryDependent()
    {
        // Arrange: 200 registries on 2 storage accounts, all sharing one cache, auth and api.
        var registries = Enumerable.Range(0, 200).Select(i => new RegistryOptions
        {
            Name = $"tenant-{i}",
            Storage = i % 2 == 0 ? "sa-1" : "sa-2",
            Cache = "cache",
            Auth = "auth",
            Container = "api",
            Metadata = i < 10 ? "meta" : null,
        });
        var options = TestOptions.With(TestOptions.ContosoAndFabrikam().Resources, registries);
        int created = 0;

        // Act
        var errors = new List<string>();
        var topology = HealthTopology.Build(options, _clock, "Health", errors, (_, _, _) =>
        {
            created++;
            return new FakeCheck(_clock);
        });
        var snapshot = new HealthSnapshot(topology!, [.. topology!.Resources.Select(_ => ResourceHealth.Initial(_clock.GetUtcNow()))], options, firstVersion: 1, _clock.GetUtcNow());

        // Assert: one check per resource, however many registries share it.
        Assert.Empty(errors);
        Assert.Equal(6, created);
        Assert.Equal(6, topology.Resources.Length);
        Assert.Equal(100, snapshot.Dependents[Index(topology, "sa-1")].Length);
        Assert.Equal(100, snapshot.Dependents[Index(topology, "sa-2")].Length);
        Assert.Equal(Enumerable.Range(0, 200), snapshot.Dependents[Index(topology, "cache")]);
        Assert.Equal(Enumerable.Range(0, 10), snapshot.Dependents[Index(topology, "meta")]);
        Assert.All(snapshot.Dependents[Index(topology, "sa-1")], r => Assert.Equal(0, r % 2));
    }

    [Fact]
    public void Build_UnusedResource_StillProbedWithNoDependents()
    {
        // Arrange
        var options = TestOptions.ContosoAndFabrikam();
        options.Resources.Add(TestOptions.Resource("spare", ResourceKind.Storage));

        // Act
        var (topology, errors) = Build(options);
        var snapshot = new HealthSnapshot(topology!, [.. topology!.Resources.Select(_ => ResourceHealth.Initial(_clock.GetUtcNow()))], options, firstVersion: 1, _clock.GetUtcNow());

        // Assert
        Assert.Empty(errors);
        Assert.Empty(snapshot.Dependents[Index(topology, "spare")]);
    }

    [Fact]
    public void Build_SameCheckSettings_SameFingerprint_ChangedSettings_Different()
    {
        // Arrange
        var changed = TestOptions.ContosoAndFabrikam();
        changed.Resources[0].Check.TimeoutSeconds = 2;
        changed.Resources[2].Check.Password = "new";

        // Act
        var (before, _) = Build(TestOptions.ContosoAndFabrikam());
        var (again, _) = Build(TestOptions.ContosoAndFabrikam());
        var (after, _) = Build(changed);

        // Assert
        Assert.Equal(before!.Resources.Select(r => r.CheckFingerprint), again!.Resources.Select(r => r.CheckFingerprint));
        Assert.NotEqual(before.Resources[0].CheckFingerprint, after!.Resources[0].CheckFingerprint);
        Assert.NotEqual(before.Resources[2].CheckFingerprint, after.Resources[2].CheckFingerprint);
        Assert.Equal(before.Resources[1].CheckFingerprint, after.Resources[1].CheckFingerprint);
    }

    [Fact]
    public void Build_EachCheckSettingChanged_FingerprintDiffers()
    {
        // Arrange: every public setting of a check, changed one at a time (a reload must restart the resource's state).
        var (baseline, _) = Build(TestOptions.ContosoAndFabrikam());
        var settings = typeof(CheckOptions).GetProperties().Where(p => p.CanWrite).ToArray();
        Assert.Contains(settings, p => p.Name == nameof(CheckOptions.Servers));

        foreach (var setting in settings)
        {
            var changed = TestOptions.ContosoAndFabrikam();
            var check = changed.Resources[0].Check;
            object value = setting.PropertyType switch
            {
                var t when t == typeof(string) => "changed",
                var t when t == typeof(int?) || t == typeof(int) => 7,
                var t when t == typeof(double?) || t == typeof(double) => 7.5,
                var t when t == typeof(List<string>) => new List<string> { "changed" },
                var t when t == typeof(Dictionary<string, string>) => new Dictionary<string, string> { ["X-Changed"] = "1" },
                var t => throw new InvalidOperationException($"CheckOptions.{setting.Name} has a type this test does not know: {t}"),
            };
            setting.SetValue(check, value);

            // Act
            var (after, errors) = Build(changed);

            // Assert
            Assert.True(after is not null, $"Check:{setting.Name}: {string.Join("; ", errors)}");
            Assert.True(after.Resources[0].CheckFingerprint != baseline!.Resources[0].CheckFingerprint,
                $"changing Check:{setting.Name} leaves the fingerprint as it was");
        }
    }

    private (HealthTopology? Topology, List<string> Errors) Build(HealthOptions options)
    {
        var errors = new List<string>();
        var topology = HealthTopology.Build(options, _clock, "Health", errors, (_, _, _) => new FakeCheck(_clock));
        return (topology, errors);
    }

    private static string Id(HealthTopology topology, int index) => topology.Resources[index].Id;

    private static int Index(HealthTopology topology, string id) => Array.FindIndex(topology.Resources, r => r.Id == id);
}
