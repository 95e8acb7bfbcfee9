using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Xunit.Sdk;

namespace Router.Testing;

/// <summary>
/// Kestrel listening on one port of several loopback addresses (127.0.0.11, 127.0.0.12, …), standing in for the
/// health endpoints of several regions: each address answers every request with the status the test sets for it, and
/// counts the requests it got.
/// </summary>
public sealed class FlippableHealthServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _status = new();
    private readonly ConcurrentDictionary<string, int> _requests = new();

    private FlippableHealthServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts on <paramref name="port"/> (a free one when 0) of every address, each answering 200.</summary>
    public static async Task<FlippableHealthServer> StartAsync(IReadOnlyList<IPAddress> addresses, int port = 0)
    {
        for (int attempt = 0; ; attempt++)
        {
            int candidate = port != 0 ? port : Loopback.FreeEndpoint().Port;
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
            builder.WebHost.UseKestrel(options =>
            {
                foreach (var address in addresses)
                {
                    options.Listen(address, candidate);
                }
            });
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var server = new FlippableHealthServer(app, candidate);
            foreach (var address in addresses)
            {
                server._status[address.ToString()] = 200;
            }

            app.Run(server.HandleAsync);
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await app.StartAsync(timeout.Token).ConfigureAwait(false);
                return server;
            }
            catch (IOException) when (port == 0 && attempt < 10)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Makes <paramref name="address"/> answer <paramref name="status"/> from the next request on.</summary>
    public void Set(string address, int status)
    {
        if (!_status.ContainsKey(address))
        {
            throw new XunitException($"the health server does not listen on {address}");
        }

        _status[address] = status;
    }

    /// <summary>Requests <paramref name="address"/> has answered so far.</summary>
    public int Requests(string address) => _requests.GetValueOrDefault(address);

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private Task HandleAsync(HttpContext context)
    {
        string local = context.Connection.LocalIpAddress?.ToString() ?? "?";
        _requests.AddOrUpdate(local, 1, (_, count) => count + 1);
        context.Response.StatusCode = _status.GetValueOrDefault(local, 500);
        return Task.CompletedTask;
    }
}
