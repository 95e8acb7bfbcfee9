using System.Net;
using Router.Health.Tests.Infrastructure;
using static Router.Health.Tests.Integration.IntegrationOptions;

namespace Router.Health.Tests.Integration;

/// <summary>
/// Storage faults that bite even as root (the tests run as root, where chmod does nothing): a read-only bind mount
/// and a full small tmpfs. contoso's storage is broken; fabrikam's is a healthy tmpfs of its own.
/// </summary>
public sealed class StorageFaultTests
{
    [Fact]
    public async Task StorageOnReadOnlyBindMount_503NamingReadOnlyFilesystem()
    {
        await using var broken = await TestMount.ReadOnlyBindAsync();

        var down = await ExpectBrokenStorageAsync(broken.Path);

        Assert.Equal("cannot create sentinel file: read-only file system", down.Dependency("Storage").GetProperty("lastError").GetString());
    }

    [Fact]
    public async Task StorageOnFullTmpfs_503NamingNoSpace()
    {
        await using var broken = await TestMount.FullTmpfsAsync();

        var down = await ExpectBrokenStorageAsync(broken.Path);

        Assert.Matches("^cannot (write|flush) sentinel file: no space left on device$", down.Dependency("Storage").GetProperty("lastError").GetString());
    }

    private static async Task<HealthAnswer> ExpectBrokenStorageAsync(string brokenPath)
    {
        await using var healthy = await SwitchableTmpfs.MountAsync("sa-2");
        await using var live = await LiveMonitor.StartAsync(Create(
            [Filesystem("sa-1", brokenPath), Filesystem("sa-2", healthy.Path)],
            [Registry("contoso", storage: "sa-1"), Registry("fabrikam", storage: "sa-2")]));

        var down = await live.WaitForAsync("contoso", HttpStatusCode.ServiceUnavailable, "storage sa-1 Unhealthy");
        var storage = down.Dependency("Storage");
        Assert.Equal("sa-1", storage.GetProperty("resource").GetString());
        Assert.Equal("Unhealthy", storage.GetProperty("state").GetString());
        Assert.True(storage.GetProperty("consecutiveFailures").GetInt32() >= FailuresToUnhealthy, down.ToString());
        Assert.StartsWith("storage 'sa-1' is unhealthy: cannot ", down.Reason, StringComparison.Ordinal);
        Assert.False(down.FailOpen);
        await live.WaitForSettledHealthyAsync("fabrikam");
        return down;
    }
}
