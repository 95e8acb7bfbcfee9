using Microsoft.Extensions.Hosting;
using Router.TrafficManager;

namespace Router.Cli.Hosting;

/// <summary>Runs the traffic manager's endpoint probing for the lifetime of the host.</summary>
internal sealed class TrafficManagerHostedService(TrafficManagerService trafficManager) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        trafficManager.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => trafficManager.StopAsync();
}
