using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Monitoring;

/// <summary>One call of <see cref="FakeProber"/>: when it started, for which target, and a way to finish it by hand.</summary>
internal sealed class ProbeCall(string target, MonitorOptions monitor, DateTimeOffset startedAt, CancellationToken cancellationToken)
{
    private readonly TaskCompletionSource<ProbeResult> _completion = new();

    public string Target { get; } = target;

    public MonitorOptions Monitor { get; } = monitor;

    public DateTimeOffset StartedAt { get; } = startedAt;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public Task<ProbeResult> Task => _completion.Task;

    public bool IsFinished => _completion.Task.IsCompleted;

    public void Finish(ProbeResult result) => _completion.TrySetResult(result);

    public void Cancel() => _completion.TrySetCanceled(CancellationToken);
}

/// <summary>What a <see cref="FakeProber"/> does for a target.</summary>
internal enum FakeBehaviour
{
    /// <summary>Returns a success (status 200) at once.</summary>
    Succeed,

    /// <summary>Returns a failure (status 503) at once.</summary>
    Fail,

    /// <summary>Never finishes on its own; honours cancellation.</summary>
    Hang,

    /// <summary>Never finishes, whatever the token says (a broken prober).</summary>
    HangIgnoringCancellation,

    /// <summary>Throws (a prober bug).</summary>
    Throw,

    /// <summary>Returns a success of the fallback probe at once (the deep probe could not connect).</summary>
    SucceedWithFallback,
}

/// <summary>An <see cref="IEndpointProber"/> whose behaviour per target the test sets, recording every call.</summary>
internal sealed class FakeProber(TimeProvider clock) : IEndpointProber
{
    private readonly Lock _lock = new();
    private readonly List<ProbeCall> _calls = [];
    private readonly Dictionary<string, FakeBehaviour> _behaviour = new(StringComparer.Ordinal);

    public IReadOnlyList<ProbeCall> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    public IReadOnlyList<ProbeCall> CallsTo(string target) => [.. Calls.Where(c => c.Target == target)];

    public void Set(string target, FakeBehaviour behaviour)
    {
        lock (_lock)
        {
            _behaviour[target] = behaviour;
        }
    }

    public Task<ProbeResult> ProbeAsync(string target, MonitorOptions monitor, CancellationToken cancellationToken)
    {
        var call = new ProbeCall(target, monitor, clock.GetUtcNow(), cancellationToken);
        FakeBehaviour behaviour;
        lock (_lock)
        {
            _calls.Add(call);
            behaviour = _behaviour.GetValueOrDefault(target, FakeBehaviour.Succeed);
        }

        switch (behaviour)
        {
            case FakeBehaviour.Succeed:
                call.Finish(new ProbeResult(true, call.StartedAt, TimeSpan.Zero, 200));
                break;
            case FakeBehaviour.Fail:
                call.Finish(new ProbeResult(false, call.StartedAt, TimeSpan.Zero, 503, "status 503 not in 200"));
                break;
            case FakeBehaviour.Hang:
                cancellationToken.Register(call.Cancel);
                break;
            case FakeBehaviour.SucceedWithFallback:
                call.Finish(new ProbeResult(true, call.StartedAt, TimeSpan.Zero, 200, UsedFallback: true));
                break;
            case FakeBehaviour.Throw:
                throw new InvalidOperationException("the fake prober is broken");
            default:
                break;
        }

        return call.Task;
    }
}
