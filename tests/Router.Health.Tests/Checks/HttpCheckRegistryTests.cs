using Router.Health.Checks;
using Router.Health.Configuration;
using Router.Health.Tests.Infrastructure;

namespace Router.Health.Tests.Checks;

/// <summary>Http checks against a real docker-registry with htpasswd auth, built the way the monitor builds them.</summary>
public sealed class HttpCheckRegistryTests(DockerRegistryFixture fixture) : IClassFixture<DockerRegistryFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task CheckAsync_RightCredentials_Success()
    {
        using var check = Create(DockerRegistryServer.User, DockerRegistryServer.Password, ["200"]);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Success, result.Outcome);
    }

    [Fact]
    public async Task CheckAsync_WrongCredentials_Failure401Expected200()
    {
        using var check = Create(DockerRegistryServer.User, "rotated-elsewhere", ["200"]);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("status 401, expected 200", result.Error);
    }

    [Fact]
    public async Task CheckAsync_AnonymousWith401Accepted_Success()
    {
        // The Container resource of the contract: any answer from the API counts, 401 included.
        using var check = Create(null, null, ["200", "401"]);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Success, result.Outcome);
    }

    [Fact]
    public async Task CheckAsync_BodyOfAuthenticatedApiRoot_Matches()
    {
        using var check = Create(DockerRegistryServer.User, DockerRegistryServer.Password, ["200"], bodyContains: "{}");

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Success, result.Outcome);
    }

    [Fact]
    public async Task CheckAsync_RegistryKilledThenRestarted_FailsThenRecovers()
    {
        // Arrange: a check with a pooled connection to the live registry.
        using var check = Create(DockerRegistryServer.User, DockerRegistryServer.Password, ["200"]);
        Assert.Equal(CheckOutcome.Success, (await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound)).Outcome);

        // Act
        await fixture.Server.KillAsync();
        CheckResult down;
        try
        {
            down = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);
        }
        finally
        {
            await fixture.Server.RestartAsync();
        }

        var up = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckOutcome.Failure, down.Outcome);
        Assert.Equal("connection refused", down.Error);
        Assert.Equal(CheckOutcome.Success, up.Outcome);
    }

    private HttpCheck Create(string? username, string? password, string[] expected, string? bodyContains = null)
    {
        var options = new CheckOptions
        {
            Type = "Http",
            Url = fixture.Server.ApiRoot.ToString(),
            Username = username,
            Password = password,
            ExpectedStatusCodes = [.. expected],
            BodyContains = bodyContains,
        };
        var errors = new List<string>();
        var check = CheckFactory.TryCreate(options, "Health:Resources:0:Check", TimeProvider.System, errors);
        Assert.Empty(errors);
        return Assert.IsType<HttpCheck>(check);
    }
}
