using Microsoft.Extensions.Hosting;

namespace Router.Http.Hosting;

/// <summary>A lifetime that waits for nobody and listens to no signal: the owner starts and stops this host.</summary>
internal sealed class HostedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
