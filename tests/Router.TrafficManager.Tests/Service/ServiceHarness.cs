using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Router.Dns;
using Router.Dns.Server.Pipeline;
using Router.Testing.Time;
using Router.Testing;
using Router.Testing.Dns;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Tests.Dns;
using Router.TrafficManager.Tests.Monitoring;

namespace Router.TrafficManager.Tests.Service;

/// <summary>
/// <see cref="TrafficManagerService"/> instances on one <see cref="StepwiseFakeTimeProvider"/> and one <see cref="FakeProber"/>,
/// with a temporary folder for the state file, and a DNS pipeline that sends real query bytes to the service's handler.
/// </summary>
/// <remarks>
/// Jitter is 0, so every endpoint's first probe is due at once and runs on the next <see cref="Advance"/> (also
/// <c>Advance(TimeSpan.Zero)</c>); later probes come every <see cref="Interval"/>. The fake prober finishes at once, and
/// the scheduler records on the thread that finished the probe, so the effects are visible when
/// <see cref="Advance"/> returns. Clock moves and applies run without xUnit's synchronization context, as timer threads do.
/// </remarks>
internal sealed class ServiceHarness : IAsyncDisposable
{
    public const string Zone = "tm.example.test";
    public const string Primary = "192.0.2.1";
    public const string Secondary = "192.0.2.2";
    public const string Tertiary = "192.0.2.3";
    public const string WestTarget = "198.51.100.1";
    public const string EastTarget = "198.51.100.2";
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly ServiceProvider _services;
    private readonly List<TrafficManagerService> _created = [];

    public ServiceHarness()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        MeterFactory = _services.GetRequiredService<IMeterFactory>();
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(builder => builder.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(Logs)));
        Prober = new FakeProber(Clock);
        Directory = System.IO.Directory.CreateTempSubdirectory("router-tm-service-").FullName;
        StateFile = Path.Combine(Directory, "router-state.json");
    }

    public StepwiseFakeTimeProvider Clock { get; } = new();

    public FakeLogCollector Logs { get; } = new();

    public ILoggerFactory LoggerFactory { get; }

    public IMeterFactory MeterFactory { get; }

    public FakeProber Prober { get; }

    /// <summary>A fresh temporary folder, deleted on dispose.</summary>
    public string Directory { get; }

    /// <summary>The default state file (not created until something is saved).</summary>
    public string StateFile { get; }

    /// <summary>
    /// Profile <c>app</c> (Priority; endpoints primary, secondary, tertiary in that order; ToleratedFailures 1, so the
    /// second failure in a row degrades) and profile <c>web</c> (Performance; west near 10.0.0.0/8, east near 172.16.0.0/12).
    /// </summary>
    public static TrafficManagerOptions Options() => new()
    {
        Zone = Zone,
        ZoneTtl = 60,
        LatencyTable =
        [
            Routing.RoutingFixtures.Row("10.0.0.0/8", ("west", 10), ("east", 80)),
            Routing.RoutingFixtures.Row("172.16.0.0/12", ("west", 90), ("east", 15)),
        ],
        Profiles =
        [
            new ProfileOptions
            {
                Name = "app",
                RoutingMethod = RoutingMethod.Priority,
                Ttl = 30,
                Monitor = Monitor(),
                Endpoints =
                [
                    new EndpointOptions { Name = "primary", Target = Primary },
                    new EndpointOptions { Name = "secondary", Target = Secondary },
                    new EndpointOptions { Name = "tertiary", Target = Tertiary },
                ],
            },
            new ProfileOptions
            {
                Name = "web",
                RoutingMethod = RoutingMethod.Performance,
                Ttl = 20,
                Monitor = Monitor(),
                Endpoints =
                [
                    new EndpointOptions { Name = "west", Location = "west", Target = WestTarget },
                    new EndpointOptions { Name = "east", Location = "east", Target = EastTarget },
                ],
            },
        ],
    };

    public static MonitorOptions Monitor() => new()
    {
        Protocol = MonitorProtocol.Http,
        Port = 8081,
        Path = "/health",
        IntervalSeconds = Interval.TotalSeconds,
        TimeoutSeconds = 5,
        ToleratedFailures = 1,
        ExpectedStatusCodes = ["200-299"],
    };

    /// <summary>A service over <paramref name="options"/> (validated), keeping manual settings in <paramref name="stateFile"/>.</summary>
    public TrafficManagerService Create(TrafficManagerOptions? options = null, string? stateFile = null,
        Router.TrafficManager.Cluster.IClusterStore? cluster = null, Router.TrafficManager.Cluster.QuorumRule quorum = Router.TrafficManager.Cluster.QuorumRule.Majority)
    {
        options ??= Options();
        Assert.Empty(TrafficManagerOptionsValidator.Validate(options));
        var service = new TrafficManagerService(options, LoggerFactory, MeterFactory, Clock, stateFile ?? StateFile, Prober, () => 0, cluster, quorum);
        _created.Add(service);
        return service;
    }

    /// <summary>A started service whose first round of probes (all succeeding unless set otherwise) has run.</summary>
    public TrafficManagerService Started(TrafficManagerOptions? options = null, string? stateFile = null,
        Router.TrafficManager.Cluster.IClusterStore? cluster = null, Router.TrafficManager.Cluster.QuorumRule quorum = Router.TrafficManager.Cluster.QuorumRule.Majority)
    {
        var service = Create(options, stateFile, cluster, quorum);
        WithoutSynchronizationContext(service.Start);
        Advance(TimeSpan.Zero);
        return service;
    }

    /// <summary>Moves the virtual clock, firing due probes, outside the test's synchronization context.</summary>
    public void Advance(TimeSpan delta) => WithoutSynchronizationContext(() => Clock.AdvanceStepwise(delta));

    /// <summary>Applies a configuration outside the test's synchronization context (cancelled probes finish inline).</summary>
    public static void Apply(TrafficManagerService service, TrafficManagerOptions options)
    {
        Assert.Empty(TrafficManagerOptionsValidator.Validate(options));
        WithoutSynchronizationContext(() => service.Apply(options));
    }

    /// <summary>Sets an endpoint outside the test's synchronization context.</summary>
    public static bool TrySet(TrafficManagerService service, string profile, string endpoint, bool enabled, out string? error)
    {
        string? message = null;
        bool result = false;
        WithoutSynchronizationContext(() => result = service.TrySetEndpointEnabled(profile, endpoint, enabled, out message));
        error = message;
        return result;
    }

    /// <summary>Sends an A query for <paramref name="name"/> (relative to the zone) from <paramref name="client"/> through the service's handler.</summary>
    public static DnsMessage Ask(TrafficManagerService service, string name, string client = "127.0.0.1", DnsRecordType type = DnsRecordType.A)
    {
        var pipeline = new DnsPipeline([service.DnsHandler], 1232, NullLogger.Instance);
        byte[] packet = TrafficManagerZoneHandlerTests.Query($"{name}.{Zone}", type).ToArray();
        var context = new DnsRequestContext();
        packet.CopyTo(context.RequestBuffer, 0);
        context.Reset(packet.Length, DnsTransport.Udp, NetworkAddress.FromIPAddress(IPAddress.Parse(client)));
        Assert.Equal(DnsHandlerResult.Answered, pipeline.Process(context));
        Assert.True(context.ResponseLength > 0, "No response was written.");
        var response = ArsoftCrossCheck.Parse(context.Response);
        Assert.True(response.IsAuthoritative);
        return response;
    }

    /// <summary>The addresses answered for <paramref name="name"/>, in answer order.</summary>
    public static string[] Addresses(TrafficManagerService service, string name, string client = "127.0.0.1")
    {
        var response = Ask(service, name, client);
        Assert.Equal(DnsResponseCode.NoError, response.ResponseCode);
        return [.. response.Answers.Select(a => ((AddressRecordData)a.Data).Address.ToString())];
    }

    /// <summary>The one address answered for <paramref name="name"/>.</summary>
    public static string Address(TrafficManagerService service, string name, string client = "127.0.0.1") =>
        Assert.Single(Addresses(service, name, client));

    public static EndpointReport Endpoint(TrafficManagerService service, string profile, string endpoint)
    {
        var report = service.GetProfile(profile);
        Assert.NotNull(report);
        return Assert.Single(report.Endpoints, e => string.Equals(e.Name, endpoint, StringComparison.OrdinalIgnoreCase));
    }

    public int ProbesOf(string target) => Prober.CallsTo(target).Count;

    public IReadOnlyList<FakeLogRecord> Events(int eventId) => [.. Logs.GetSnapshot().Where(e => e.Id.Id == eventId)];

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _created)
        {
            await service.DisposeAsync();
        }

        LoggerFactory.Dispose();
        await _services.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temporary folder.
        }
    }

    public static void WithoutSynchronizationContext(Action action)
    {
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            action();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }
}
