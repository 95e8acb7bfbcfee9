using Xunit.Sdk;

namespace Router.Testing;

/// <summary>
/// Waits in real time, bounded, for state that other threads or processes produce: a background loop parked on its
/// next delay, a server that answers, a line in a child's output. The bound only ends a test that would otherwise hang;
/// no test asserts how soon the condition held. The one poll loop of the test projects.
/// </summary>
public static class Poll
{
    /// <summary>The bound for state produced inside the test process (loops driven by a fake clock, listeners).</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>The longest pause between two looks, once the first quick looks found nothing.</summary>
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(50);

    /// <summary>Quick looks (a yield apart) before the pauses begin: most in-process conditions hold within them.</summary>
    private const int QuickLooks = 100;

    /// <summary>Waits until <paramref name="condition"/> holds; throws, naming <paramref name="what"/>, after <see cref="Deadline"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(condition, Deadline, what);

    /// <summary>Waits until <paramref name="condition"/> holds; throws, naming <paramref name="what"/>, after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        if (!await TryUntilAsync(() => Task.FromResult(condition()), timeout).ConfigureAwait(false))
        {
            throw new XunitException($"Not reached within {timeout.TotalSeconds:0.#} s: {what}");
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds or <paramref name="timeout"/> passes; returns whether it held.</summary>
    public static Task<bool> TryUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return TryUntilAsync(() => Task.FromResult(condition()), timeout);
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds or <paramref name="timeout"/> passes; returns whether it held.
    /// Looks again after a yield at first, then after pauses that double up to 50 ms.
    /// </summary>
    public static async Task<bool> TryUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        long started = TimeProvider.System.GetTimestamp();
        var pause = TimeSpan.FromMilliseconds(1);
        for (int look = 0; ; look++)
        {
            if (await condition().ConfigureAwait(false))
            {
                return true;
            }

            if (TimeProvider.System.GetElapsedTime(started) > timeout)
            {
                return false;
            }

            if (look < QuickLooks)
            {
                await Task.Yield();
            }
            else
            {
                await Task.Delay(pause).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
            }
        }
    }
}
