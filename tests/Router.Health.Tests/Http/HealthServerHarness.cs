using System.Text.Json;
using Router.Health.Configuration;
using Router.Health.Http;
using Router.Health.Tests.Monitoring;

namespace Router.Health.Tests.Http;

/// <summary>
/// The health endpoints served by Kestrel on <c>http://127.0.0.1:0</c>, in front of a <see cref="MonitorHarness"/>
/// (fake checks, virtual time), and an <see cref="HttpClient"/> pointed at it.
/// </summary>
internal sealed class HealthServerHarness : IAsyncDisposable
{
    private HealthServerHarness(MonitorHarness monitor, HealthHttpServer server)
    {
        Monitor = monitor;
        Server = server;
        // Generous: long polls are held, and a loaded machine (load average 40 on two cores seen) is slow to answer.
        Client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public MonitorHarness Monitor { get; }

    public HealthHttpServer Server { get; }

    public HttpClient Client { get; }

    public static async Task<HealthServerHarness> StartAsync(HealthOptions options)
    {
        var monitor = new MonitorHarness(options);
        var server = new HealthHttpServer(monitor.Monitor, "http://127.0.0.1:0", monitor.LoggerFactory);
        try
        {
            await server.StartAsync(CancellationToken.None);
        }
        catch
        {
            await server.DisposeAsync();
            await monitor.DisposeAsync();
            throw;
        }

        return new HealthServerHarness(monitor, server);
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> GetJsonAsync(string path)
    {
        var response = await Client.GetAsync(new Uri(path, UriKind.Relative));
        string text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return (response, document.RootElement.Clone());
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path) =>
        Client.SendAsync(new HttpRequestMessage(method, new Uri(path, UriKind.Relative)));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.StopAsync(CancellationToken.None);
        await Server.DisposeAsync();
        await Monitor.DisposeAsync();
    }
}
