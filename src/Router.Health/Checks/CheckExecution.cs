using System.Globalization;
using Router.Http;

namespace Router.Health.Checks;

/// <summary>
/// Runs one probe under a hard deadline and turns whatever happens into a <see cref="CheckResult"/>: the shared
/// outcome rules of every check.
/// </summary>
/// <remarks>
/// <para>
/// The deadline is <c>new CancellationTokenSource(timeout, timeProvider)</c> linked with the caller's token. The
/// probe gets the linked token, but the wait for it does not rely on the probe honouring that token: the runner
/// stops waiting as soon as the token fires (<see cref="Task.WaitAsync(CancellationToken)"/>), so a dependency
/// client that ignores cancellation (a blocking syscall, a driver that waits for its own cancel request) cannot
/// make a probe take longer than its timeout. A probe abandoned that way keeps running until it notices the
/// cancelled token; its late exception is observed and dropped.
/// </para>
/// <para>
/// Outcome rules: the probe returns <see langword="null"/> for success or a failure reason; after the deadline,
/// anything is "timed out after N s" (<see cref="CheckOutcome.Failure"/>); cancellation by the caller (shutdown)
/// propagates as <see cref="OperationCanceledException"/>; an exception that <c>describeFailure</c> recognises as
/// the dependency's doing is a <see cref="CheckOutcome.Failure"/> with that description; any other exception is the
/// monitor's own trouble, <see cref="CheckOutcome.Inconclusive"/> (a <see cref="CheckInconclusiveException"/> with its
/// message as the reason).
/// </para>
/// </remarks>
internal static class CheckExecution
{
    /// <summary>The longest timeout a probe may have (a timer cannot be set much further out).</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    public static async Task<CheckResult> RunAsync(
        TimeProvider timeProvider,
        TimeSpan timeout,
        Func<CancellationToken, Task<string?>> probe,
        Func<Exception, string?> describeFailure,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long started = timeProvider.GetTimestamp();
        if (timeout <= TimeSpan.Zero || timeout > MaxTimeout)
        {
            return CheckResult.Inconclusive(string.Create(CultureInfo.InvariantCulture, $"invalid check timeout {timeout}"), TimeSpan.Zero);
        }

        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        Task<string?>? running = null;
        try
        {
            running = probe(linked.Token);
            string? failure = await running.WaitAsync(linked.Token).ConfigureAwait(false);
            var duration = timeProvider.GetElapsedTime(started);
            return failure is null ? CheckResult.Success(duration) : CheckResult.Failure(failure, duration);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested)
        {
            ObserveLater(running);
            throw ex as OperationCanceledException ?? new OperationCanceledException("The check was cancelled.", ex, cancellationToken);
        }
        catch (Exception ex) when (deadline.IsCancellationRequested || ex is OperationCanceledException || IsTimeout(ex))
        {
            // After the deadline every error is a consequence of it (a socket closed by cancellation, a driver's
            // own timeout set to the same value); a cancellation nobody asked for is a client library's timeout.
            ObserveLater(running);
            return CheckResult.Failure(TimedOut(timeout), timeProvider.GetElapsedTime(started));
        }
        catch (Exception ex)
        {
            var duration = timeProvider.GetElapsedTime(started);
            if (ex is CheckInconclusiveException inconclusive)
            {
                return CheckResult.Inconclusive(inconclusive.Message, duration);
            }

            string? failure = describeFailure(ex);
            return failure is not null
                ? CheckResult.Failure(failure, duration)
                : CheckResult.Inconclusive($"check failed: {ex.GetType().Name}: {ex.Message}", duration);
        }
    }

    /// <summary>
    /// The latency budget rule, the same for every check type: a <see cref="CheckOutcome.Success"/> that took longer
    /// than <paramref name="budget"/> becomes a <see cref="CheckOutcome.Failure"/> "slow: 1234 ms &gt; budget 500 ms"
    /// (same duration); every other result, and every result when there is no budget, is returned as it is.
    /// </summary>
    /// <remarks>
    /// A dependency that answers correctly but only after seconds (a hung cache behind its timeouts, a crawling
    /// region) serves clients as badly as one that fails; a timeout alone would let it pass until it stops
    /// answering altogether. The duration is rounded up to whole milliseconds, so the reason never reads
    /// "500 ms &gt; budget 500 ms".
    /// </remarks>
    public static CheckResult ApplyLatencyBudget(CheckResult result, TimeSpan? budget)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (budget is not { } limit || result.Outcome != CheckOutcome.Success || result.Duration <= limit)
        {
            return result;
        }

        string took = Math.Ceiling(result.Duration.TotalMilliseconds).ToString("0", CultureInfo.InvariantCulture);
        return CheckResult.Failure($"slow: {took} ms > budget {Milliseconds(limit)} ms", result.Duration);
    }

    /// <summary>Milliseconds as an operator reads them: <c>500</c>, <c>0.5</c>.</summary>
    public static string Milliseconds(TimeSpan duration) => duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>"timed out after 3 s".</summary>
    public static string TimedOut(TimeSpan timeout) => $"timed out after {FailureWording.Seconds(timeout)} s";

    private static bool IsTimeout(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    private static void ObserveLater(Task? abandoned) =>
        abandoned?.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
