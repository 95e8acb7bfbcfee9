using Microsoft.Extensions.Hosting;
using Router.Dns.Server;

namespace Router.Cli.Hosting;

/// <summary>Runs the <see cref="DnsServer"/> for the lifetime of the host.</summary>
internal sealed class DnsHostedService(DnsServer server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => server.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);
}
