namespace Router.TrafficManager.Cluster;

/// <summary>
/// Manual settings written to the store and not yet seen back in a snapshot: the admin API's PUT answers once this
/// instance applies its own setting (from the store, like every other instance), so a GET right after it shows it.
/// Thread-safe.
/// </summary>
internal sealed class ClusterSettingsWaiters
{
    /// <summary>How long a PUT waits for its setting to come back from the store before answering anyway (it is written).</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private readonly List<Waiter> _waiters = [];

    /// <summary>Starts waiting for <paramref name="setting"/> (before it is written: the snapshot may come first).</summary>
    public Waiter Add(ManualSetting setting)
    {
        var waiter = new Waiter(setting);
        lock (_gate)
        {
            _waiters.Add(waiter);
        }

        return waiter;
    }

    /// <summary>Stops waiting (the write failed).</summary>
    public void Remove(Waiter waiter)
    {
        lock (_gate)
        {
            _waiters.Remove(waiter);
        }
    }

    /// <summary>Completes the waiters whose setting <paramref name="snapshot"/> holds (while connected).</summary>
    public void Complete(ClusterSnapshot snapshot)
    {
        if (snapshot.State != ClusterStoreState.Connected)
        {
            return;
        }

        List<Waiter> done = [];
        lock (_gate)
        {
            foreach (var waiter in _waiters)
            {
                if (snapshot.Settings.Any(waiter.IsMetBy))
                {
                    done.Add(waiter);
                }
            }

            _waiters.RemoveAll(done.Contains);
        }

        foreach (var waiter in done)
        {
            waiter.Applied.TrySetResult();
        }
    }

    /// <summary>Waits (at most <see cref="Wait"/>) for <paramref name="waiter"/>'s setting to be applied.</summary>
    public async Task WaitAsync(Waiter waiter, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        try
        {
            await waiter.Applied.Task.WaitAsync(Wait, timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Written, not yet seen back: the watch delivers it later.
        }
        finally
        {
            Remove(waiter);
        }
    }

    /// <summary>Releases every waiter (shutting down).</summary>
    public void CancelAll()
    {
        Waiter[] all;
        lock (_gate)
        {
            all = [.. _waiters];
            _waiters.Clear();
        }

        foreach (var waiter in all)
        {
            waiter.Applied.TrySetResult();
        }
    }

    /// <summary>One setting waited for.</summary>
    internal sealed class Waiter(ManualSetting setting)
    {
        public TaskCompletionSource Applied { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsMetBy(ManualSetting candidate) =>
            string.Equals(candidate.Profile, setting.Profile, StringComparison.OrdinalIgnoreCase)
            && string.Equals(candidate.Endpoint, setting.Endpoint, StringComparison.OrdinalIgnoreCase)
            && candidate.Enabled == setting.Enabled
            && candidate.ChangedAt == setting.ChangedAt;
    }
}
