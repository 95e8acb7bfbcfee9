using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Router.TrafficManager;
using Router.TrafficManager.Admin;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.Cli.Tests.Commands;

/// <summary>The real admin API (<see cref="AdminHttpServer"/>) on 127.0.0.1:0 over a traffic manager whose state the test writes.</summary>
internal sealed class FakeAdminServer : IAsyncDisposable
{
    public const string Token = "cli-test-token-0123456789";

    public static readonly DateTimeOffset Started = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);

    private readonly AdminHttpServer _server;

    private FakeAdminServer(AdminHttpServer server)
    {
        _server = server;
    }

    public FakeControl? Control { get; private init; }

    public string Url => _server.Address.GetLeftPart(UriPartial.Authority);

    public static async Task<FakeAdminServer> StartAsync(bool withTrafficManager = true, string? token = null)
    {
        var control = withTrafficManager ? new FakeControl() : null;
        var server = new AdminHttpServer(new AdminOptions { Listen = "http://127.0.0.1:0", BearerToken = token }, control,
            NullLoggerFactory.Instance, _ => null);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await server.StartAsync(timeout.Token);
        return new FakeAdminServer(server) { Control = control };
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    /// <summary>A Performance profile <c>contoso</c>: eastus online, westeurope degraded through the fallback, eastasia (a name) unprobed and disabled by the admin.</summary>
    internal sealed class FakeControl : ITrafficManagerControl
    {
        public List<(string Name, IPAddress Client)> ExplainCalls { get; } = [];

        public bool FailExplain { get; set; }

        public IReadOnlyList<ProfileReport> GetProfiles() =>
        [
            new ProfileReport("contoso", "contoso.tm.registry.test.", RoutingMethod.Performance, 30,
            [
                new EndpointReport("eastus", "127.0.0.11", "eastus", 1, 1, true, null, EndpointStatus.Online, 0,
                    new ProbeResult(true, Started.AddSeconds(30), TimeSpan.FromMilliseconds(12.5), 200), Started),
                new EndpointReport("westeurope", "127.0.0.12", "westeurope", 2, 1, true, null, EndpointStatus.Degraded, 4,
                    new ProbeResult(false, Started.AddSeconds(31), TimeSpan.FromSeconds(10), null, "timeout after 10 s", UsedFallback: true),
                    Started.AddSeconds(31)),
                new EndpointReport("eastasia", "eastasia.example.test", "eastasia", 3, 1, false, false, EndpointStatus.Disabled, 0, null, Started.AddMinutes(5)),
            ]),
            new ProfileReport("empty", "empty.tm.registry.test.", RoutingMethod.Priority, 60, []),
        ];

        public ProfileReport? GetProfile(string name) => GetProfiles().FirstOrDefault(p => p.Name == name);

        public Task<EndpointSwitchResult> SetEndpointEnabledAsync(string profile, string endpoint, bool enabled, CancellationToken cancellationToken) =>
            Task.FromResult(new EndpointSwitchResult(EndpointSwitchOutcome.NotFound, "read-only fake"));

        public Task<EndpointSwitchResult> SetEndpointAsync(string profile, string endpoint, EndpointChange change, CancellationToken cancellationToken) =>
            Task.FromResult(new EndpointSwitchResult(EndpointSwitchOutcome.NotFound, "read-only fake"));

        public List<(string Profile, string Endpoint)> ReleaseCalls { get; } = [];

        /// <summary>contoso/eastus is held back (released once asked); every other endpoint is not.</summary>
        public Task<EndpointSwitchResult> ReleaseEndpointAsync(string profile, string endpoint, CancellationToken cancellationToken)
        {
            ReleaseCalls.Add((profile, endpoint));
            return Task.FromResult(profile == "contoso" && endpoint == "eastus"
                ? new EndpointSwitchResult(EndpointSwitchOutcome.Switched, null)
                : new EndpointSwitchResult(EndpointSwitchOutcome.NotHeld, $"endpoint '{endpoint}' of profile '{profile}' is not held back"));
        }

        public ExplainReport? Explain(string name, IPAddress client)
        {
            ExplainCalls.Add((name, client));
            if (FailExplain)
            {
                throw new InvalidOperationException("the fake was told to fail");
            }

            if (name != "contoso")
            {
                return null;
            }

            return new ExplainReport(name, "contoso", RoutingMethod.Performance, client, "10.0.0.0/8",
            [
                new ExplainCandidate("eastus", "127.0.0.11", "eastus", EndpointStatus.Online, true, true, 10, 1, 1, true, "lowest latency"),
                new ExplainCandidate("westeurope", "127.0.0.12", "westeurope", EndpointStatus.Degraded, true, false, 80.5, 2, 1, false, "degraded"),
                new ExplainCandidate("eastasia", "eastasia.example.test", "eastasia", EndpointStatus.Disabled, false, false, null, 3, 1, false, "disabled"),
            ], "lowest latency among eligible endpoints: eastus 10 ms", ["A 127.0.0.11"], 30, 8);
        }
    }
}
