using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Router.Dns.Server.Configuration;
using Router.Dns.Server.Diagnostics;
using Router.Dns.Server.Pipeline;

namespace Router.Dns.Server.Tests.Infrastructure;

/// <summary>
/// A <see cref="DnsServer"/> started in-process on <c>127.0.0.1:0</c>, with its logs and meter captured, disposed
/// with the test. UDP and TCP share the port in <see cref="EndPoint"/>.
/// </summary>
internal sealed class TestDnsServer : IAsyncDisposable
{
    /// <summary>A resolv.conf that does not exist: forwarding tests always name their upstreams.</summary>
    public const string NoResolvConf = "/nonexistent/router-tests/resolv.conf";

    private readonly ServiceProvider _services;
    private readonly ILoggerFactory _loggerFactory;
    private bool _disposed;

    private TestDnsServer(DnsServer server, ServiceProvider services, ILoggerFactory loggerFactory, FakeLogCollector logs, Meter meter)
    {
        Server = server;
        _services = services;
        _loggerFactory = loggerFactory;
        Logs = logs;
        Meter = meter;
    }

    public DnsServer Server { get; }

    public FakeLogCollector Logs { get; }

    /// <summary>The server's own meter instance (for <see cref="MetricCollector{T}"/>).</summary>
    public Meter Meter { get; }

    public IPEndPoint EndPoint => Server.LocalEndPoints[0];

    public int Port => EndPoint.Port;

    /// <summary>Options with one listen address, <c>127.0.0.1:0</c>, and one UDP receiver.</summary>
    public static DnsServerOptions Options(params DnsZoneOptions[] zones) => new()
    {
        Listen = ["127.0.0.1:0"],
        UdpReceivers = 1,
        Zones = [.. zones],
    };

    public static async Task<TestDnsServer> StartAsync(DnsServerOptions options, TimeProvider? timeProvider = null,
        IReadOnlyList<IDnsHandler>? extraHandlers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = DnsServerOptionsValidator.Validate(options);
        Assert.True(errors.Count == 0, "Test options are invalid: " + string.Join("; ", errors));

        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();
        var logs = new FakeLogCollector();
        var loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(new FakeLoggerProvider(logs)).SetMinimumLevel(LogLevel.Debug));
        var server = new DnsServer(options, loggerFactory, meterFactory, timeProvider ?? TimeProvider.System, extraHandlers, NoResolvConf);
        using var startup = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await server.StartAsync(startup.Token);

        // The factory hands out the same Meter instance for the same name: the one the server's instruments live on.
        var meter = meterFactory.Create(new MeterOptions(DnsTelemetryNames.MeterName));
        return new TestDnsServer(server, services, loggerFactory, logs, meter);
    }

    /// <summary>Starts recording <paramref name="instrument"/> of this server.</summary>
    public MetricCollector<long> Collect(string instrument) => new(Meter, instrument);

    /// <summary>Log entries at <see cref="LogLevel.Error"/> or above (a crash, a receive loop that stopped...).</summary>
    public IReadOnlyList<FakeLogRecord> Errors => [.. Logs.GetSnapshot().Where(e => e.Level >= LogLevel.Error)];

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await Server.DisposeAsync();
        _loggerFactory.Dispose();
        await _services.DisposeAsync();
    }
}
