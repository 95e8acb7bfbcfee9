using System.Text.Json;
using Router.Dns;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Tests.Monitoring;
using static Router.TrafficManager.Tests.Service.ServiceHarness;

namespace Router.TrafficManager.Tests.Service;

/// <summary>
/// <see cref="TrafficManagerService.Apply"/>: a configuration swapped in while running keeps what did not change, and
/// a configuration edit of an endpoint's <c>Enabled</c> flag replaces its manual setting (the newer instruction wins).
/// </summary>
public sealed class TrafficManagerServiceApplyTests
{
    [Fact]
    public async Task Apply_UnchangedEndpoints_KeepStatusCountersAndSchedule()
    {
        // Arrange: primary degraded, secondary answering.
        await using var harness = new ServiceHarness();
        harness.Prober.Set(Primary, FakeBehaviour.Fail);
        var service = harness.Started();
        harness.Advance(Interval);
        var before = Endpoint(service, "app", "primary");
        Assert.Equal(EndpointStatus.Degraded, before.Status);
        int probes = harness.Prober.Calls.Count;

        // Act: an equal configuration (new instances) with another TTL.
        var options = Options();
        options.Profiles[0].Ttl = 45;
        Apply(service, options);

        // Assert
        var after = Endpoint(service, "app", "primary");
        Assert.Equal((before.Status, before.ConsecutiveFailures, before.LastStatusChange), (after.Status, after.ConsecutiveFailures, after.LastStatusChange));
        Assert.Equal(EndpointStatus.Online, Endpoint(service, "app", "secondary").Status);
        Assert.Equal(45, service.GetProfile("app")!.Ttl);
        var response = Ask(service, "app");
        Assert.Equal(45u, Assert.Single(response.Answers).Ttl);
        Assert.Equal(Secondary, Address(service, "app"));
        Assert.Equal(probes, harness.Prober.Calls.Count); // no probe was started by the apply
        harness.Advance(Interval);
        Assert.Equal(probes + 5, harness.Prober.Calls.Count); // same schedule: one probe per endpoint per interval
    }

    [Fact]
    public async Task Apply_ChangedTarget_StartsOverAtCheckingEndpoint()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        harness.Prober.Set(Primary, FakeBehaviour.Fail);
        var service = harness.Started();
        harness.Advance(Interval);

        // Act
        var options = Options();
        options.Profiles[0].Endpoints[0].Target = "192.0.2.9";
        Apply(service, options);

        // Assert
        var report = Endpoint(service, "app", "primary");
        Assert.Equal(("192.0.2.9", EndpointStatus.CheckingEndpoint, 0), (report.Target, report.Status, report.ConsecutiveFailures));
        Assert.Equal("192.0.2.9", Address(service, "app"));
    }

    [Fact]
    public async Task Apply_ConfigurationChangesEnabledFlag_ClearsManualOverrideAndRewritesStateFile()
    {
        // Arrange: primary and secondary manually disabled.
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        Assert.True(TrySet(service, "app", "primary", false, out _));
        Assert.True(TrySet(service, "app", "secondary", false, out _));
        Assert.Equal(Tertiary, Address(service, "app"));

        // Act 1: the file now disables primary too (its flag changed from true to false).
        var disabled = Options();
        disabled.Profiles[0].Endpoints[0].Enabled = false;
        Apply(service, disabled);

        // Assert 1: primary's manual setting is gone (the configuration says the same thing now); secondary's stays.
        var primary = Endpoint(service, "app", "primary");
        Assert.Equal((false, (bool?)null, EndpointStatus.Disabled), (primary.Enabled, primary.EnabledOverride, primary.Status));
        Assert.Equal((bool?)false, Endpoint(service, "app", "secondary").EnabledOverride);
        Assert.Equal(["app/secondary"], SavedEndpoints(harness.StateFile));
        Assert.Single(harness.Events(3603));

        // Act 2: the file enables primary again: the configuration alone decides.
        Apply(service, Options());

        // Assert 2
        primary = Endpoint(service, "app", "primary");
        Assert.Equal((true, (bool?)null, EndpointStatus.CheckingEndpoint), (primary.Enabled, primary.EnabledOverride, primary.Status));
        Assert.Equal(Primary, Address(service, "app"));
        harness.Advance(TimeSpan.Zero);
        Assert.Equal(EndpointStatus.Online, Endpoint(service, "app", "primary").Status);

        // A restart reads the rewritten file.
        var restarted = harness.Create();
        Assert.Equal((true, (bool?)null), (Endpoint(restarted, "app", "primary").Enabled, Endpoint(restarted, "app", "primary").EnabledOverride));
        Assert.Equal((false, (bool?)false), (Endpoint(restarted, "app", "secondary").Enabled, Endpoint(restarted, "app", "secondary").EnabledOverride));
    }

    [Fact]
    public async Task Apply_ConfigurationDisablesManuallyEnabledEndpoint_ConfigurationWins()
    {
        // Arrange: primary manually enabled (it already is in the configuration).
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        Assert.True(TrySet(service, "app", "primary", true, out _));
        int probes = harness.ProbesOf(Primary);

        // Act
        var options = Options();
        options.Profiles[0].Endpoints[0].Enabled = false;
        Apply(service, options);

        // Assert
        var primary = Endpoint(service, "app", "primary");
        Assert.Equal((false, (bool?)null, EndpointStatus.Disabled), (primary.Enabled, primary.EnabledOverride, primary.Status));
        Assert.Equal(Secondary, Address(service, "app"));
        harness.Advance(Interval);
        Assert.Equal(probes, harness.ProbesOf(Primary));
        Assert.Empty(SavedEndpoints(harness.StateFile));
    }

    [Fact]
    public async Task Apply_EnabledFlagUnchanged_KeepsManualOverride()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        Assert.True(TrySet(service, "app", "primary", false, out _));

        // Act: another edit of the same profile, not of primary's flag.
        var options = Options();
        options.Profiles[0].Endpoints[2].Target = "192.0.2.33";
        Apply(service, options);

        // Assert
        var primary = Endpoint(service, "app", "primary");
        Assert.Equal((false, (bool?)false, EndpointStatus.Disabled), (primary.Enabled, primary.EnabledOverride, primary.Status));
        Assert.Equal(Secondary, Address(service, "app"));
        Assert.Equal(["app/primary"], SavedEndpoints(harness.StateFile));
        Assert.Empty(harness.Events(3603));
    }

    [Fact]
    public async Task Apply_RemovedProfile_GoneFromReportsAndNxDomain_AddedProfileAnswersAndIsProbed()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        Assert.Equal(WestTarget, Address(service, "web", "10.0.0.1"));

        // Act
        var options = Options();
        options.Profiles.RemoveAt(1);
        options.Profiles.Add(new ProfileOptions
        {
            Name = "api",
            RoutingMethod = RoutingMethod.Priority,
            Monitor = Monitor(),
            Endpoints = [new EndpointOptions { Name = "only", Target = "203.0.113.7" }],
        });
        Apply(service, options);

        // Assert: web is gone everywhere…
        Assert.Equal(["app", "api"], service.GetProfiles().Select(p => p.Name));
        Assert.Null(service.GetProfile("web"));
        Assert.Equal(DnsResponseCode.NameError, Ask(service, "web").ResponseCode);
        Assert.Null(service.Explain("web", System.Net.IPAddress.Loopback));
        Assert.False(TrySet(service, "web", "west", false, out string? error));
        Assert.Equal("no profile 'web'", error);
        int westProbes = harness.ProbesOf(WestTarget);

        // …api answers at once (checking) and is probed from the next tick on…
        Assert.Equal("203.0.113.7", Address(service, "api"));
        Assert.Equal(EndpointStatus.CheckingEndpoint, Endpoint(service, "api", "only").Status);
        harness.Advance(TimeSpan.Zero);
        Assert.Equal(EndpointStatus.Online, Endpoint(service, "api", "only").Status);
        Assert.Equal(1, harness.ProbesOf("203.0.113.7"));

        // …and web's endpoints are not probed any more.
        harness.Advance(Interval);
        Assert.Equal(westProbes, harness.ProbesOf(WestTarget));
    }

    [Fact]
    public async Task Apply_RemovedEndpoint_OverrideDoesNotComeBackWhenItIsAddedAgain()
    {
        // Arrange: primary manually disabled, then removed from the configuration.
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        Assert.True(TrySet(service, "app", "primary", false, out _));
        var without = Options();
        without.Profiles[0].Endpoints.RemoveAt(0);
        Apply(service, without);
        Assert.Equal(Secondary, Address(service, "app"));

        // Act: a later edit adds it back, enabled.
        Apply(service, Options());

        // Assert: the newer instruction (the file adding it, enabled) wins over the manual setting of the old endpoint.
        var primary = Endpoint(service, "app", "primary");
        Assert.Equal((true, (bool?)null), (primary.Enabled, primary.EnabledOverride));
        Assert.Equal(Primary, Address(service, "app"));
        Assert.Empty(SavedEndpoints(harness.StateFile));
    }

    [Fact]
    public async Task Restart_ConfigurationChangedEnabledFlagWhileStopped_OverrideCleared()
    {
        // Arrange: primary manually disabled while the file said Enabled=true; then the service stops.
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        Assert.True(TrySet(service, "app", "primary", false, out _));
        await service.StopAsync();

        // Act 1: restart with a file that disables primary (an edit made after the manual setting).
        var disabled = Options();
        disabled.Profiles[0].Endpoints[0].Enabled = false;
        var second = harness.Create(disabled);

        // Assert 1: the file's flag changed since the manual setting, so the file decides.
        var primary = Endpoint(second, "app", "primary");
        Assert.Equal((false, (bool?)null), (primary.Enabled, primary.EnabledOverride));
        Assert.Empty(SavedEndpoints(harness.StateFile));

        // Act 2: restart with the original file; nothing manual is left.
        var third = harness.Create();

        // Assert 2: Enabled=true in the file is the newest instruction.
        Assert.Equal((true, (bool?)null), (Endpoint(third, "app", "primary").Enabled, Endpoint(third, "app", "primary").EnabledOverride));
        Assert.Equal(Primary, Address(third, "app"));
    }

    [Fact]
    public async Task Restart_ConfigurationUnchanged_OverrideKept()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        Assert.True(TrySet(service, "app", "primary", false, out _));
        await service.StopAsync();

        // Act
        var restarted = harness.Create();

        // Assert
        Assert.Equal((false, (bool?)false), (Endpoint(restarted, "app", "primary").Enabled, Endpoint(restarted, "app", "primary").EnabledOverride));
        Assert.Equal(["app/primary"], SavedEndpoints(harness.StateFile));
    }

    private static string[] SavedEndpoints(string stateFile)
    {
        if (!File.Exists(stateFile))
        {
            return [];
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(stateFile));
        return [.. document.RootElement.GetProperty("endpoints").EnumerateArray()
            .Select(e => $"{e.GetProperty("profile").GetString()}/{e.GetProperty("endpoint").GetString()}")];
    }
}
