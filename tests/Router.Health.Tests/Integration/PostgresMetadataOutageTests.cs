using System.Net;
using Router.Health.Tests.Infrastructure;
using static Router.Health.Tests.Integration.IntegrationOptions;

namespace Router.Health.Tests.Integration;

/// <summary>A real PostgreSQL cluster as the metadata database, named only by contoso.</summary>
public sealed class PostgresMetadataOutageTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task PostgresStoppedThenStarted_OnlyRegistryWithMetadata503_200AgainWhenBack()
    {
        // Arrange: both share storage; only contoso names the metadata database.
        var postgres = fixture.Server;
        await using var storage = await SwitchableTmpfs.MountAsync("sa-1");
        await using var live = await LiveMonitor.StartAsync(Create(
            [Filesystem("sa-1", storage.Path), Postgres("meta", postgres.ConnectionString())],
            [Registry("contoso", storage: "sa-1", metadata: "meta"), Registry("fabrikam", storage: "sa-1")]));
        var contosoUp = await live.WaitForSettledHealthyAsync("contoso");
        Assert.Equal("Healthy", contosoUp.StateOf("Metadata"));
        var fabrikamUp = await live.WaitForSettledHealthyAsync("fabrikam");
        Assert.DoesNotContain(fabrikamUp.Dependencies, d => d.GetProperty("kind").GetString() == "Metadata");
        var fabrikam = live.Record("fabrikam");

        try
        {
            // Act 1
            await postgres.StopAsync();

            // Assert 1
            // (A probe during the shutdown may fail with "57P03: the database system is shutting down" first.)
            var down = await live.WaitForAsync("contoso", HttpStatusCode.ServiceUnavailable, "metadata Unhealthy, connection refused",
                a => a.Dependency("Metadata").GetProperty("lastError").GetString() == "connection refused");
            var metadata = down.Dependency("Metadata");
            Assert.Equal("meta", metadata.GetProperty("resource").GetString());
            Assert.Equal("Unhealthy", metadata.GetProperty("state").GetString());
            Assert.True(metadata.GetProperty("consecutiveFailures").GetInt32() >= FailuresToUnhealthy, down.ToString());
            Assert.Equal("connection refused", metadata.GetProperty("lastError").GetString());
            Assert.StartsWith("metadata 'meta' is unhealthy: connection refused", down.Reason, StringComparison.Ordinal);
            Assert.Equal("Healthy", down.StateOf("Storage"));
        }
        finally
        {
            // Act 2
            if (!postgres.IsRunning)
            {
                await postgres.RestartAsync();
            }
        }

        // Assert 2
        await live.WaitForSettledHealthyAsync("contoso");
        await fabrikam.AssertAlwaysSettledHealthyAsync(minimum: 10);
    }
}
