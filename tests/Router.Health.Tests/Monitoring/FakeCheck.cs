using Router.Health.Checks;

namespace Router.Health.Tests.Monitoring;

/// <summary>Counts checks in flight across several <see cref="FakeCheck"/>s (for <c>MaxConcurrentChecks</c>).</summary>
internal sealed class ConcurrencyMeter
{
    private int _current;
    private int _max;

    public int Current => Volatile.Read(ref _current);

    public int Max => Volatile.Read(ref _max);

    public void Enter()
    {
        int now = Interlocked.Increment(ref _current);
        int max;
        while (now > (max = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, now, max) != max)
        {
        }
    }

    public void Exit() => Interlocked.Decrement(ref _current);
}

/// <summary>
/// A scripted <see cref="IResourceCheck"/>: answers with the behaviour last chosen (<see cref="Succeed"/>,
/// <see cref="Fail"/>, <see cref="Hang"/>...), and records when it was called (virtual time), how many calls are in
/// flight at once and how many saw cancellation. Thread-safe.
/// </summary>
internal sealed class FakeCheck(TimeProvider clock, ConcurrencyMeter? shared = null) : IResourceCheck
{
    private readonly Lock _lock = new();
    private readonly List<DateTimeOffset> _calls = [];
    private readonly TaskCompletionSource _never = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Mode _mode = Mode.Succeed;
    private string _error = "connection refused";
    private TimeSpan _duration;
    private int _inFlight;
    private int _maxInFlight;
    private int _cancelled;
    private int _delaysStarted;

    private enum Mode
    {
        Succeed,
        Fail,
        Inconclusive,
        Throw,
        ThrowSynchronously,
        Hang,
        HangIgnoringCancellation,
        Take,
    }

    public string Type => "Fake";

    /// <summary>The virtual time of every call, in order.</summary>
    public IReadOnlyList<DateTimeOffset> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    public int CallCount
    {
        get
        {
            lock (_lock)
            {
                return _calls.Count;
            }
        }
    }

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The most calls of this check that were ever in flight at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Calls that ended because their cancellation token fired.</summary>
    public int CancelledCount => Volatile.Read(ref _cancelled);

    /// <summary>Calls in <see cref="Take"/> mode whose virtual-time delay is scheduled (safe to advance past).</summary>
    public int DelaysStarted => Volatile.Read(ref _delaysStarted);

    public void Succeed() => Set(Mode.Succeed);

    public void Fail(string error = "connection refused") => Set(Mode.Fail, error);

    public void BeInconclusive(string error = "no local resources") => Set(Mode.Inconclusive, error);

    /// <summary>Throws from an async method (a faulted task).</summary>
    public void Throw() => Set(Mode.Throw);

    /// <summary>Throws before returning a task at all.</summary>
    public void ThrowSynchronously() => Set(Mode.ThrowSynchronously);

    /// <summary>Never answers; ends only when its token is cancelled (a check that ignores its timeout).</summary>
    public void Hang() => Set(Mode.Hang);

    /// <summary>Never answers and ignores cancellation too.</summary>
    public void HangIgnoringCancellation() => Set(Mode.HangIgnoringCancellation);

    /// <summary>Succeeds after <paramref name="duration"/> of virtual time.</summary>
    public void Take(TimeSpan duration)
    {
        lock (_lock)
        {
            _duration = duration;
            _mode = Mode.Take;
        }
    }

    public Task<CheckResult> CheckAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Mode mode;
        string error;
        TimeSpan duration;
        lock (_lock)
        {
            _calls.Add(clock.GetUtcNow());
            mode = _mode;
            error = _error;
            duration = _duration;
        }

        if (mode == Mode.ThrowSynchronously)
        {
            throw new InvalidOperationException("the fake check broke before it started");
        }

        return RunAsync(mode, error, duration, cancellationToken);
    }

    private async Task<CheckResult> RunAsync(Mode mode, string error, TimeSpan duration, CancellationToken cancellationToken)
    {
        int inFlight = Interlocked.Increment(ref _inFlight);
        int max;
        while (inFlight > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) != max)
        {
        }

        shared?.Enter();
        try
        {
            switch (mode)
            {
                case Mode.Fail:
                    return CheckResult.Failure(error, TimeSpan.FromMilliseconds(1));
                case Mode.Inconclusive:
                    return CheckResult.Inconclusive(error, TimeSpan.FromMilliseconds(1));
                case Mode.Throw:
                    await Task.CompletedTask.ConfigureAwait(false);
                    throw new InvalidOperationException("the fake check broke");
                case Mode.Hang:
                    await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
                    throw new InvalidOperationException("unreachable");
                case Mode.HangIgnoringCancellation:
                    await _never.Task.ConfigureAwait(false);
                    throw new InvalidOperationException("unreachable");
                case Mode.Take:
                    var delay = Task.Delay(duration, clock, cancellationToken);
                    Interlocked.Increment(ref _delaysStarted);
                    await delay.ConfigureAwait(false);
                    return CheckResult.Success(duration);
                default:
                    return CheckResult.Success(TimeSpan.FromMilliseconds(1));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _cancelled);
            throw;
        }
        finally
        {
            shared?.Exit();
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private void Set(Mode mode, string error = "connection refused")
    {
        lock (_lock)
        {
            _mode = mode;
            _error = error;
        }
    }
}
