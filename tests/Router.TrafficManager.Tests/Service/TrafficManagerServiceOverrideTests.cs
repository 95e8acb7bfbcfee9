using System.Text.Json;
using Router.TrafficManager.Monitoring;
using Router.TrafficManager.Tests.Monitoring;
using static Router.TrafficManager.Tests.Service.ServiceHarness;

namespace Router.TrafficManager.Tests.Service;

/// <summary>
/// Manual enable/disable through <see cref="ITrafficManagerControl.SetEndpointEnabledAsync"/>: effective for the next
/// query, stops or resumes probing, kept in the state file across a restart, and refused (changing nothing) when it
/// cannot be saved.
/// </summary>
public sealed class TrafficManagerServiceOverrideTests
{
    [Fact]
    public async Task Disable_NextQueryAnswersNextEndpoint_WithoutWaitingForAProbe()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        int probes = harness.Prober.Calls.Count;
        Assert.Equal(Primary, Address(service, "app"));

        // Act: names are matched ignoring case.
        bool ok = TrySet(service, "APP", "Primary", false, out string? error);

        // Assert: no clock movement, no probe, and the next query already avoids it.
        Assert.True(ok, error);
        Assert.Null(error);
        Assert.Equal(probes, harness.Prober.Calls.Count);
        Assert.Equal(Secondary, Address(service, "app"));
        var report = Endpoint(service, "app", "primary");
        Assert.Equal((false, (bool?)false, EndpointStatus.Disabled, 0), (report.Enabled, report.EnabledOverride, report.Status, report.ConsecutiveFailures));
        Assert.True(report.LastProbe!.Value.Succeeded); // the last probe stays visible
        Assert.Equal(harness.Clock.GetUtcNow(), report.LastStatusChange);
        var explain = service.Explain("app", System.Net.IPAddress.Loopback)!;
        var candidate = Assert.Single(explain.Candidates, c => c.Endpoint == "primary");
        Assert.Equal((EndpointStatus.Disabled, false, false), (candidate.Status, candidate.Enabled, candidate.Eligible));
        var logged = Assert.Single(harness.Events(3602));
        Assert.Contains("app/primary manually disabled", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disable_StopsProbingThatEndpointOnly()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        Assert.True(TrySet(service, "app", "primary", false, out _));
        int primaryProbes = harness.ProbesOf(Primary);
        int secondaryProbes = harness.ProbesOf(Secondary);

        // Act
        harness.Advance(Interval);
        harness.Advance(Interval);
        harness.Advance(Interval);

        // Assert
        Assert.Equal(primaryProbes, harness.ProbesOf(Primary));
        Assert.Equal(secondaryProbes + 3, harness.ProbesOf(Secondary));
        Assert.Equal(EndpointStatus.Disabled, Endpoint(service, "app", "primary").Status);
    }

    [Fact]
    public async Task Disable_DegradedEndpoint_ResetsCountersAndStopsProbing()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        harness.Prober.Set(Primary, FakeBehaviour.Fail);
        var service = harness.Started();
        harness.Advance(Interval);
        Assert.Equal(EndpointStatus.Degraded, Endpoint(service, "app", "primary").Status);

        // Act
        Assert.True(TrySet(service, "app", "primary", false, out _));
        int probes = harness.ProbesOf(Primary);
        harness.Advance(2 * Interval);

        // Assert
        var report = Endpoint(service, "app", "primary");
        Assert.Equal((EndpointStatus.Disabled, 0), (report.Status, report.ConsecutiveFailures));
        Assert.Equal(probes, harness.ProbesOf(Primary));
        Assert.Equal(Secondary, Address(service, "app"));
    }

    [Fact]
    public async Task Disable_PersistedToStateFile_AndANewServiceStartsWithItDisabled()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();

        // Act
        Assert.True(TrySet(service, "app", "primary", false, out _));
        await service.StopAsync();
        var restarted = harness.Create();

        // Assert: the file says so…
        using (var document = JsonDocument.Parse(File.ReadAllBytes(harness.StateFile)))
        {
            var entry = Assert.Single(document.RootElement.GetProperty("endpoints").EnumerateArray());
            Assert.Equal("app", entry.GetProperty("profile").GetString());
            Assert.Equal("primary", entry.GetProperty("endpoint").GetString());
            Assert.False(entry.GetProperty("enabled").GetBoolean());
        }

        // …the new service answers without it before its first probe…
        var report = Endpoint(restarted, "app", "primary");
        Assert.Equal((false, (bool?)false, EndpointStatus.Disabled), (report.Enabled, report.EnabledOverride, report.Status));
        Assert.Equal(Secondary, Address(restarted, "app"));

        // …and never probes it.
        int probes = harness.ProbesOf(Primary);
        WithoutSynchronizationContext(restarted.Start);
        harness.Advance(TimeSpan.Zero);
        harness.Advance(Interval);
        Assert.Equal(probes, harness.ProbesOf(Primary));
        Assert.Equal(EndpointStatus.Online, Endpoint(restarted, "app", "secondary").Status);
        Assert.Equal(Secondary, Address(restarted, "app"));
    }

    [Fact]
    public async Task Enable_AfterDisable_AnsweredAtOnceAndProbedAgain()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();
        Assert.True(TrySet(service, "app", "primary", false, out _));
        harness.Advance(Interval);
        int probes = harness.ProbesOf(Primary);

        // Act
        Assert.True(TrySet(service, "app", "primary", true, out string? error), error);

        // Assert: checking (eligible) at once, answered before any probe.
        var report = Endpoint(service, "app", "primary");
        Assert.Equal((true, (bool?)true, EndpointStatus.CheckingEndpoint), (report.Enabled, report.EnabledOverride, report.Status));
        Assert.Equal(Primary, Address(service, "app"));
        Assert.Equal(probes, harness.ProbesOf(Primary));

        // The probe runs on the next tick and makes it online.
        harness.Advance(TimeSpan.Zero);
        Assert.Equal(probes + 1, harness.ProbesOf(Primary));
        Assert.Equal(EndpointStatus.Online, Endpoint(service, "app", "primary").Status);

        // The file keeps the manual enable, and a restart honours it.
        var restarted = harness.Create();
        Assert.Equal((true, (bool?)true), (Endpoint(restarted, "app", "primary").Enabled, Endpoint(restarted, "app", "primary").EnabledOverride));
        Assert.Equal(Primary, Address(restarted, "app"));
    }

    [Fact]
    public async Task Enable_EndpointDisabledInConfiguration_ProbedAndAnswered()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var options = Options();
        options.Profiles[0].Endpoints[0].Enabled = false;
        var service = harness.Started(options);
        Assert.Equal(0, harness.ProbesOf(Primary));
        Assert.Equal(Secondary, Address(service, "app"));

        // Act
        Assert.True(TrySet(service, "app", "primary", true, out _));
        harness.Advance(TimeSpan.Zero);

        // Assert
        Assert.Equal(1, harness.ProbesOf(Primary));
        Assert.Equal(EndpointStatus.Online, Endpoint(service, "app", "primary").Status);
        Assert.Equal(Primary, Address(service, "app"));
    }

    [Fact]
    public async Task Disable_EveryEndpoint_NxDomain()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();

        // Act
        Assert.True(TrySet(service, "web", "west", false, out _));
        Assert.True(TrySet(service, "web", "east", false, out _));

        // Assert: as Traffic Manager answers a profile without enabled endpoints.
        Assert.Equal(Router.Dns.DnsResponseCode.NameError, Ask(service, "web").ResponseCode);
        Assert.Equal(Primary, Address(service, "app"));
    }

    [Theory]
    [InlineData("nope", "primary", "no profile 'nope'")]
    [InlineData("app", "nope", "profile 'app' has no endpoint 'nope'")]
    [InlineData("web", "primary", "profile 'web' has no endpoint 'primary'")]
    public async Task TrySetEndpointEnabled_Unknown_FalseWithErrorAndNothingSaved(string profile, string endpoint, string expected)
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = harness.Started();

        // Act
        bool ok = TrySet(service, profile, endpoint, false, out string? error);

        // Assert
        Assert.False(ok);
        Assert.Equal(expected, error);
        Assert.False(File.Exists(harness.StateFile));
        Assert.All(service.GetProfiles().SelectMany(p => p.Endpoints), e => Assert.Equal((true, (bool?)null, EndpointStatus.Online), (e.Enabled, e.EnabledOverride, e.Status)));
    }

    [Fact]
    public async Task TrySetEndpointEnabled_StateFileUnwritable_FalseWithErrorAndNothingChanges()
    {
        // Arrange: the state file's folder is a regular file (root ignores permissions, so chmod would not do).
        await using var harness = new ServiceHarness();
        string blocker = Path.Combine(harness.Directory, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "x");
        var service = harness.Started(stateFile: Path.Combine(blocker, "router-state.json"));
        int probes = harness.ProbesOf(Primary);

        // Act
        bool ok = TrySet(service, "app", "primary", false, out string? error);

        // Assert: refused, with the reason; DNS, the report and probing are as before.
        Assert.False(ok);
        Assert.NotNull(error);
        Assert.Contains("cannot save", error, StringComparison.Ordinal);
        Assert.Contains(blocker, error, StringComparison.Ordinal);
        Assert.Equal(Primary, Address(service, "app"));
        var report = Endpoint(service, "app", "primary");
        Assert.Equal((true, (bool?)null, EndpointStatus.Online), (report.Enabled, report.EnabledOverride, report.Status));
        harness.Advance(Interval);
        Assert.Equal(probes + 1, harness.ProbesOf(Primary));
        Assert.Single(harness.Events(3605));
        Assert.Empty(harness.Events(3602));
        Assert.Equal("x", await File.ReadAllTextAsync(blocker));
    }

    [Fact]
    public async Task Constructor_CorruptStateFile_LoggedStartsFromConfigurationAndNextSetRewritesIt()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        await File.WriteAllTextAsync(harness.StateFile, "{ \"endpoints\": [ { \"profile\": ");

        // Act
        var service = harness.Started();

        // Assert
        var logged = Assert.Single(harness.Events(3604));
        Assert.Contains(harness.StateFile, logged.Message, StringComparison.Ordinal);
        Assert.Equal(Primary, Address(service, "app"));
        Assert.True(TrySet(service, "app", "secondary", false, out _));
        var restarted = harness.Create();
        Assert.Equal(EndpointStatus.Disabled, Endpoint(restarted, "app", "secondary").Status);
        Assert.Single(harness.Events(3604));
    }

    [Fact]
    public async Task Constructor_StateFileNamesUnknownEndpoints_ForgottenAndFileRewritten()
    {
        // Arrange: an override of an endpoint the configuration does not have (any more), beside a current one.
        await using var harness = new ServiceHarness();
        await File.WriteAllTextAsync(harness.StateFile, """
            { "version": 1, "endpoints": [
              { "profile": "gone", "endpoint": "x", "enabled": false, "changedAt": "2026-01-01T00:00:00Z" },
              { "profile": "app", "endpoint": "primary", "enabled": false, "changedAt": "2026-01-01T00:00:00Z" }
            ] }
            """);

        // Act
        var service = harness.Started();

        // Assert
        Assert.Empty(harness.Events(3604));
        Assert.Contains("gone/x", Assert.Single(harness.Events(3606)).Message, StringComparison.Ordinal);
        using (var document = JsonDocument.Parse(File.ReadAllBytes(harness.StateFile)))
        {
            var entry = Assert.Single(document.RootElement.GetProperty("endpoints").EnumerateArray());
            Assert.Equal("primary", entry.GetProperty("endpoint").GetString());
        }

        Assert.Equal(EndpointStatus.Disabled, Endpoint(service, "app", "primary").Status);
        Assert.Equal(Secondary, Address(service, "app"));
    }

    [Fact]
    public async Task Constructor_OverrideWithoutRecordedConfigurationFlag_Kept()
    {
        // Arrange: a file written before the configuration's flag was recorded; the configuration disables primary.
        await using var harness = new ServiceHarness();
        await File.WriteAllTextAsync(harness.StateFile,
            """{ "version": 1, "endpoints": [ { "profile": "app", "endpoint": "primary", "enabled": true, "changedAt": "2026-01-01T00:00:00Z" } ] }""");
        var options = Options();
        options.Profiles[0].Endpoints[0].Enabled = false;

        // Act
        var service = harness.Started(options);

        // Assert
        var primary = Endpoint(service, "app", "primary");
        Assert.Equal((true, (bool?)true, EndpointStatus.Online), (primary.Enabled, primary.EnabledOverride, primary.Status));
        Assert.Equal(Primary, Address(service, "app"));
        Assert.Empty(harness.Events(3603));
    }

    [Fact]
    public async Task TrySetEndpointEnabled_RecordsTheConfigurationFlag()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var options = Options();
        options.Profiles[0].Endpoints[0].Enabled = false;
        var service = harness.Started(options);

        // Act
        Assert.True(TrySet(service, "app", "primary", true, out _));

        // Assert
        using var document = JsonDocument.Parse(File.ReadAllBytes(harness.StateFile));
        var entry = Assert.Single(document.RootElement.GetProperty("endpoints").EnumerateArray());
        Assert.True(entry.GetProperty("enabled").GetBoolean());
        Assert.False(entry.GetProperty("configEnabled").GetBoolean());
        Assert.Equal(harness.Clock.GetUtcNow(), entry.GetProperty("changedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task InMemory_WithoutStateFile_SetWorksAndNothingIsWritten()
    {
        // Arrange
        await using var harness = new ServiceHarness();
        var service = new TrafficManagerService(Options(), harness.LoggerFactory, harness.MeterFactory, harness.Clock, stateFile: null);
        await using (service)
        {
            // Act
            Assert.True(service.TrySetEndpointEnabled("app", "primary", false, out string? error), error);

            // Assert
            Assert.Equal(Secondary, Address(service, "app"));
            Assert.Empty(Directory.EnumerateFileSystemEntries(harness.Directory));
        }
    }
}
