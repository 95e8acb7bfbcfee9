using System.Text;
using Router.Http;

namespace Router.Health.Checks;

/// <summary>
/// The blocking part of one filesystem probe under <paramref name="directory"/>. Returns null when the
/// filesystem works, else the reason it does not; may throw <see cref="IOException"/>. Runs on a thread-pool
/// thread and may block for as long as the filesystem hangs.
/// </summary>
internal delegate string? FilesystemProbe(string directory, CancellationToken cancellationToken);

/// <summary>
/// Writes a small sentinel file with a unique name under <see cref="Path"/>, flushes it to disk, reads it back,
/// compares and deletes it. Detects a missing directory or mount, a read-only filesystem, a full disk and a hang.
/// </summary>
/// <remarks>
/// File I/O blocks a thread and cannot be cancelled, so the I/O runs on a thread-pool thread (<c>Task.Run</c>)
/// and the check stops waiting at its timeout. The abandoned I/O may finish later; until it does, every further
/// probe reports "previous probe still hung" without starting more I/O, so a hung mount holds one thread per
/// resource at most, however long it hangs. Thread-safe.
/// </remarks>
internal sealed class FilesystemCheck : IResourceCheck
{
    private readonly TimeProvider _timeProvider;
    private readonly FilesystemProbe _probe;
    private readonly Lock _lock = new();
    private Task<string?>? _running_NeedsLock;
    private long _runningSince_NeedsLock;

    public FilesystemCheck(string path, TimeProvider timeProvider)
        : this(path, timeProvider, SentinelFile.Probe)
    {
    }

    /// <summary>For tests: <paramref name="probe"/> replaces the real I/O.</summary>
    internal FilesystemCheck(string path, TimeProvider timeProvider, FilesystemProbe probe)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(probe);
        Path = path;
        _timeProvider = timeProvider;
        _probe = probe;
    }

    public string Type => CheckTypes.Filesystem;

    /// <summary>The directory probed.</summary>
    public string Path { get; }

    public Task<CheckResult> CheckAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        CheckExecution.RunAsync(_timeProvider, timeout, Start, Describe, cancellationToken);

    private Task<string?> Start(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_running_NeedsLock is { IsCompleted: false })
            {
                var hungFor = _timeProvider.GetElapsedTime(_runningSince_NeedsLock);
                return Task.FromResult<string?>($"previous probe still hung (started {FailureWording.Seconds(hungFor)} s ago)");
            }

            _runningSince_NeedsLock = _timeProvider.GetTimestamp();
            _running_NeedsLock = Task.Run(() => _probe(Path, cancellationToken), CancellationToken.None);
            return _running_NeedsLock;
        }
    }

    private static string? Describe(Exception exception) => exception switch
    {
        DirectoryNotFoundException => "path does not exist",
        IOException or UnauthorizedAccessException => SentinelFile.Describe(exception),
        _ => null,
    };

    /// <summary>The real I/O of one probe.</summary>
    private static class SentinelFile
    {
        // errno values (Linux) that .NET puts in IOException.HResult on Unix.
        private const int EPERM = 1;
        private const int EIO = 5;
        private const int EACCES = 13;
        private const int ENOSPC = 28;
        private const int EROFS = 30;
        private const int EDQUOT = 122;

        public static string? Probe(string directory, CancellationToken cancellationToken)
        {
            if (!Directory.Exists(directory))
            {
                return File.Exists(directory) ? $"path is not a directory: {directory}" : $"path does not exist: {directory}";
            }

            string name = ".router-health-" + Guid.NewGuid().ToString("N");
            string file = System.IO.Path.Combine(directory, name);
            byte[] written = Encoding.ASCII.GetBytes($"router health sentinel {name}\n");
            string step = "create";
            bool created = false;
            try
            {
                using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
                {
                    created = true;
                    step = "write";
                    stream.Write(written);
                    step = "flush";
                    stream.Flush(flushToDisk: true);
                }

                cancellationToken.ThrowIfCancellationRequested();
                step = "read back";
                byte[] read = new byte[written.Length + 1];
                int length;
                using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.None, bufferSize: 0))
                {
                    length = stream.ReadAtLeast(read, read.Length, throwOnEndOfStream: false);
                }

                if (!read.AsSpan(0, length).SequenceEqual(written))
                {
                    return $"sentinel read back differs from what was written ({length} of {written.Length} bytes)";
                }

                step = "delete";
                File.Delete(file);
                created = false;
                return null;
            }
            catch (DirectoryNotFoundException)
            {
                return $"path does not exist: {directory}";
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return $"cannot {step} sentinel file: {Describe(ex)}";
            }
            finally
            {
                if (created)
                {
                    TryDelete(file);
                }
            }
        }

        public static string Describe(Exception exception) => exception switch
        {
            UnauthorizedAccessException => "permission denied",
            IOException { HResult: ENOSPC } => "no space left on device",
            IOException { HResult: EROFS } => "read-only file system",
            IOException { HResult: EDQUOT } => "disk quota exceeded",
            IOException { HResult: EIO } => "I/O error",
            IOException { HResult: EACCES or EPERM } => "permission denied",
            _ => exception.Message,
        };

        private static void TryDelete(string file)
        {
            try
            {
                File.Delete(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Best effort: the probe already failed for a reason worth more than this one; a left-over
                // sentinel has a unique name and a few dozen bytes.
            }
        }
    }
}
