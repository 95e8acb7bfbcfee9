using System.Net;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Admin;

/// <summary>A traffic manager whose reports the test writes; records what the admin API asks of it.</summary>
internal sealed class FakeTrafficManagerControl : ITrafficManagerControl
{
    public static readonly DateTimeOffset Started = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);

    private readonly Lock _gate = new();
    private List<ProfileReport> _profiles;

    public FakeTrafficManagerControl(params ProfileReport[] profiles)
    {
        _profiles = [.. profiles];
    }

    public List<(string Profile, string Endpoint, bool Enabled)> SetCalls { get; } = [];

    public List<(string Profile, string Endpoint, EndpointChange Change)> ChangeCalls { get; } = [];

    public List<(string Profile, string Endpoint)> ReleaseCalls { get; } = [];

    public List<(string Name, IPAddress Client)> ExplainCalls { get; } = [];

    /// <summary>A Performance profile <c>contoso</c> with an online, a degraded (failing through the fallback) and an unprobed endpoint.</summary>
    public static FakeTrafficManagerControl Contoso() => new(new ProfileReport("contoso", "contoso.tm.registry.test.", RoutingMethod.Performance, 30,
    [
        new EndpointReport("eastus", "127.0.0.11", "eastus", 1, 1, true, null, EndpointStatus.Online, 0,
            new ProbeResult(true, Started.AddSeconds(30), TimeSpan.FromMilliseconds(12.5), 200), Started),
        new EndpointReport("westeurope", "127.0.0.12", "westeurope", 2, 1, true, null, EndpointStatus.Degraded, 4,
            new ProbeResult(false, Started.AddSeconds(31), TimeSpan.FromSeconds(10), null, "timeout after 10 s", UsedFallback: true), Started.AddSeconds(31)),
        new EndpointReport("eastasia", "eastasia.example.test", null, 3, 1, true, null, EndpointStatus.CheckingEndpoint, 0, null, null),
    ]));

    public IReadOnlyList<ProfileReport> GetProfiles()
    {
        lock (_gate)
        {
            return [.. _profiles];
        }
    }

    public ProfileReport? GetProfile(string name)
    {
        lock (_gate)
        {
            return _profiles.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>When set, switching fails with this error, as when the state file cannot be written.</summary>
    public string? SaveError { get; set; }

    /// <summary>When set, switching is refused with this error, as when the cluster store cannot be reached.</summary>
    public string? UnavailableError { get; set; }

    public Task<EndpointSwitchResult> SetEndpointEnabledAsync(string profile, string endpoint, bool enabled, CancellationToken cancellationToken) =>
        Task.FromResult(SetEndpointEnabled(profile, endpoint, enabled));

    /// <summary>Maintenance as the service does it: status Maintenance with the reason, or back to CheckingEndpoint.</summary>
    public Task<EndpointSwitchResult> SetEndpointAsync(string profile, string endpoint, EndpointChange change, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ChangeCalls.Add((profile, endpoint, change));
        }

        return Task.FromResult(Update(profile, endpoint, report => report with
        {
            Status = change.Maintenance is true ? EndpointStatus.Maintenance : EndpointStatus.CheckingEndpoint,
            Reason = change.Maintenance is true ? change.Reason : null,
        }));
    }

    /// <summary>Releases an endpoint whose report says it is held; NotHeld otherwise.</summary>
    public Task<EndpointSwitchResult> ReleaseEndpointAsync(string profile, string endpoint, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ReleaseCalls.Add((profile, endpoint));
            var held = GetProfile(profile)?.Endpoints.FirstOrDefault(e => string.Equals(e.Name, endpoint, StringComparison.OrdinalIgnoreCase));
            if (held is { Held: false })
            {
                return Task.FromResult(new EndpointSwitchResult(EndpointSwitchOutcome.NotHeld, $"endpoint '{held.Name}' is not held back"));
            }
        }

        return Task.FromResult(Update(profile, endpoint, report => report with { Held = false, Reason = null }));
    }

    /// <summary>Puts a held (Online, held back) endpoint in the reports, as after a recovery under Manual failback.</summary>
    public void Hold(string profile, string endpoint) =>
        Update(profile, endpoint, report => report with { Status = EndpointStatus.Online, Held = true, Reason = "failback Manual" });

    private EndpointSwitchResult Update(string profile, string endpoint, Func<EndpointReport, EndpointReport> change)
    {
        lock (_gate)
        {
            int p = _profiles.FindIndex(r => string.Equals(r.Name, profile, StringComparison.OrdinalIgnoreCase));
            var endpoints = p < 0 ? [] : _profiles[p].Endpoints.ToList();
            int e = endpoints.FindIndex(r => string.Equals(r.Name, endpoint, StringComparison.OrdinalIgnoreCase));
            if (e < 0)
            {
                return new(EndpointSwitchOutcome.NotFound, $"no endpoint '{profile}/{endpoint}'");
            }

            endpoints[e] = change(endpoints[e]);
            _profiles[p] = _profiles[p] with { Endpoints = endpoints };
            return new(EndpointSwitchOutcome.Switched, null);
        }
    }

    /// <summary>When set, <see cref="GetCluster"/> answers it (a clustered router).</summary>
    public Router.TrafficManager.Cluster.ClusterReport? Cluster { get; set; }

    public Router.TrafficManager.Cluster.ClusterReport? GetCluster() => Cluster;

    private EndpointSwitchResult SetEndpointEnabled(string profile, string endpoint, bool enabled)
    {
        lock (_gate)
        {
            SetCalls.Add((profile, endpoint, enabled));
            int p = _profiles.FindIndex(r => string.Equals(r.Name, profile, StringComparison.OrdinalIgnoreCase));
            if (p < 0)
            {
                return new(EndpointSwitchOutcome.NotFound, $"no profile '{profile}'");
            }

            var endpoints = _profiles[p].Endpoints.ToList();
            int e = endpoints.FindIndex(r => string.Equals(r.Name, endpoint, StringComparison.OrdinalIgnoreCase));
            if (e < 0)
            {
                return new(EndpointSwitchOutcome.NotFound, $"profile '{_profiles[p].Name}' has no endpoint '{endpoint}'");
            }

            if (SaveError is not null)
            {
                return new(EndpointSwitchOutcome.NotSaved, SaveError);
            }

            if (UnavailableError is not null)
            {
                return new(EndpointSwitchOutcome.Unavailable, UnavailableError);
            }

            endpoints[e] = endpoints[e] with
            {
                Enabled = enabled,
                EnabledOverride = enabled,
                Status = enabled ? EndpointStatus.CheckingEndpoint : EndpointStatus.Disabled,
            };
            _profiles[p] = _profiles[p] with { Endpoints = endpoints };
            return new(EndpointSwitchOutcome.Switched, null);
        }
    }

    public ExplainReport? Explain(string name, IPAddress client)
    {
        lock (_gate)
        {
            ExplainCalls.Add((name, client));
        }

        if (!name.TrimEnd('.').Equals("contoso", StringComparison.OrdinalIgnoreCase) &&
            !name.TrimEnd('.').Equals("contoso.tm.registry.test", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return new ExplainReport(name, "contoso", RoutingMethod.Performance, client, "127.0.0.0/8",
        [
            new ExplainCandidate("eastus", "127.0.0.11", "eastus", EndpointStatus.Online, true, true, 10, 1, 1, true, "lowest latency"),
            new ExplainCandidate("westeurope", "127.0.0.12", "westeurope", EndpointStatus.Degraded, true, false, 80, 2, 1, false, "degraded"),
            new ExplainCandidate("eastasia", "eastasia.example.test", null, EndpointStatus.CheckingEndpoint, true, true, null, 3, 1, false, "no latency for its location"),
        ], "lowest latency among eligible endpoints: eastus 10 ms", ["A 127.0.0.11"], 30, 8);
    }
}
