namespace Router.Health.Tests.Infrastructure;

/// <summary>One docker-registry shared by a test class; tests that kill it restart it before they end.</summary>
public sealed class DockerRegistryFixture : IAsyncLifetime
{
    private DockerRegistryServer? _server;

    public DockerRegistryServer Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync() => _server = await DockerRegistryServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>One PostgreSQL cluster shared by a test class; tests that stop it start it again before they end.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
