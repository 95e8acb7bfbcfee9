using System.Runtime.CompilerServices;
using Router.Http;
using Router.TrafficManager.Configuration;

namespace Router.TrafficManager.Monitoring;

/// <summary>
/// Probes endpoints the way Traffic Manager does: an HTTP(S) <c>GET</c> of <c>{protocol}://{target}:{Port}{Path}</c>
/// with the configured headers, or a TCP connect; success is a status in <c>ExpectedStatusCodes</c> (or, for TCP, a
/// connection) within <c>TimeoutSeconds</c>.
/// </summary>
/// <remarks>
/// <para>
/// This type orchestrates (deadline, fallback, confirmation); one attempt is <see cref="HttpProbeAttempt"/> (HTTP
/// behaviour as Traffic Manager's probes, a fresh connection per attempt) or <see cref="TcpProbeAttempt"/>, both
/// connecting through <see cref="ProbeConnector"/>, which tells a connect failure apart from a later one.
/// </para>
/// <para>
/// Monitor fail-open: when the deep probe cannot connect at all (connection refused, or no connection within the
/// connect timeout) and <see cref="MonitorOptions.Fallback"/> is set, the fallback probe runs against the same
/// target and its result is the probe's result (<see cref="ProbeResult.UsedFallback"/>) — unless, after a fallback
/// success, a second deep attempt (ending a margin before the timeout) connects to the monitor, in which case the
/// monitor's answer, or its failure to answer in time, is the result (it came back while the fallback ran). Any failure after a
/// connection was made (a 503, a reset, no response in time) is the deep probe's failure, without fallback. The
/// whole probe, fallback included, stays within <c>TimeoutSeconds</c>: with a fallback configured the deep probe may
/// spend at most half of it connecting, and the fallback gets what is left (nearly all of it after a refusal, at
/// least half after a connect timeout). Without a fallback the connect timeout is the probe timeout.
/// </para>
/// <para>
/// Timeouts run on the injected <see cref="TimeProvider"/>. Thread-safe: probes of many endpoints may run at once.
/// Parsed settings are cached per <see cref="MonitorOptions"/> instance, so treat an instance as immutable once it
/// has been probed with (configuration reloads create new instances).
/// </para>
/// </remarks>
internal sealed class EndpointProber : IEndpointProber, IDisposable
{
    /// <summary>The least time a fallback's confirmation leaves before the probe's timeout.</summary>
    private static readonly TimeSpan ConfirmMinimumMargin = TimeSpan.FromMilliseconds(50);

    private readonly TimeProvider _timeProvider;
    private readonly HttpProbeAttempt _http;
    private readonly TcpProbeAttempt _tcp;
    private readonly ConditionalWeakTable<MonitorOptions, ProbeSettings> _settings = new();

    /// <param name="timeProvider">The clock for timeouts and durations.</param>
    /// <param name="handler">For tests: sends HTTP requests through this handler (not disposed by the prober); null for the real one.</param>
    public EndpointProber(TimeProvider timeProvider, HttpMessageHandler? handler = null)
    {
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        var connector = new ProbeConnector(timeProvider);
        _http = new HttpProbeAttempt(connector, handler);
        _tcp = new TcpProbeAttempt(connector);
    }

    /// <inheritdoc />
    public async Task<ProbeResult> ProbeAsync(string target, MonitorOptions monitor, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        ArgumentNullException.ThrowIfNull(monitor);
        cancellationToken.ThrowIfCancellationRequested();
        var startedAt = _timeProvider.GetUtcNow();
        long started = _timeProvider.GetTimestamp();
        var settings = _settings.GetValue(monitor, ProbeSettings.Create);
        if (settings.Error is not null)
        {
            return new ProbeResult(false, startedAt, TimeSpan.Zero, Error: settings.Error);
        }

        using var deadline = new CancellationTokenSource(settings.Timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        bool usedFallback = false;
        Task<ProbeAttemptOutcome>? running = null;
        try
        {
            var connectBudget = settings.Fallback is null ? settings.Timeout : settings.Timeout / 2;
            running = AttemptAsync(target, settings.Deep, connectBudget, linked.Token);
            var outcome = await running.WaitAsync(linked.Token).ConfigureAwait(false);
            if (outcome.ConnectFailed && settings.Fallback is not null)
            {
                usedFallback = true;
                var remaining = settings.Timeout - _timeProvider.GetElapsedTime(started);
                running = AttemptAsync(target, settings.Fallback, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromTicks(1), linked.Token);
                outcome = await running.WaitAsync(linked.Token).ConfigureAwait(false);
                if (outcome.Succeeded
                    && await ConfirmAsync(target, settings, connectBudget, started, cancellationToken).ConfigureAwait(false) is { } deep)
                {
                    // The monitor answered after all (it came back while the fallback ran): its verdict stands.
                    outcome = deep;
                    usedFallback = false;
                }
            }

            return new ProbeResult(outcome.Succeeded, startedAt, _timeProvider.GetElapsedTime(started), outcome.StatusCode,
                outcome.Succeeded ? null : outcome.Error, usedFallback);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested)
        {
            ProbeTasks.ObserveLater(running);
            throw ex as OperationCanceledException ?? new OperationCanceledException("The probe was cancelled.", ex, cancellationToken);
        }
        catch (Exception) when (deadline.IsCancellationRequested)
        {
            // After the deadline every error is a consequence of it (a socket closed by the cancellation).
            ProbeTasks.ObserveLater(running);
            return new ProbeResult(false, startedAt, _timeProvider.GetElapsedTime(started), Error: TimedOut(settings.Timeout), UsedFallback: usedFallback);
        }
        catch (Exception ex)
        {
            return new ProbeResult(false, startedAt, _timeProvider.GetElapsedTime(started), Error: HttpProbeAttempt.DescribeFailure(ex), UsedFallback: usedFallback);
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// After a fallback success, asks the monitor once more, ending a margin before the probe's timeout: the deep
    /// probe's result when a connection to the monitor was made (its answer, or a timeout if it connected and never
    /// answered, as for any deep probe), null when no connection could be made in time, so the fallback's success stands.
    /// </summary>
    /// <remarks>
    /// A probe that began while the region was unreachable (the deep probe's connect timed out) can run its fallback
    /// just after the region came back, while the region's monitor still reports the dependencies it lost as failing;
    /// trusting the fallback then would bring the endpoint online for a probe or two before the monitor's 503s degrade
    /// it again. With the monitor dead (the fallback's purpose) the second attempt is refused at once and changes
    /// nothing. The margin (a tenth of the timeout, at least 50 ms) keeps the result ahead of any deadline the caller
    /// set at the same timeout, so a fallback success is never lost to a race between the two timers.
    /// </remarks>
    private async Task<ProbeAttemptOutcome?> ConfirmAsync(string target, ProbeSettings settings, TimeSpan connectBudget, long started, CancellationToken cancellationToken)
    {
        var margin = settings.Timeout / 10 > ConfirmMinimumMargin ? settings.Timeout / 10 : ConfirmMinimumMargin;
        var left = settings.Timeout - margin - _timeProvider.GetElapsedTime(started);
        if (left <= TimeSpan.Zero)
        {
            return null;
        }

        var state = new ProbeAttemptState(connectBudget < left ? connectBudget : left);
        using var deadline = new CancellationTokenSource(left, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        Task<ProbeAttemptOutcome>? running = null;
        try
        {
            running = AttemptAsync(target, settings.Deep, state, linked.Token);
            var outcome = await running.WaitAsync(linked.Token).ConfigureAwait(false);
            return state.Connected ? outcome : null;
        }
        catch (Exception) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            ProbeTasks.ObserveLater(running);
            return state.Connected ? ProbeAttemptOutcome.Failure(TimedOut(settings.Timeout), connectFailed: false) : null;
        }
        catch
        {
            ProbeTasks.ObserveLater(running);
            throw;
        }
    }

    /// <summary><c>timeout after 10 s</c>, <c>timeout after 0.5 s</c>.</summary>
    internal static string TimedOut(TimeSpan timeout) => $"timeout after {FailureWording.Seconds(timeout)} s";

    private Task<ProbeAttemptOutcome> AttemptAsync(string target, ProbeAttemptSettings attempt, TimeSpan connectBudget, CancellationToken cancellationToken) =>
        AttemptAsync(target, attempt, new ProbeAttemptState(connectBudget), cancellationToken);

    private Task<ProbeAttemptOutcome> AttemptAsync(string target, ProbeAttemptSettings attempt, ProbeAttemptState state, CancellationToken cancellationToken) =>
        attempt.Protocol == MonitorProtocol.Tcp
            ? _tcp.RunAsync(target, attempt, state, cancellationToken)
            : _http.RunAsync(target, attempt, state, cancellationToken);
}
