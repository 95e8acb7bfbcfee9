namespace Router.TrafficManager.Monitoring;

/// <summary>One TCP probe attempt: a connection to the target's port is a success. Thread-safe.</summary>
internal sealed class TcpProbeAttempt(ProbeConnector connector)
{
    public async Task<ProbeAttemptOutcome> RunAsync(string target, ProbeAttemptSettings attempt, ProbeAttemptState state, CancellationToken cancellationToken)
    {
        try
        {
            using var socket = await connector.ConnectAsync(target, attempt.Port, state.ConnectTimeout, sends: false, cancellationToken).ConfigureAwait(false);
            state.Connected = true;
            return ProbeAttemptOutcome.Success(null);
        }
        catch (ProbeConnector.ConnectException ex)
        {
            return ProbeAttemptOutcome.Failure(ex.Message, ex.FallbackEligible);
        }
    }
}
