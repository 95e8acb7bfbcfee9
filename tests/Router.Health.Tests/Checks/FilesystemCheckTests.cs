using Microsoft.Extensions.Time.Testing;
using Router.Health.Checks;
using Router.Health.Tests.Infrastructure;
using Router.Testing;

namespace Router.Health.Tests.Checks;

public sealed class FilesystemCheckTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task CheckAsync_WritableDirectory_SuccessAndNoSentinelLeft()
    {
        // Arrange
        var directory = Directory.CreateTempSubdirectory("router-fs-ok-");
        try
        {
            var check = new FilesystemCheck(directory.FullName, TimeProvider.System);

            // Act
            var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

            // Assert
            Assert.Equal(CheckOutcome.Success, result.Outcome);
            Assert.Null(result.Error);
            Assert.Empty(directory.EnumerateFileSystemInfos());
            Assert.Equal("Filesystem", check.Type);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task CheckAsync_MissingDirectory_FailurePathDoesNotExist()
    {
        string missing = Path.Combine(Path.GetTempPath(), "router-fs-missing-" + Guid.NewGuid().ToString("N"));
        var check = new FilesystemCheck(missing, TimeProvider.System);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal($"path does not exist: {missing}", result.Error);
    }

    [Fact]
    public async Task CheckAsync_PathIsAFile_Failure()
    {
        string file = Path.GetTempFileName();
        try
        {
            var result = await new FilesystemCheck(file, TimeProvider.System).CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

            Assert.Equal(CheckOutcome.Failure, result.Outcome);
            Assert.Equal($"path is not a directory: {file}", result.Error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task CheckAsync_ReadOnlyBindMount_FailureReadOnlyFileSystem()
    {
        // Arrange: EROFS bites root too, unlike chmod.
        await using var mount = await TestMount.ReadOnlyBindAsync();
        var check = new FilesystemCheck(mount.Path, TimeProvider.System);

        // Act
        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("cannot create sentinel file: read-only file system", result.Error);
    }

    [Fact]
    public async Task CheckAsync_FullTmpfs_FailureNoSpaceAndNoSentinelLeft()
    {
        // Arrange
        await using var mount = await TestMount.FullTmpfsAsync();
        var check = new FilesystemCheck(mount.Path, TimeProvider.System);

        // Act
        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Matches("^cannot (write|flush) sentinel file: no space left on device$", result.Error);
        Assert.Equal(["filler"], Directory.EnumerateFileSystemEntries(mount.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task CheckAsync_HungIo_FailsAtTheTimeoutAndNeverPilesUp()
    {
        // Arrange: I/O that blocks its thread until the test lets it go, as a hung NFS mount would.
        var clock = new FakeTimeProvider();
        using var release = new ManualResetEventSlim();
        int started = 0;
        var check = new FilesystemCheck("/srv/hung", clock, (_, _) =>
        {
            Interlocked.Increment(ref started);
            release.Wait(Bound);
            return null;
        });

        // Act 1: the first probe hangs and is abandoned exactly at the timeout.
        var first = check.CheckAsync(Timeout, CancellationToken.None);
        clock.Advance(Timeout);
        var firstResult = await first.WaitAsync(Bound);

        // Act 2: later probes while that I/O is still stuck report it without starting more.
        clock.Advance(TimeSpan.FromSeconds(3));
        var secondResult = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);
        var thirdResult = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Act 3: once the I/O finishes, probing resumes.
        release.Set();
        Assert.True(await Poll.TryUntilAsync(async () =>
        {
            var result = await check.CheckAsync(Timeout, CancellationToken.None);
            return result.Outcome == CheckOutcome.Success;
        }, Bound));

        // Assert
        Assert.Equal(CheckOutcome.Failure, firstResult.Outcome);
        Assert.Equal("timed out after 2 s", firstResult.Error);
        Assert.Equal(CheckOutcome.Failure, secondResult.Outcome);
        Assert.Equal("previous probe still hung (started 5 s ago)", secondResult.Error);
        Assert.Equal(CheckOutcome.Failure, thirdResult.Outcome);
        Assert.Equal(2, Volatile.Read(ref started));
    }

    [Fact]
    public async Task CheckAsync_IoBlockedInTheKernelOnAFifo_FailsWithinTheRealTimeout()
    {
        // Arrange: open(2) of a FIFO blocks in the kernel until a writer appears; no token can interrupt it.
        var directory = Directory.CreateTempSubdirectory("router-fs-fifo-");
        string fifo = Path.Combine(directory.FullName, "fifo");
        await ExternalProcess.RunAsync(InstalledProgram.Find("mkfifo", "coreutils"), [fifo]);
        int started = 0;
        var check = new FilesystemCheck(directory.FullName, TimeProvider.System, (_, _) =>
        {
            Interlocked.Increment(ref started);
            return File.ReadAllText(fifo) == "unblocked" ? null : "unexpected content";
        });
        try
        {
            // Act
            long before = TimeProvider.System.GetTimestamp();
            var first = await check.CheckAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None).WaitAsync(Bound);
            var elapsed = TimeProvider.System.GetElapsedTime(before);
            var second = await check.CheckAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None).WaitAsync(Bound);

            // Assert
            Assert.Equal("timed out after 0.3 s", first.Error);
            Assert.InRange(elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
            Assert.StartsWith("previous probe still hung", second.Error, StringComparison.Ordinal);
            Assert.Equal(1, Volatile.Read(ref started));
        }
        finally
        {
            // A writer unblocks the abandoned reader, so no thread stays stuck after the test.
            await File.WriteAllTextAsync(fifo, "unblocked").WaitAsync(Bound);
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task CheckAsync_ProbeCodeThrows_Inconclusive()
    {
        var check = new FilesystemCheck("/srv/any", TimeProvider.System, (_, _) => throw new InvalidOperationException("injected fault"));

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Inconclusive, result.Outcome);
        Assert.Contains("injected fault", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_ProbeThrowsIOException_Failure()
    {
        var check = new FilesystemCheck("/srv/any", TimeProvider.System, (_, _) => throw new IOException("Input/output error", 5));

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("I/O error", result.Error);
    }

    [Fact]
    public async Task CheckAsync_ShutdownWhileHung_ThrowsOperationCanceled()
    {
        var clock = new FakeTimeProvider();
        using var release = new ManualResetEventSlim();
        using var shutdown = new CancellationTokenSource();
        var check = new FilesystemCheck("/srv/hung", clock, (_, _) =>
        {
            release.Wait(Bound);
            return null;
        });

        try
        {
            var running = check.CheckAsync(Timeout, shutdown.Token);
            await shutdown.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Bound));
        }
        finally
        {
            release.Set();
        }
    }
}
