using Microsoft.Extensions.Options;
using Router.Health.Checks;
using Router.Health.Configuration;
using Router.Health.Topology;
using Router.Health.Tests.Topology;

namespace Router.Health.Tests.Configuration;

/// <summary>The <c>Health</c> section is validated at once, every error as <c>path: reason</c>, with the real check factory.</summary>
public sealed class HealthOptionsValidatorTests
{
    [Fact]
    public void Validate_ContractExample_NoErrors()
    {
        // Act
        var errors = HealthOptionsValidator.Validate(TestOptions.ContosoAndFabrikam());

        // Assert
        Assert.Empty(errors);
    }

    [Fact]
    public void Validate_Defaults_OnlyRegionMissing()
    {
        // Act: an empty section (no resources, no registries) with default timings.
        var errors = HealthOptionsValidator.Validate(new HealthOptions());

        // Assert
        Assert.Equal(["Health:Region: required (the region this monitor runs in, e.g. eastus)"], errors);
    }

    [Theory]
    [InlineData(5, 5)]
    [InlineData(5, 6)]
    [InlineData(5, 0)]
    [InlineData(5, -1)]
    public void Validate_TimeoutNotBelowInterval_Error(double interval, double timeout)
    {
        // Arrange
        var options = TestOptions.ContosoAndFabrikam();
        options.Evaluation.IntervalSeconds = interval;
        options.Evaluation.TimeoutSeconds = timeout;

        // Act
        var errors = HealthOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(["Health:Evaluation:TimeoutSeconds: must be greater than 0 and less than IntervalSeconds (5)"], errors);
    }

    [Theory]
    [InlineData(5, 5)]
    [InlineData(5, 4)]
    [InlineData(5, 0)]
    public void Validate_StaleAfterNotAboveInterval_Error(double interval, double staleAfter)
    {
        // Arrange
        var options = TestOptions.ContosoAndFabrikam();
        options.Evaluation.IntervalSeconds = interval;
        options.Evaluation.StaleAfterSeconds = staleAfter;

        // Act
        var errors = HealthOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(["Health:Evaluation:StaleAfterSeconds: must be greater than IntervalSeconds (5)"], errors);
    }

    [Fact]
    public void Validate_CheckTimeoutNotBelowInterval_ErrorUnderTheResource()
    {
        // Arrange
        var options = TestOptions.ContosoAndFabrikam();
        options.Resources[3].Check.TimeoutSeconds = 5;

        // Act
        var errors = HealthOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(["Health:Resources:3:Check:TimeoutSeconds: must be less than Evaluation:IntervalSeconds (5)"], errors);
    }

    [Theory]
    [InlineData(nameof(HealthEvaluationOptions.FailuresToUnhealthy), 0, "Health:Evaluation:FailuresToUnhealthy: must be 1-100")]
    [InlineData(nameof(HealthEvaluationOptions.FailuresToUnhealthy), 101, "Health:Evaluation:FailuresToUnhealthy: must be 1-100")]
    [InlineData(nameof(HealthEvaluationOptions.SuccessesToHealthy), 0, "Health:Evaluation:SuccessesToHealthy: must be 1-100")]
    [InlineData(nameof(HealthEvaluationOptions.MaxConcurrentChecks), 0, "Health:Evaluation:MaxConcurrentChecks: must be 1-10000")]
    public void Validate_ThresholdOutOfRange_Error(string key, int value, string expected)
    {
        // Arrange
        var options = TestOptions.ContosoAndFabrikam();
        switch (key)
        {
            case nameof(HealthEvaluationOptions.FailuresToUnhealthy):
                options.Evaluation.FailuresToUnhealthy = value;
                break;
            case nameof(HealthEvaluationOptions.SuccessesToHealthy):
                options.Evaluation.SuccessesToHealthy = value;
                break;
            default:
                options.Evaluation.MaxConcurrentChecks = value;
                break;
        }

        // Act
        var errors = HealthOptionsValidator.Validate(options);

        // Assert
        Assert.Equal([expected], errors);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:8081")]
    [InlineData("https://127.0.0.1:8081")]
    [InlineData("127.0.0.1:8081")]
    [InlineData("http://127.0.0.1:8081/health")]
    [InlineData("http://")]
    [InlineData("not a url")]
    public void Validate_BadListen_ErrorQuotesTheValue(string listen)
    {
        // Arrange
        var options = TestOptions.ContosoAndFabrikam();
        options.Listen = listen;

        // Act
        var errors = HealthOptionsValidator.Validate(options);

        // Assert
        Assert.Equal([$"Health:Listen: '{listen}' is not an http://HOST:PORT URL"], errors);
    }

    [Theory]
    [InlineData(null, "http://127.0.0.1:8081/")]
    [InlineData("", "http://127.0.0.1:8081/")]
    [InlineData("http://127.0.0.11:8081", "http://127.0.0.11:8081/")]
    [InlineData(" http://[::1]:9000/ ", "http://[::1]:9000/")]
    [InlineData("http://127.0.0.1:0", "http://127.0.0.1:0/")]
    public void TryParseListen_GoodValue_Parsed(string? listen, string expected)
    {
        // Act
        bool ok = HealthOptionsValidator.TryParseListen(listen, out var uri, out string? error);

        // Assert
        Assert.True(ok, error);
        Assert.Equal(new Uri(expected), uri);
    }

    [Fact]
    public void Validate_ManyMistakes_EveryErrorAtOnce()
    {
        // Arrange
        var options = TestOptions.With(
            [
                TestOptions.Resource("sa-1", ResourceKind.Storage),
                TestOptions.Resource("sa-1", ResourceKind.Cache),
                TestOptions.Resource("cache", ResourceKind.Cache),
            ],
            [
                new RegistryOptions { Name = "contoso", Storage = "sa-1", Cache = "x" },
                new RegistryOptions { Name = "fabrikam", Storage = "cache" },
                new RegistryOptions { Name = "Fabrikam", Storage = "sa-1" },
            ]);
        options.Region = " ";
        options.Listen = "https://0.0.0.0:8081";
        options.Evaluation.TimeoutSeconds = 5;
        options.Evaluation.StaleAfterSeconds = 5;

        // Act
        var errors = HealthOptionsValidator.Validate(options);

        // Assert
        Assert.Equal(
            [
                "Health:Region: required (the region this monitor runs in, e.g. eastus)",
                "Health:Listen: 'https://0.0.0.0:8081' is not an http://HOST:PORT URL",
                "Health:Evaluation:TimeoutSeconds: must be greater than 0 and less than IntervalSeconds (5)",
                "Health:Evaluation:StaleAfterSeconds: must be greater than IntervalSeconds (5)",
                "Health:Resources:1:Id: 'sa-1' is used by another resource",
                "Health:Registries:0:Cache: 'x' is not a resource in Health:Resources",
                "Health:Registries:1:Storage: 'cache' is a Cache resource, not Storage",
                "Health:Registries:2:Name: 'Fabrikam' is configured twice",
            ],
            errors);
    }

    [Fact]
    public void Validate_AsOptionsValidator_FailsWithEveryError()
    {
        // Arrange
        var options = TestOptions.ContosoAndFabrikam();
        options.Region = null;
        options.Registries[0].Cache = "x";
        IValidateOptions<HealthOptions> validator = new HealthOptionsValidator();

        // Act
        var result = validator.Validate(Microsoft.Extensions.Options.Options.DefaultName, options);

        // Assert
        Assert.True(result.Failed);
        Assert.Equal(
            [
                "Health:Region: required (the region this monitor runs in, e.g. eastus)",
                "Health:Registries:0:Cache: 'x' is not a resource in Health:Resources",
            ],
            result.Failures);
    }

    [Fact]
    public void Validate_AsOptionsValidator_ValidSectionSucceeds()
    {
        // Act
        var result = new HealthOptionsValidator().Validate(null, TestOptions.ContosoAndFabrikam());

        // Assert
        Assert.True(result.Succeeded);
    }

    [Fact]
    public void Validate_EveryCheckType_BuildsNoLiveCheck()
    {
        // Arrange: one valid resource per check type; every live check built on this flow is recorded.
        var options = TestOptions.With(
            [
                Resource("fs", new CheckOptions { Type = "Filesystem", Path = "/srv/sa-1" }),
                Resource("http", new CheckOptions { Type = "Http", Url = "http://127.0.0.1:5000/v2/", Username = "probe", Password = "pass" }),
                Resource("tcp", new CheckOptions { Type = "Tcp", Endpoint = "127.0.0.1:7" }),
                Resource("redis", ResourceKind.Cache, new CheckOptions { Type = "Redis", Endpoint = "127.0.0.1:6379", Password = "pass" }),
                Resource("pg", new CheckOptions { Type = "Postgres", ConnectionString = "Host=127.0.0.1;Port=5432;Username=probe;Database=meta" }),
                Resource("registry", new CheckOptions { Type = "Registry", Url = "http://127.0.0.1:5000", Repository = "canary", LatencyBudgetMilliseconds = 500 }),
                Resource("dns", new CheckOptions { Type = "Dns", Name = "registry.test", Servers = ["127.0.0.1:53"] }),
            ],
            [new RegistryOptions { Name = "contoso", Storage = "fs", Cache = "redis" }]);
        Assert.Equal(CheckTypes.All.Order(), options.Resources.Select(r => r.Check.Type!).Order());
        var built = new List<string>();
        CheckFactory.Built.Value = check => built.Add(check.Type);
        try
        {
            // Act
            var errors = HealthOptionsValidator.Validate(options);

            // Assert: valid, and nothing live (no handler, socket, data source or DNS client) was made.
            Assert.Empty(errors);
            Assert.Empty(built);

            // The control: serve's path over the same section is seen building one live check per type.
            var topology = HealthTopology.Build(options, TimeProvider.System, "Health", []);
            Assert.NotNull(topology);
            HealthTopology.DisposeChecks(topology.Resources);
            Assert.Equal(CheckTypes.All.Order(), built.Order());
        }
        finally
        {
            CheckFactory.Built.Value = null;
        }
    }

    private static ResourceOptions Resource(string id, CheckOptions check) => Resource(id, ResourceKind.Storage, check);

    private static ResourceOptions Resource(string id, ResourceKind kind, CheckOptions check) => new() { Id = id, Kind = kind, Check = check };
}
