using System.Runtime.InteropServices;
using Microsoft.Extensions.Time.Testing;
using Router.Cli.Hosting;

namespace Router.Cli.Tests.Hosting;

public sealed class NativeMemoryTrimmerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task StartAsync_ClockAdvancedThreeIntervals_TrimsThreeTimes()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        int calls = 0;
        using var trimmer = new NativeMemoryTrimmer(clock, () => Interlocked.Increment(ref calls) > 0, Interval);

        // Act
        await trimmer.StartAsync(CancellationToken.None);
        clock.Advance(Interval - TimeSpan.FromSeconds(1));
        int beforeFirst = Volatile.Read(ref calls);
        clock.Advance(TimeSpan.FromSeconds(1));
        clock.Advance(Interval);
        clock.Advance(Interval);

        // Assert
        Assert.Equal(0, beforeFirst);
        Assert.Equal(3, Volatile.Read(ref calls));
        Assert.Equal(3, trimmer.Trims);
    }

    [Fact]
    public async Task Tick_IdleSpells_CompactTheManagedHeapOncePerSpell()
    {
        // Arrange: the allocation counter moves only when the test says so
        var clock = new FakeTimeProvider();
        long allocated = 0;
        int compactions = 0;
        using var trimmer = new NativeMemoryTrimmer(clock, () => true, Interval, () => Interlocked.Read(ref allocated),
            () => Interlocked.Increment(ref compactions) > 0);
        await trimmer.StartAsync(CancellationToken.None);

        // Act / Assert
        clock.Advance(Interval); // the first tick only takes the baseline
        Assert.Equal(0, Volatile.Read(ref compactions));
        clock.Advance(Interval); // idle since the last tick: one compaction
        Assert.Equal(1, Volatile.Read(ref compactions));
        clock.Advance(Interval); // still the same idle spell: none
        Assert.Equal(1, Volatile.Read(ref compactions));

        Interlocked.Add(ref allocated, 100L << 20);
        clock.Advance(Interval); // busy: none, and the spell is over
        Assert.Equal(1, Volatile.Read(ref compactions));
        Interlocked.Add(ref allocated, NativeMemoryTrimmer.IdleAllocationBytes - 1);
        clock.Advance(Interval); // below the threshold: a new idle spell, one compaction
        Assert.Equal(2, Volatile.Read(ref compactions));
        Assert.Equal(2, trimmer.Compactions);
        Assert.Equal(5, trimmer.Trims);
    }

    [Fact]
    public async Task Tick_AlwaysBusy_NeverCompacts()
    {
        var clock = new FakeTimeProvider();
        long allocated = 0;
        int compactions = 0;
        using var trimmer = new NativeMemoryTrimmer(clock, () => true, Interval,
            () => Interlocked.Add(ref allocated, NativeMemoryTrimmer.IdleAllocationBytes), () => Interlocked.Increment(ref compactions) > 0);
        await trimmer.StartAsync(CancellationToken.None);

        for (int i = 0; i < 5; i++)
        {
            clock.Advance(Interval);
        }

        Assert.Equal(0, Volatile.Read(ref compactions));
        Assert.Equal(5, trimmer.Trims);
    }

    [Fact]
    public async Task StopAsync_AfterStart_NoMoreTrims()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        int calls = 0;
        using var trimmer = new NativeMemoryTrimmer(clock, () => Interlocked.Increment(ref calls) > 0, Interval);
        await trimmer.StartAsync(CancellationToken.None);
        clock.Advance(Interval);

        // Act
        await trimmer.StopAsync(CancellationToken.None);
        clock.Advance(Interval * 5);

        // Assert
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task StartAsync_NoTrimFunction_CreatesNoTimerAndTrimReturnsFalse()
    {
        // Arrange: a system without glibc
        var clock = new FakeTimeProvider();
        using var trimmer = new NativeMemoryTrimmer(clock, trim: null, Interval);

        // Act
        await trimmer.StartAsync(CancellationToken.None);
        clock.Advance(Interval * 3);

        // Assert
        Assert.False(trimmer.Trim());
        Assert.Equal(0, trimmer.Trims);
    }

    [Fact]
    public void Constructor_NonPositiveInterval_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NativeMemoryTrimmer(new FakeTimeProvider(), () => true, TimeSpan.Zero));
    }

    [Fact]
    public void MallocTrim_OnGlibc_IsResolved()
    {
        bool glibc = OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out nint libc) && NativeLibrary.TryGetExport(libc, "malloc_trim", out _);
        Assert.Equal(glibc, NativeMemoryTrimmer.MallocTrim is not null);
    }

    /// <summary>
    /// What the soak run found, in small: native memory freed below a block still in use stays resident (glibc keeps it
    /// in its arena) until <c>malloc_trim</c> hands it back.
    /// </summary>
    [Fact]
    public void MallocTrim_FreedNativeBlocksBelowALiveOne_AreReturnedToTheSystem()
    {
        var trim = NativeMemoryTrimmer.MallocTrim;
        if (trim is null)
        {
            return; // not glibc: nothing to trim, and MallocTrim_OnGlibc_IsResolved checks that this is right
        }

        const int BlockSize = 8 * 1024;      // below glibc's mmap threshold: the blocks come from an arena
        const int Blocks = 12_800;           // 100 MiB
        const long Expected = 50L << 20;     // at least half of it must come back

        long held = 0, released = 0;
        var thread = new Thread(() =>
        {
            var fill = new byte[BlockSize];
            Array.Fill(fill, (byte)1);
            var blocks = new nint[Blocks];
            for (int i = 0; i < Blocks; i++)
            {
                blocks[i] = Marshal.AllocHGlobal(BlockSize); // malloc
                Marshal.Copy(fill, 0, blocks[i], BlockSize);  // resident
            }

            long allocated = RssAnonBytes();
            for (int i = 0; i < Blocks - 1; i++)
            {
                Marshal.FreeHGlobal(blocks[i]);
            }

            // The last block stays: the freed ones are not at the top of the heap, so free() alone keeps them resident.
            long freed = RssAnonBytes();
            held = freed - (allocated - (long)Blocks * BlockSize);
            trim();
            released = freed - RssAnonBytes();
            Marshal.FreeHGlobal(blocks[Blocks - 1]);
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "the allocating thread did not finish within 60 s");

        Assert.True(held >= Expected, $"only {held >> 20} MiB of the freed blocks stayed resident before the trim");
        Assert.True(released >= Expected, $"malloc_trim released {released >> 20} MiB, expected at least {Expected >> 20} MiB");
    }

    private static long RssAnonBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(8).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("/proc/self/status has no RssAnon line.");
    }
}
