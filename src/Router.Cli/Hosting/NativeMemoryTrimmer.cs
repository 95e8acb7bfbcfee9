using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;

namespace Router.Cli.Hosting;

/// <summary>
/// Hands native memory that the process has freed back to the operating system, every <see cref="Interval"/>, with
/// glibc's <c>malloc_trim(0)</c>. Without it, a long run's RSS keeps rising although nothing is kept: glibc's
/// allocator holds on to freed chunks in its per-thread arenas, and the runtime's native side (the JIT compiling the
/// methods that configuration reloads and probes run, type loading) frees its scratch memory there in bursts,
/// from threads that come and go. A soak run (<c>tests/bench/soak.sh</c>) found about 16 MB of such memory in a
/// router that had run for four minutes with a reload every 2 s, released by one <c>malloc_trim(0)</c>; the managed
/// heap and the GC's committed memory were flat.
/// </summary>
/// <remarks>
/// One trim walks the arenas' free chunks and releases their whole pages (<c>madvise</c>); it takes milliseconds and
/// never touches memory in use, so the interval is a trade between CPU and how much freed memory may linger. Where
/// there is no glibc (musl, other systems) <see cref="MallocTrim"/> is null and the service does nothing. Timers run
/// on the injected <see cref="TimeProvider"/>. Thread-safe.
/// </remarks>
internal sealed class NativeMemoryTrimmer : IHostedService, IDisposable
{
    /// <summary>How often freed native memory is handed back.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);

    private readonly TimeProvider _timeProvider;
    private readonly Func<bool>? _trim;
    private readonly Lock _lock = new();
    private ITimer? _timer_NeedsLock;
    private long _trims;

    /// <param name="timeProvider">The clock of the interval.</param>
    /// <param name="trim">Releases freed native memory, true when some was released (<see cref="MallocTrim"/>); null: nothing to do.</param>
    /// <param name="interval">Time between two trims; positive.</param>
    public NativeMemoryTrimmer(TimeProvider timeProvider, Func<bool>? trim, TimeSpan interval)
    {
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _trim = trim;
        Interval = interval;
    }

    /// <summary>glibc's <c>malloc_trim(0)</c>, or null where the process does not run on glibc.</summary>
    public static Func<bool>? MallocTrim { get; } = ResolveMallocTrim();

    /// <summary>Time between two trims.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Trims done so far.</summary>
    public long Trims => Interlocked.Read(ref _trims);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_trim is not null)
        {
            lock (_lock)
            {
                _timer_NeedsLock ??= _timeProvider.CreateTimer(static state => ((NativeMemoryTrimmer)state!).Trim(), this, Interval, Interval);
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _timer_NeedsLock?.Dispose();
            _timer_NeedsLock = null;
        }
    }

    /// <summary>Hands freed native memory back now; false when there is nothing to call or nothing was released.</summary>
    public bool Trim()
    {
        if (_trim is null)
        {
            return false;
        }

        Interlocked.Increment(ref _trims);
        return _trim();
    }

    private static Func<bool>? ResolveMallocTrim()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out nint libc) ||
            !NativeLibrary.TryGetExport(libc, "malloc_trim", out nint export))
        {
            return null;
        }

        var mallocTrim = Marshal.GetDelegateForFunctionPointer<MallocTrimFunction>(export);

        // The argument is the free space to leave at the top of the main heap: none.
        return () => mallocTrim(0) != 0;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int MallocTrimFunction(nuint pad);
}
