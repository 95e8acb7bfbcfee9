using Router.Health.Tests.Infrastructure;
using System.Net;
using Router.Health.Configuration;
using static Router.Health.Tests.Integration.IntegrationOptions;

namespace Router.Health.Tests.Integration;

/// <summary>
/// The Debian docker-registry with htpasswd as both the Auth resource (authenticated <c>GET /v2/</c>, 200 expected)
/// and the Container resource (anonymous <c>GET /v2/</c>, 200 or 401 expected), as in the contract's example.
/// </summary>
public sealed class DockerRegistryOutageTests(DockerRegistryFixture fixture) : IClassFixture<DockerRegistryFixture>
{
    [Fact]
    public async Task HtpasswdRotatedThenRestored_AuthFails503NamingAuth_ContainerStaysHealthy_200Again()
    {
        // Arrange: contoso needs auth and the API; fabrikam (anonymous pulls) only the API.
        var registry = fixture.Server;
        await using var live = await StartAsync(registry.ApiRoot);
        await live.WaitForSettledHealthyAsync("contoso");
        await live.WaitForSettledHealthyAsync("fabrikam");
        var fabrikam = live.Record("fabrikam");

        try
        {
            // Act 1: auth-rotate, the password was changed somewhere else.
            await registry.RotatePasswordAsync("rotated-elsewhere");

            // Assert 1: the authenticated probe gets 401; the anonymous one gets its normal 401 and stays healthy.
            var down = await live.WaitForAsync("contoso", HttpStatusCode.ServiceUnavailable, "auth Unhealthy");
            Assert.Equal("auth 'auth' is unhealthy: status 401, expected 200", down.Reason);
            var auth = down.Dependency("Auth");
            Assert.Equal("Unhealthy", auth.GetProperty("state").GetString());
            Assert.Equal("status 401, expected 200", auth.GetProperty("lastError").GetString());
            Assert.True(auth.GetProperty("consecutiveFailures").GetInt32() >= FailuresToUnhealthy, down.ToString());
            Assert.Equal("Healthy", down.StateOf("Container"));
        }
        finally
        {
            // Act 2
            await registry.RestorePasswordAsync();
        }

        // Assert 2
        await live.WaitForSettledHealthyAsync("contoso");
        await fabrikam.AssertAlwaysSettledHealthyAsync(minimum: 10);
    }

    [Fact]
    public async Task RegistryKilledThenRestarted_ContainerAndAuthFail503_200Again()
    {
        // Arrange
        var registry = fixture.Server;
        await using var live = await StartAsync(registry.ApiRoot);
        await live.WaitForSettledHealthyAsync("contoso");

        try
        {
            // Act 1: registry-kill.
            await registry.KillAsync();

            // Assert 1: both registries lose the API; contoso's auth goes with it.
            // (A probe in flight at the kill may fail with "connection closed" first.)
            var down = await live.WaitForAsync("fabrikam", HttpStatusCode.ServiceUnavailable, "container Unhealthy, connection refused",
                a => a.Dependency("Container").GetProperty("lastError").GetString() == "connection refused");
            var container = down.Dependency("Container");
            Assert.Equal("api", container.GetProperty("resource").GetString());
            Assert.Equal("Unhealthy", container.GetProperty("state").GetString());
            Assert.Equal("connection refused", container.GetProperty("lastError").GetString());
            Assert.Equal("container 'api' is unhealthy: connection refused", down.Reason);

            var contoso = await live.WaitForAsync("contoso", HttpStatusCode.ServiceUnavailable, "container and auth Unhealthy",
                a => a.Reason is { } reason && reason.Contains("container 'api' is unhealthy: connection refused", StringComparison.Ordinal)
                    && reason.Contains("auth 'auth' is unhealthy: connection refused", StringComparison.Ordinal));
            Assert.Equal(("Unhealthy", "Unhealthy"), (contoso.StateOf("Auth"), contoso.StateOf("Container")));
        }
        finally
        {
            // Act 2
            if (!registry.IsRunning)
            {
                await registry.RestartAsync();
            }
        }

        // Assert 2
        await live.WaitForSettledHealthyAsync("contoso");
        await live.WaitForSettledHealthyAsync("fabrikam");
    }

    private static Task<LiveMonitor> StartAsync(Uri apiRoot) => LiveMonitor.StartAsync(Create(
        [
            HttpResource("auth", ResourceKind.Auth, apiRoot, DockerRegistryServer.User, DockerRegistryServer.Password, "200"),
            HttpResource("api", ResourceKind.Container, apiRoot, null, null, "200", "401"),
        ],
        [Registry("contoso", auth: "auth", container: "api"), Registry("fabrikam", container: "api")]));
}
