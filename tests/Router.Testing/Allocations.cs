namespace Router.Testing;

/// <summary>
/// Counts the bytes that a piece of code allocates, and nothing else: the code runs on a thread of its own that this
/// class starts (so no test-runner work, continuation or listener callback of another test runs on it), is warmed up
/// there first (JIT tiers, first-use caches, per-thread pool buckets, the first series of each metric tag set), and is
/// then measured several times with <see cref="GC.GetAllocatedBytesForCurrentThread"/> on that thread. The result is
/// the smallest count: code that allocates per call allocates in every round, while a one-off event that is not the
/// code's doing (a pool trimmed by a gen-2 GC that another test's garbage caused, a method installed at a new tier)
/// can touch one round, not all of them.
/// </summary>
public static class Allocations
{
    /// <summary>Measured rounds: one-off events would have to hit every one of them to be counted.</summary>
    public const int Rounds = 3;

    /// <summary>
    /// Runs <paramref name="work"/> <paramref name="warmUps"/> times, then <see cref="Rounds"/> times measured, all on a
    /// new thread; returns the bytes allocated by the least-allocating measured round, and each round's count for a
    /// failure message. Nothing in <paramref name="work"/> may await: all of it must run on the measuring thread.
    /// </summary>
    public static Measurement Measure(Action work, int warmUps = 1)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentOutOfRangeException.ThrowIfNegative(warmUps);
        long[] rounds = new long[Rounds];
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                for (int i = 0; i < warmUps; i++)
                {
                    work();
                }

                for (int round = 0; round < Rounds; round++)
                {
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    work();
                    rounds[round] = GC.GetAllocatedBytesForCurrentThread() - before;
                }
            }
#pragma warning disable CA1031 // Rethrown on the test's thread below.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failure = ex;
            }
        })
        {
            IsBackground = true,
            Name = "allocation measurement",
        };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException("The measured code threw.", failure);
        }

        return new Measurement(rounds.Min(), rounds);
    }

    /// <summary>What <see cref="Measure"/> counted.</summary>
    /// <param name="Bytes">The bytes allocated by the least-allocating round.</param>
    /// <param name="Rounds">Each measured round's bytes, in order.</param>
    public sealed record Measurement(long Bytes, IReadOnlyList<long> Rounds)
    {
        public override string ToString() => $"{Bytes} bytes (rounds: {string.Join(", ", Rounds)})";
    }
}
