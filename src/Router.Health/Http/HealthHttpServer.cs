using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Router.Health.Diagnostics;
using Router.Health.Configuration;
using Router.Health.Monitoring;

namespace Router.Health.Http;

/// <summary>Serves the health endpoints on <c>Health:Listen</c> with Kestrel.</summary>
public sealed partial class HealthHttpServer : IAsyncDisposable
{
    private readonly HealthMonitor _monitor;
    private readonly ILoggerFactory _loggerFactory;
    private readonly Uri _listen;
    private WebApplication? _app;

    public HealthHttpServer(HealthMonitor monitor, string? listen, ILoggerFactory loggerFactory)
    {
        _monitor = monitor ?? throw new ArgumentNullException(nameof(monitor));
        _loggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        if (!HealthOptionsValidator.TryParseListen(listen, out _listen, out string? error))
        {
            throw new ArgumentException(error, nameof(listen));
        }
    }

    /// <summary>The address served, with the actual port once started (port 0 picks a free one).</summary>
    public Uri Address { get; private set; } = new(HealthOptionsValidator.DefaultListen);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Nothing is served from files; the content root is pinned to the program's directory because the default, the
        // current directory, may not be readable by the user the process runs as (started as nobody from a 0700 home),
        // and the web host refuses to start on a content root it cannot see.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();

        // ASP.NET Core's hosting layer starts an Activity and a logging scope for every request as soon as any logger
        // of its category is enabled, even at Critical; health probes are not worth that, so that category is off.
        builder.Services.AddSingleton<ILoggerFactory>(new CategoryFilteringLoggerFactory(_loggerFactory, "Microsoft.AspNetCore.Hosting"));
        // The process's host owns Ctrl+C/SIGTERM and start-up messages; this inner web host only serves.
        builder.Services.AddSingleton<IHostLifetime, HostedLifetime>();
        builder.WebHost.UseKestrel(options => options.AddServerHeader = false);
        // Every request is answered synchronously from the immutable snapshot (no I/O, no lock, no blocking call):
        // exactly the handler inline scheduling is safe for. It runs on the thread that read the request instead of
        // being queued to the thread pool again, which saves a hand-off and a wake-up per request.
        builder.WebHost.UseSockets(options => options.UnsafePreferInlineScheduling = true);
        builder.WebHost.UseUrls(_listen.GetLeftPart(UriPartial.Authority));
        var app = builder.Build();
        var endpoints = new HealthEndpoints(_monitor);
        app.Run(endpoints.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        string? bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Address = bound is null ? _listen : new Uri(bound);
        Log.Listening(_loggerFactory.CreateLogger<HealthHttpServer>(), Address.GetLeftPart(UriPartial.Authority));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
    }

    /// <summary>Hands out the shared factory's loggers, except for categories under <paramref name="silencedPrefix"/>.</summary>
    private sealed class CategoryFilteringLoggerFactory(ILoggerFactory inner, string silencedPrefix) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) =>
            categoryName.StartsWith(silencedPrefix, StringComparison.Ordinal)
                ? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance
                : inner.CreateLogger(categoryName);

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        // The shared factory belongs to the process's host.
        public void Dispose()
        {
        }
    }

    /// <summary>A lifetime that waits for nobody and listens to no signal: the owner starts and stops this host.</summary>
    private sealed class HostedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HealthEventIds.HealthListening, EventName = nameof(HealthEventIds.HealthListening), Level = LogLevel.Information,
            Message = "Health endpoints listening on {Address}.")]
        public static partial void Listening(ILogger logger, string address);
    }
}
