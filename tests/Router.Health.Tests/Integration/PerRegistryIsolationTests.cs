using System.Net;
using static Router.Health.Tests.Integration.IntegrationOptions;

namespace Router.Health.Tests.Integration;

/// <summary>The acceptance case: contoso on storage sa-1, fabrikam on sa-2; breaking sa-1 must not touch fabrikam.</summary>
public sealed class PerRegistryIsolationTests
{
    [Fact]
    public async Task Sa1MadeReadOnlyThenWritable_Contoso503Then200_FabrikamOnSa2Stays200Throughout()
    {
        // Arrange: two storage accounts, each its own mount.
        await using var sa1 = await SwitchableTmpfs.MountAsync("sa-1");
        await using var sa2 = await SwitchableTmpfs.MountAsync("sa-2");
        await using var live = await LiveMonitor.StartAsync(Create(
            [Filesystem("sa-1", sa1.Path), Filesystem("sa-2", sa2.Path)],
            [Registry("contoso", storage: "sa-1"), Registry("fabrikam", storage: "sa-2")]));
        await live.WaitForSettledHealthyAsync("contoso");
        await live.WaitForSettledHealthyAsync("fabrikam");
        var fabrikam = live.Record("fabrikam");

        try
        {
            // Act 1: sa-1 breaks.
            await sa1.MakeReadOnlyAsync();

            // Assert 1
            var down = await live.WaitForAsync("contoso", HttpStatusCode.ServiceUnavailable, "storage sa-1 Unhealthy");
            Assert.Equal("storage 'sa-1' is unhealthy: cannot create sentinel file: read-only file system", down.Reason);
            Assert.Equal("sa-1", down.Dependency("Storage").GetProperty("resource").GetString());
        }
        finally
        {
            // Act 2: sa-1 is repaired.
            await sa1.MakeWritableAsync();
        }

        // Assert 2: contoso recovers; fabrikam was asked all along and never answered anything but a settled 200.
        await live.WaitForSettledHealthyAsync("contoso");
        await fabrikam.AssertAlwaysSettledHealthyAsync(minimum: 10);
    }
}
