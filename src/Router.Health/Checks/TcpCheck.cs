using Router.Http;

namespace Router.Health.Checks;

/// <summary>Opens a TCP connection to <see cref="Endpoint"/> and closes it again: the dependency listens.</summary>
/// <remarks>A hung service whose kernel still completes the handshake passes; use a protocol check where one exists.</remarks>
internal sealed class TcpCheck(HostEndpoint endpoint, TimeProvider timeProvider) : IResourceCheck
{
    public string Type => CheckTypes.Tcp;

    public HostEndpoint Endpoint { get; } = endpoint ?? throw new ArgumentNullException(nameof(endpoint));

    public Task<CheckResult> CheckAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        CheckExecution.RunAsync(timeProvider, timeout, ProbeAsync, FailureWording.DescribeSocketError, cancellationToken);

    private async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        using var socket = await Endpoint.ConnectAsync(cancellationToken).ConfigureAwait(false);
        return null;
    }
}
