using Microsoft.Extensions.Hosting;
using Router.Health.Http;
using Router.Health.Monitoring;

namespace Router.Cli.Hosting;

/// <summary>Runs the health monitor and its HTTP endpoints for the lifetime of the host.</summary>
internal sealed class HealthHostedService(HealthMonitor monitor, HealthHttpServer server) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The endpoints answer (fail-open) from the first moment; probing starts right after.
        await server.StartAsync(cancellationToken).ConfigureAwait(false);
        monitor.Start();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await monitor.StopAsync().ConfigureAwait(false);
        await server.StopAsync(cancellationToken).ConfigureAwait(false);
    }
}
