namespace Router.TrafficManager.Monitoring;

/// <summary>How <see cref="ProbeScheduler"/> waits for a probe it may abandon.</summary>
internal static class ProbeTasks
{
    /// <summary>
    /// The probe's result, or cancellation as soon as <paramref name="cancellationToken"/> fires, whether or not the
    /// probe honours it. Unlike <see cref="Task.WaitAsync(CancellationToken)"/> the caller resumes synchronously, on
    /// the thread that finished the probe or fired the deadline, so a result is recorded before a virtual clock's
    /// <c>Advance</c> moves on (and before the next tick of the same endpoint).
    /// </summary>
    public static async Task<ProbeResult> WaitAsync(Task<ProbeResult> probe, CancellationToken cancellationToken)
    {
        if (probe.IsCompleted)
        {
            return await probe.ConfigureAwait(false);
        }

        var done = new TaskCompletionSource<ProbeResult>();
        using (cancellationToken.UnsafeRegister(static (s, token) => ((TaskCompletionSource<ProbeResult>)s!).TrySetCanceled(token), done))
        {
            _ = probe.ContinueWith(static (t, s) =>
            {
                var target = (TaskCompletionSource<ProbeResult>)s!;
                if (t.IsCanceled)
                {
                    target.TrySetCanceled();
                }
                else if (t.Exception is { } exception)
                {
                    target.TrySetException(exception.InnerExceptions);
                }
                else
                {
                    target.TrySetResult(t.Result);
                }
            }, done, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return await done.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Observes the exception of a probe that was abandoned, whenever it ends, so it is not reported as unobserved.</summary>
    public static void ObserveLater(Task? abandoned) =>
        abandoned?.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
