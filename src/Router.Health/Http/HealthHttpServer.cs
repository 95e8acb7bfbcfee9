using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Router.Health.Diagnostics;
using Router.Health.Configuration;
using Router.Health.Monitoring;
using Router.Http.Hosting;

namespace Router.Health.Http;

/// <summary>Serves the health endpoints on <c>Health:Listen</c> with Kestrel.</summary>
public sealed partial class HealthHttpServer : IAsyncDisposable
{
    private readonly HealthMonitor _monitor;
    private readonly ILoggerFactory _loggerFactory;
    private readonly Uri _listen;
    // Never disposed: it has no timer, and a held request may still read its token while the server shuts down.
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;

    private static readonly string[] SilencedCategories = ["Microsoft.AspNetCore.Hosting"];

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
        // ASP.NET Core's hosting layer would start an Activity and a logging scope for every request (health probes are
        // not worth that), so its category is off.
        var builder = EmbeddedKestrelHost.CreateBuilder(_loggerFactory, SilencedCategories);
        // Every request is answered synchronously from the immutable snapshot (no I/O, no lock, no blocking call):
        // exactly the handler inline scheduling is safe for. It runs on the thread that read the request instead of
        // being queued to the thread pool again, which saves a hand-off and a wake-up per request.
        builder.WebHost.UseSockets(options => options.UnsafePreferInlineScheduling = true);
        builder.WebHost.UseUrls(_listen.GetLeftPart(UriPartial.Authority));
        var app = builder.Build();
        var batch = new BatchEndpoint(_monitor, _loggerFactory.CreateLogger<BatchEndpoint>(), _stopping.Token);
        var endpoints = new HealthEndpoints(_monitor, batch);
        app.Run(endpoints.HandleAsync);
        string? bound = await EmbeddedKestrelHost.StartAsync(app, cancellationToken).ConfigureAwait(false);
        _app = app;
        Address = bound is null ? _listen : new Uri(bound);
        Log.Listening(_loggerFactory.CreateLogger<HealthHttpServer>(), Address.GetLeftPart(UriPartial.Authority));
    }

    /// <summary>Stops serving: held long polls are answered at once, then Kestrel stops.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _app, null) is { } app)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HealthEventIds.HealthListening, EventName = nameof(HealthEventIds.HealthListening), Level = LogLevel.Information,
            Message = "Health endpoints listening on {Address}.")]
        public static partial void Listening(ILogger logger, string address);
    }
}
