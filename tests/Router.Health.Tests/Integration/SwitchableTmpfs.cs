using Router.Health.Tests.Infrastructure;
using Router.Testing;

namespace Router.Health.Tests.Integration;

/// <summary>
/// A small tmpfs of its own (a storage account's mount) that a test can make read-only and writable again while a
/// monitor probes it: <c>mount -o remount,ro</c> bites even as root, unlike chmod. On tmpfs the check's fsync costs
/// nothing, so a healthy one never times out because a neighbour is writing to the real disk. Disposing unmounts
/// (lazily if busy) and removes the directory.
/// </summary>
/// <remarks>Needs root (mount/umount), as the CI machine has. <see cref="TestMount"/> has the faults that exist from the start.</remarks>
internal sealed class SwitchableTmpfs : IAsyncDisposable
{
    private readonly DirectoryInfo _root;
    private bool _mounted;

    private SwitchableTmpfs(DirectoryInfo root, string path)
    {
        _root = root;
        Path = path;
    }

    /// <summary>The mount point, as a Filesystem check's <c>Path</c>.</summary>
    public string Path { get; }

    public static async Task<SwitchableTmpfs> MountAsync(string name)
    {
        var root = Directory.CreateTempSubdirectory($"router-{name}-");
        string target = Directory.CreateDirectory(System.IO.Path.Combine(root.FullName, name)).FullName;
        var mount = new SwitchableTmpfs(root, target);
        try
        {
            await ExternalProcess.RunAsync(InstalledProgram.Find("mount", "mount"), ["-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", target]);
            mount._mounted = true;
            return mount;
        }
        catch
        {
            await mount.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every write now fails with EROFS.</summary>
    public Task MakeReadOnlyAsync() => RemountAsync("remount,ro");

    /// <summary>Undoes <see cref="MakeReadOnlyAsync"/>.</summary>
    public Task MakeWritableAsync() => RemountAsync("remount,rw");

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_mounted)
            {
                string umount = InstalledProgram.Find("umount", "mount");
                var (exitCode, _) = await ExternalProcess.RunAsync(umount, [Path], check: false);
                if (exitCode != 0)
                {
                    // Busy (an abandoned probe may still hold a file): detach now, the kernel finishes later.
                    await ExternalProcess.RunAsync(umount, ["-l", Path]);
                }

                _mounted = false;
            }
        }
        finally
        {
            _root.Delete(recursive: true);
        }
    }

    private async Task RemountAsync(string options)
    {
        // Remounting read-only fails with EBUSY while a file is open for writing, which a probe's sentinel is for a
        // few microseconds: try again, a bounded number of times.
        string mount = InstalledProgram.Find("mount", "mount");
        for (int attempt = 1; ; attempt++)
        {
            var (exitCode, output) = await ExternalProcess.RunAsync(mount, ["-o", options, Path], check: false);
            if (exitCode == 0)
            {
                return;
            }

            if (attempt == 20)
            {
                Assert.Fail($"mount -o {options} {Path} failed 20 times; last: {output}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }
}
