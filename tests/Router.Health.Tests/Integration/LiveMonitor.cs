using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Router.Health.Configuration;
using Router.Health.Http;
using Router.Health.Monitoring;

namespace Router.Health.Tests.Integration;

/// <summary>
/// A real <see cref="HealthMonitor"/> (public constructor, <see cref="TimeProvider.System"/>, real checks) and its
/// <see cref="HealthHttpServer"/> on <c>http://127.0.0.1:0</c>, asked over HTTP the way a Traffic Manager prober asks.
/// Every wait is a bounded poll that fails with what the monitor last said. Disposing stops the server and the monitor.
/// </summary>
internal sealed class LiveMonitor : IAsyncDisposable
{
    /// <summary>How long a wait for a state may take at most.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(50);

    private readonly ServiceProvider _services;
    private readonly ILoggerFactory _loggerFactory;

    private LiveMonitor(ServiceProvider services, ILoggerFactory loggerFactory, FakeLogCollector logs, HealthMonitor monitor,
        HealthHttpServer server, HttpClient client)
    {
        _services = services;
        _loggerFactory = loggerFactory;
        Logs = logs;
        Monitor = monitor;
        Server = server;
        Client = client;
    }

    public FakeLogCollector Logs { get; }

    public HealthMonitor Monitor { get; }

    public HealthHttpServer Server { get; }

    /// <summary>A client for <see cref="Server"/> (base address set, no proxy).</summary>
    public HttpClient Client { get; }

    /// <summary>Validates <paramref name="options"/> (a test's own mistake fails here, by key path), starts probing and serving.</summary>
    public static async Task<LiveMonitor> StartAsync(HealthOptions options)
    {
        AssertValid(options);
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var logs = new FakeLogCollector();
        var loggerFactory = LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(logs)));
        var monitor = new HealthMonitor(options, loggerFactory, services.GetRequiredService<IMeterFactory>(), TimeProvider.System);
        var server = new HealthHttpServer(monitor, options.Listen, loggerFactory);
        HttpClient? client = null;
        try
        {
            monitor.Start();
            using var timeout = new CancellationTokenSource(Deadline);
            await server.StartAsync(timeout.Token);
            Assert.Equal("127.0.0.1", server.Address.Host);
            Assert.NotEqual(0, server.Address.Port);
            client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
            {
                BaseAddress = server.Address,
                Timeout = TimeSpan.FromSeconds(5),
            };
            return new LiveMonitor(services, loggerFactory, logs, monitor, server, client);
        }
        catch
        {
            client?.Dispose();
            await server.DisposeAsync();
            await monitor.DisposeAsync();
            loggerFactory.Dispose();
            await services.DisposeAsync();
            throw;
        }
    }

    public static void AssertValid(HealthOptions options)
    {
        var errors = HealthOptionsValidator.Validate(options);
        Assert.True(errors.Count == 0, "the test's Health section is invalid:\n" + string.Join('\n', errors));
    }

    /// <summary>Switches the running monitor to <paramref name="options"/> (a configuration reload).</summary>
    public void Apply(HealthOptions options)
    {
        AssertValid(options);
        Monitor.Apply(options);
    }

    /// <summary><c>GET /health/registries/{registry}</c>.</summary>
    public async Task<HealthAnswer> GetAsync(string registry)
    {
        using var response = await Client.GetAsync(RegistryPath(registry));
        string raw = await response.Content.ReadAsStringAsync();
        return HealthAnswer.Parse(response.StatusCode, raw, response.Headers.CacheControl?.ToString(), response.Content.Headers.ContentType?.ToString());
    }

    /// <summary><c>HEAD /health/registries/{registry}</c>: the status and the body bytes (which must be none).</summary>
    public async Task<(HttpStatusCode Status, byte[] Body, long? ContentLength)> HeadAsync(string registry)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, RegistryPath(registry));
        using var response = await Client.SendAsync(request);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        return (response.StatusCode, body, response.Content.Headers.ContentLength);
    }

    /// <summary><c>GET /health/resources</c> as text (for failure messages and a few assertions).</summary>
    public async Task<string> ResourcesAsync()
    {
        try
        {
            return await Client.GetStringAsync(new Uri("/health/resources", UriKind.Relative));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return $"(GET /health/resources failed: {ex.Message})";
        }
    }

    /// <summary>
    /// Polls <paramref name="registry"/> until it answers <paramref name="status"/> and <paramref name="condition"/>
    /// holds; returns that answer. Fails after <see cref="Deadline"/> with the last answer, the resources and the log.
    /// </summary>
    public async Task<HealthAnswer> WaitForAsync(string registry, HttpStatusCode status, string what, Func<HealthAnswer, bool>? condition = null)
    {
        long started = TimeProvider.System.GetTimestamp();
        HealthAnswer? last = null;
        while (true)
        {
            last = await GetAsync(registry);
            if (last.Status == status && (condition is null || condition(last)))
            {
                return last;
            }

            if (TimeProvider.System.GetElapsedTime(started) > Deadline)
            {
                Assert.Fail($"{registry} did not answer {(int)status} ({what}) within {Deadline.TotalSeconds} s.\n" +
                    $"Last answer: {last}\n{await DescribeAsync()}");
            }

            await Task.Delay(PollEvery);
        }
    }

    /// <summary>Waits until <paramref name="registry"/> answers 200 from real results: every dependency Healthy, not fail-open.</summary>
    public Task<HealthAnswer> WaitForSettledHealthyAsync(string registry) =>
        WaitForAsync(registry, HttpStatusCode.OK, "every dependency Healthy, failOpen false", a => a.IsSettledHealthy);

    /// <summary>Starts polling <paramref name="registry"/> in the background until the recorder is stopped.</summary>
    public StatusRecorder Record(string registry) => StatusRecorder.Start(this, registry);

    /// <summary>The resources and the log so far, for failure messages.</summary>
    public async Task<string> DescribeAsync()
    {
        var text = new StringBuilder();
        text.Append("/health/resources: ").AppendLine(await ResourcesAsync());
        text.AppendLine("log:");
        foreach (var entry in Logs.GetSnapshot().TakeLast(60))
        {
            text.Append("  ").Append(entry.Level).Append(' ').Append(entry.Id.Id).Append(": ").AppendLine(entry.Message);
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        await Monitor.DisposeAsync();
        _loggerFactory.Dispose();
        await _services.DisposeAsync();
    }

    private static Uri RegistryPath(string registry) => new("/health/registries/" + Uri.EscapeDataString(registry), UriKind.Relative);
}

/// <summary>
/// Asks for one registry every 50 ms in the background, for "stays 200 throughout" assertions. Stop it to get what
/// it saw.
/// </summary>
internal sealed class StatusRecorder
{
    private readonly LiveMonitor _monitor;
    private readonly string _registry;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<HealthAnswer> _answers = [];
    private readonly List<string> _errors = [];
    private Task _loop = Task.CompletedTask;

    private StatusRecorder(LiveMonitor monitor, string registry)
    {
        _monitor = monitor;
        _registry = registry;
    }

    public static StatusRecorder Start(LiveMonitor monitor, string registry)
    {
        var recorder = new StatusRecorder(monitor, registry);
        recorder._loop = Task.Run(recorder.RunAsync);
        return recorder;
    }

    /// <summary>Stops polling; returns every answer seen. Fails if a request itself failed.</summary>
    public async Task<IReadOnlyList<HealthAnswer>> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop.WaitAsync(LiveMonitor.Deadline);
        _stop.Dispose();
        Assert.True(_errors.Count == 0, $"requests for {_registry} failed while recording: {string.Join("; ", _errors)}");
        return _answers;
    }

    /// <summary>Stops, then asserts that at least <paramref name="minimum"/> answers were seen and every one was a settled 200.</summary>
    public async Task AssertAlwaysSettledHealthyAsync(int minimum)
    {
        var answers = await StopAsync();
        Assert.True(answers.Count >= minimum, $"only {answers.Count} answers for {_registry} were recorded (expected at least {minimum})");
        var bad = answers.FirstOrDefault(a => !a.IsSettledHealthy);
        Assert.True(bad is null, $"{_registry} was not a settled 200 throughout ({answers.Count} answers); one was: {bad}");
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                _answers.Add(await _monitor.GetAsync(_registry));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                _errors.Add(ex.Message);
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
