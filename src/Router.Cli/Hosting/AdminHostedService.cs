using Microsoft.Extensions.Hosting;
using Router.TrafficManager.Admin;

namespace Router.Cli.Hosting;

/// <summary>Runs the admin API for the lifetime of the host.</summary>
internal sealed class AdminHostedService(AdminHttpServer server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => server.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);
}
