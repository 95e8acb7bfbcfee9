using System.Net;
using System.Text.Json;
using Router.Health.Configuration;
using Router.Health.Tests.Topology;
using Router.Testing;

namespace Router.Health.Tests.Http;

/// <summary>
/// The batch document's long poll (<c>?since=V&amp;wait=S</c>) over real HTTP on loopback (the monitor's Kestrel
/// listener on 127.0.0.1, port 0): held on the monitor's (virtual) clock until a change, the end of the wait, a reload,
/// the client going away or the server stopping. A request counts as held once its wait timer is scheduled (one timer
/// more than the parked probe loops).
/// </summary>
public sealed class BatchEndpointLongPollTests
{
    /// <summary>How long a test waits, in real time, for an answer it expects now.</summary>
    private static readonly TimeSpan AnswerDeadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Wait_NothingChanges_HeldUntilTheWaitEndsThenEmptyIncremental()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();
        long version = harness.Monitor.Monitor.Snapshot.Journal.Version;

        // Act 1: held; 9 s pass (one more probe of everything, nothing changes).
        var answer = BatchClient.GetAsync(harness, $"/health/registries?since={version}&wait=10");
        await WaitUntilHeldAsync(harness);
        await AdvanceAndParkAsync(harness, TimeSpan.FromSeconds(9), calls: 2);
        bool answeredEarly = answer.IsCompleted;

        // Act 2: the wait ends.
        harness.Monitor.Clock.AdvanceStepwise(TimeSpan.FromSeconds(1));
        var (response, text) = await answer.WaitAsync(AnswerDeadline);

        // Assert
        Assert.False(answeredEarly);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{{\"region\":\"eastus\",\"version\":{version},\"complete\":false,\"registries\":[]}}", text);
        await Poll.UntilAsync(() => harness.Monitor.Clock.ActiveTimerCount == harness.Monitor.ResourceCount, "the wait's timer released");
    }

    [Fact]
    public async Task Wait_NothingChangesWithIfNoneMatchCurrent_304WhenTheWaitEnds()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();
        long version = harness.Monitor.Monitor.Snapshot.Journal.Version;

        // Act
        var answer = BatchClient.GetAsync(harness, $"/health/registries?since={version}&wait=2.5", $"\"{version}\"");
        await WaitUntilHeldAsync(harness);
        harness.Monitor.Clock.AdvanceStepwise(TimeSpan.FromSeconds(2.5));
        var (response, text) = await answer.WaitAsync(AnswerDeadline);

        // Assert
        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal($"\"{version}\"", response.Headers.ETag?.Tag);
        Assert.Empty(text);
    }

    [Fact]
    public async Task Wait_VerdictChangesDuringTheWait_AnsweredWithTheChangeAtOnce()
    {
        // Arrange: healthy at t = 0; sa-1 fails from t = 5 s and is Unhealthy at t = 15 s, well inside the wait.
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();
        long version = harness.Monitor.Monitor.Snapshot.Journal.Version;
        harness.Monitor.Check("sa-1").Fail("disk full");

        // Act
        var answer = BatchClient.GetAsync(harness, $"/health/registries?since={version}&wait=60", $"\"{version}\"");
        await WaitUntilHeldAsync(harness);
        await AdvanceAndParkAsync(harness, harness.Monitor.Interval, calls: 2);
        await AdvanceAndParkAsync(harness, harness.Monitor.Interval, calls: 3);
        bool answeredEarly = answer.IsCompleted;
        harness.Monitor.Clock.AdvanceStepwise(harness.Monitor.Interval);
        var (response, text) = await answer.WaitAsync(AnswerDeadline);
        var body = JsonDocument.Parse(text).RootElement;

        // Assert
        Assert.False(answeredEarly);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.GetProperty("version").GetInt64() > version);
        Assert.False(body.GetProperty("complete").GetBoolean());
        var contoso = Assert.Single(body.GetProperty("registries").EnumerateArray());
        Assert.Equal("contoso", contoso.GetProperty("name").GetString());
        Assert.Equal("Unhealthy", contoso.GetProperty("status").GetString());
        Assert.Equal(harness.Monitor.Clock.Start.AddSeconds(15), harness.Monitor.Clock.GetUtcNow());
    }

    [Fact]
    public async Task Wait_ReloadDuringTheWait_AnsweredCompleteWithTheNewVersion()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();
        long version = harness.Monitor.Monitor.Snapshot.Journal.Version;
        var answer = BatchClient.GetAsync(harness, $"/health/registries?since={version}&wait=60");
        await WaitUntilHeldAsync(harness);
        var options = TestOptions.ContosoAndFabrikam();
        options.DeepEvaluation = DeepEvaluationMode.Disabled;

        // Act
        harness.Monitor.Apply(options);
        var (_, text) = await answer.WaitAsync(AnswerDeadline);
        var body = JsonDocument.Parse(text).RootElement;

        // Assert
        Assert.True(body.GetProperty("version").GetInt64() > version);
        Assert.True(body.GetProperty("complete").GetBoolean());
        Assert.All(body.GetProperty("registries").EnumerateArray(), r => Assert.Equal("deep evaluation disabled", r.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task Wait_SinceNotAnswerable_AnsweredCompleteWithoutHolding()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();

        // Act: the clock never moves, so only an answer that was not held can arrive.
        var (response, text) = await BatchClient.GetAsync(harness, "/health/registries?since=0&wait=60").WaitAsync(AnswerDeadline);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"complete\":true", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_ClientGoesAway_HoldEndsAndReleasesItsTimer()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();
        long version = harness.Monitor.Monitor.Snapshot.Journal.Version;
        using var cancel = new CancellationTokenSource();
        var answer = BatchClient.GetAsync(harness, $"/health/registries?since={version}&wait=60", cancellationToken: cancel.Token);
        await WaitUntilHeldAsync(harness);

        // Act
        await cancel.CancelAsync();

        // Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => answer.WaitAsync(AnswerDeadline));
        await Poll.UntilAsync(() => harness.Monitor.Clock.ActiveTimerCount == harness.Monitor.ResourceCount, "the held request's timer released");
    }

    [Fact]
    public async Task Wait_ServerStops_HeldRequestAnsweredAtOnce()
    {
        // Arrange
        await using var harness = await HealthServerHarness.StartAsync(TestOptions.ContosoAndFabrikam());
        await harness.Monitor.StartAsync();
        long version = harness.Monitor.Monitor.Snapshot.Journal.Version;
        var answer = BatchClient.GetAsync(harness, $"/health/registries?since={version}&wait=60");
        await WaitUntilHeldAsync(harness);

        // Act: the clock never moves, so the wait cannot have ended.
        var stopped = harness.Server.StopAsync(CancellationToken.None);
        var (response, text) = await answer.WaitAsync(AnswerDeadline);
        await stopped.WaitAsync(AnswerDeadline);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"complete\":false,\"registries\":[]", text, StringComparison.Ordinal);
    }

    private static Task WaitUntilHeldAsync(HealthServerHarness harness) =>
        Poll.UntilAsync(() => harness.Monitor.Clock.ActiveTimerCount == harness.Monitor.ResourceCount + 1, "the request is held on its wait timer");

    /// <summary>Moves the clock and waits until every resource was probed <paramref name="calls"/> times and its loop is parked again.</summary>
    private static Task AdvanceAndParkAsync(HealthServerHarness harness, TimeSpan by, int calls) =>
        harness.Monitor.AdvanceAsync(by,
            () => harness.Monitor.AllChecks.All(c => c.CallCount == calls) && harness.Monitor.Clock.ActiveTimerCount == harness.Monitor.ResourceCount + 1,
            $"every resource probed {calls} times and parked, the request still held");
}
