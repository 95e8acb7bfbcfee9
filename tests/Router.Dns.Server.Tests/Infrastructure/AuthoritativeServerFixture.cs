namespace Router.Dns.Server.Tests.Infrastructure;

/// <summary>One authoritative server (<see cref="TestZones.Example"/> and <see cref="TestZones.Other"/>, no forwarding) shared by a test class.</summary>
public sealed class AuthoritativeServerFixture : IAsyncLifetime
{
    private TestDnsServer? _server;

    internal TestDnsServer Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync() => _server = await TestDnsServer.StartAsync(TestDnsServer.Options(TestZones.Example(), TestZones.Other()));

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
