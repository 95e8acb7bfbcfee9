using Router.Testing;

namespace Router.Health.Tests.Infrastructure;

/// <summary>
/// A directory on a mount that a test controls, for storage faults that bite even as root (chmod does not: root
/// has CAP_DAC_OVERRIDE). Disposing unmounts (lazily if the mount is busy) and removes the directories.
/// </summary>
/// <remarks>Needs root (mount/umount), as the CI machine has.</remarks>
public sealed class TestMount : IAsyncDisposable
{
    private readonly DirectoryInfo _root;
    private bool _mounted;

    private TestMount(DirectoryInfo root, string path)
    {
        _root = root;
        Path = path;
    }

    /// <summary>The mounted directory, as a Filesystem check's <c>Path</c>.</summary>
    public string Path { get; }

    /// <summary>
    /// A read-only bind mount of a fresh directory: reads work, every write fails with EROFS
    /// (<c>mount --bind</c>, then <c>mount -o remount,bind,ro</c>).
    /// </summary>
    public static async Task<TestMount> ReadOnlyBindAsync()
    {
        var root = Directory.CreateTempSubdirectory("router-fs-ro-");
        string source = Directory.CreateDirectory(System.IO.Path.Combine(root.FullName, "source")).FullName;
        string target = Directory.CreateDirectory(System.IO.Path.Combine(root.FullName, "mnt")).FullName;
        var mount = new TestMount(root, target);
        try
        {
            string mountProgram = InstalledProgram.Find("mount", "mount");
            await ExternalProcess.RunAsync(mountProgram, ["--bind", source, target]);
            mount._mounted = true;
            await ExternalProcess.RunAsync(mountProgram, ["-o", "remount,bind,ro", target]);
            return mount;
        }
        catch
        {
            await mount.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A 64 KiB tmpfs filled up to the last byte: creating a file may still work, writing data fails with ENOSPC.
    /// </summary>
    public static async Task<TestMount> FullTmpfsAsync()
    {
        var root = Directory.CreateTempSubdirectory("router-fs-full-");
        string target = Directory.CreateDirectory(System.IO.Path.Combine(root.FullName, "mnt")).FullName;
        var mount = new TestMount(root, target);
        try
        {
            await ExternalProcess.RunAsync(InstalledProgram.Find("mount", "mount"), ["-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", target]);
            mount._mounted = true;
            Fill(target);
            return mount;
        }
        catch
        {
            await mount.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_mounted)
            {
                var (exitCode, _) = await ExternalProcess.RunAsync(InstalledProgram.Find("umount", "mount"), [Path], check: false);
                if (exitCode != 0)
                {
                    // Busy (an abandoned probe may still hold a file): detach now, the kernel finishes later.
                    await ExternalProcess.RunAsync(InstalledProgram.Find("umount", "mount"), ["-l", Path]);
                }

                _mounted = false;
            }
        }
        finally
        {
            _root.Delete(recursive: true);
        }
    }

    /// <summary>Writes one file until the filesystem says ENOSPC (bounded: a 64 KiB tmpfs holds 16 pages).</summary>
    private static void Fill(string directory)
    {
        byte[] chunk = new byte[4096];
        using var stream = new FileStream(System.IO.Path.Combine(directory, "filler"), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        for (int i = 0; i < 1024; i++)
        {
            try
            {
                stream.Write(chunk);
            }
            catch (IOException)
            {
                return;
            }
        }

        Assert.Fail($"{directory} did not fill up after {1024 * chunk.Length} bytes: is it really a 64 KiB tmpfs?");
    }
}
