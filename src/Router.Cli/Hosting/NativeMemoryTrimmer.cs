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
/// <para>
/// The managed heap too: when fewer than <see cref="IdleAllocationBytes"/> were allocated since the previous tick, the
/// process has gone idle, and the GC, which collects only as allocations come, would keep what it committed under the
/// load for as long as the idle lasts. Then one aggressive, compacting collection hands it back, once per idle spell
/// (not again until a tick sees allocations). A full compaction stops every thread for a time that grows with the live
/// heap, so it is done only while that is at most <see cref="MaxCompactedHeapBytes"/> (a sidecar's is about 20 MB; a
/// traffic manager of 100,000 profiles keeps about 440 MB and is left to the GC). Measured with
/// <c>tests/bench/sidecar-footprint.sh</c>: a forwarding sidecar idle after a load of unique names went from 169 MB to
/// 79 MB.
/// </para>
/// <para>
/// One trim walks the arenas' free chunks and releases their whole pages (<c>madvise</c>); it takes milliseconds and
/// never touches memory in use, so the interval is a trade between CPU and how much freed memory may linger. Where
/// there is no glibc (musl, other systems) <see cref="MallocTrim"/> is null and the service does nothing. Timers run
/// on the injected <see cref="TimeProvider"/>. Thread-safe.
/// </para>
/// </remarks>
internal sealed class NativeMemoryTrimmer : IHostedService, IDisposable
{
    /// <summary>How often freed native memory is handed back.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);

    private readonly TimeProvider _timeProvider;
    private readonly Func<bool>? _trim;
    private readonly Func<long> _allocatedBytes;
    private readonly Func<bool> _compactHeap;
    private readonly Lock _lock = new();
    private ITimer? _timer_NeedsLock;
    private long _trims;
    private long _compactions;
    private long _allocatedAtLastTick = -1;
    private bool _compactedSinceBusy;

    /// <param name="timeProvider">The clock of the interval.</param>
    /// <param name="trim">Releases freed native memory, true when some was released (<see cref="MallocTrim"/>); null: nothing to do.</param>
    /// <param name="interval">Time between two trims; positive.</param>
    /// <param name="allocatedBytes">Bytes allocated by the process so far; default <see cref="GC.GetTotalAllocatedBytes(bool)"/>.</param>
    /// <param name="compactHeap">
    /// Hands the managed heap's free memory back, true when it did; default <see cref="CompactSmallHeap"/>.
    /// </param>
    public NativeMemoryTrimmer(TimeProvider timeProvider, Func<bool>? trim, TimeSpan interval, Func<long>? allocatedBytes = null,
        Func<bool>? compactHeap = null)
    {
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _trim = trim;
        Interval = interval;
        _allocatedBytes = allocatedBytes ?? (() => GC.GetTotalAllocatedBytes());
        _compactHeap = compactHeap ?? CompactSmallHeap;
    }

    /// <summary>The largest live managed heap an idle spell compacts (see the remarks).</summary>
    public const long MaxCompactedHeapBytes = 128L << 20;

    /// <summary>Fewer bytes allocated between two ticks than this: the process is idle.</summary>
    public const long IdleAllocationBytes = 8 << 20;

    /// <summary>Idle compactions of the managed heap done so far.</summary>
    public long Compactions => Interlocked.Read(ref _compactions);

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
        CompactIfIdle();
        return _trim();
    }

    /// <summary>Once per idle spell: see the remarks.</summary>
    private void CompactIfIdle()
    {
        lock (_lock)
        {
            long allocated = _allocatedBytes();
            bool idle = _allocatedAtLastTick >= 0 && allocated - _allocatedAtLastTick < IdleAllocationBytes;
            if (!idle)
            {
                _compactedSinceBusy = false;
            }
            else if (!_compactedSinceBusy)
            {
                _compactedSinceBusy = true;
                if (_compactHeap())
                {
                    Interlocked.Increment(ref _compactions);
                }

                allocated = _allocatedBytes();
            }

            _allocatedAtLastTick = allocated;
        }
    }

    /// <summary>An aggressive, compacting full collection, when the live heap is at most <see cref="MaxCompactedHeapBytes"/>.</summary>
    private static bool CompactSmallHeap()
    {
        if (GC.GetGCMemoryInfo().HeapSizeBytes > MaxCompactedHeapBytes)
        {
            return false;
        }

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return true;
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
