using System.Net;
using System.Text;
using Router.Testing;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Monitoring;
using static Router.TrafficManager.Tests.Service.ServiceHarness;

namespace Router.TrafficManager.Tests.Service;

/// <summary>
/// Many endpoints changing at once (a whole region's verdicts turning Unhealthy in one batch document): one batch of
/// changes, every changed profile's answer moved, and a bounded answer-change log (events 3607 and 3620).
/// </summary>
public sealed class TrafficManagerServiceBatchChangeTests
{
    private const int AnswerChanged = 3607;
    private const int AnswerChangesSummarized = 3620;
    private const int StatusChanged = 3000;
    private const int StatusChangesSummarized = 3003;
    private const string East = "192.0.2.1";
    private const string West = "192.0.2.2";

    [Theory]
    [InlineData(120)]
    [InlineData(TrafficManagerService.RebuildSlice * 2 + 120)] // rebuilt in three slices
    public async Task RegionTurnsUnhealthy_EveryProfileMoves_AnswerChangesLoggedBounded(int profiles)
    {
        // Arrange: Priority profiles, east first, west second, both regions' monitors on one fake server.
        await using var harness = new ServiceHarness();
        using var server = new FakeBatchServer(profiles);
        var options = Options(profiles);
        Assert.Empty(TrafficManagerOptionsValidator.Validate(options));
        await using var service = new TrafficManagerService(options, harness.LoggerFactory, harness.MeterFactory, harness.Clock, stateFile: null,
            harness.Prober, () => 0, batchHandler: server);
        WithoutSynchronizationContext(service.Start);
        await Poll.UntilAsync(() => Enumerable.Range(0, profiles).All(i => Address(service, $"r{i}") == East), "every profile answers east");
        await Poll.UntilAsync(
            () => service.GetProfiles().All(p => p.Endpoints.All(e => e.Status == EndpointStatus.Online)), "every endpoint of both regions Online");

        // Act: every registry of east turns Unhealthy in one document.
        server.FailAll(East);
        await Poll.UntilAsync(() => Enumerable.Range(0, profiles).All(i => Address(service, $"r{i}") == West), "every profile answers west");

        // Assert: one batch of changes; the first 50 profiles logged one by one, the rest in one summary line.
        // (Coming Online was logged the same way, per origin, possibly still after the states showed it: only the
        // summary whose cause is the failure belongs to the act.)
        await Poll.UntilAsync(() => Failures(harness.Events(AnswerChangesSummarized)).Any(), "the summary line");
        var summary = Assert.Single(Failures(harness.Events(AnswerChangesSummarized)));
        Assert.Equal((profiles - TrafficManagerService.MaxAnswerChangesLogged).ToString(System.Globalization.CultureInfo.InvariantCulture), State(summary, "More"));
        Assert.Equal(profiles.ToString(System.Globalization.CultureInfo.InvariantCulture), State(summary, "Total"));
        var logged = Failures(harness.Events(AnswerChanged)).Select(e => State(e, "Profile")).Distinct().ToList();
        Assert.Equal(TrafficManagerService.MaxAnswerChangesLogged, logged.Count);

        // The endpoints' status changes too: 50 logged one by one (event 3000), the others in one line (event 3003).
        var degraded = harness.Events(StatusChanged).Where(r => State(r, "Status") == nameof(EndpointStatus.Degraded)).ToList();
        Assert.Equal(ProbeScheduler.MaxTransitionsLogged, degraded.Count);
        var folded = Assert.Single(harness.Events(StatusChangesSummarized), r => State(r, "Degraded") != "0");
        Assert.Equal((profiles - ProbeScheduler.MaxTransitionsLogged).ToString(System.Globalization.CultureInfo.InvariantCulture), State(folded, "More"));
        Assert.Equal(State(folded, "More"), State(folded, "Degraded"));

        // Coming Online says it was a verdict of the batch document, not a probe of the endpoint.
        var online = harness.Events(StatusChanged).First(r => State(r, "Status") == nameof(EndpointStatus.Online));
        Assert.StartsWith("verdict Healthy (batch ", State(online, "Cause"), StringComparison.Ordinal);
    }

    /// <summary>The records whose cause is an endpoint turning Degraded.</summary>
    private static IEnumerable<Microsoft.Extensions.Logging.Testing.FakeLogRecord> Failures(IEnumerable<Microsoft.Extensions.Logging.Testing.FakeLogRecord> records) =>
        records.Where(r => State(r, "Cause")?.Contains("-> Degraded", StringComparison.Ordinal) == true);

    private static string? State(Microsoft.Extensions.Logging.Testing.FakeLogRecord record, string key) =>
        record.StructuredState!.FirstOrDefault(p => p.Key == key).Value;

    private static TrafficManagerOptions Options(int profiles) => new()
    {
        Zone = Zone,
        Profiles = [.. Enumerable.Range(0, profiles).Select(i => new ProfileOptions
        {
            Name = $"r{i}",
            RoutingMethod = RoutingMethod.Priority,
            Monitor = new MonitorOptions { Mode = MonitorMode.Batch, Protocol = MonitorProtocol.Http, Port = 8081, IntervalSeconds = 10, TimeoutSeconds = 5, ToleratedFailures = 0 },
            Endpoints = [new EndpointOptions { Name = "east", Target = East }, new EndpointOptions { Name = "west", Target = West }],
        })],
    };

    /// <summary>
    /// The batch document of every origin (by host): all registries <c>r0</c>… with one status per host. A long poll is
    /// held until a change; every answer is the complete document.
    /// </summary>
    private sealed class FakeBatchServer(int registries) : HttpMessageHandler
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, string> _status = new(StringComparer.Ordinal);
        private long _version = 1;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void FailAll(string host)
        {
            TaskCompletionSource changed;
            lock (_gate)
            {
                _status[host] = "Unhealthy";
                _version++;
                changed = _changed;
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            changed.TrySetResult();
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string host = request.RequestUri!.Host;
            Task changed;
            long version;
            lock (_gate)
            {
                version = _version;
                changed = _changed.Task;
            }

            if (request.RequestUri.Query.Contains($"since={version}", StringComparison.Ordinal))
            {
                await changed.WaitAsync(cancellationToken);
            }

            string status;
            lock (_gate)
            {
                version = _version;
                status = _status.GetValueOrDefault(host, "Healthy");
            }

            var json = new StringBuilder($"{{\"region\":\"{host}\",\"version\":{version},\"complete\":true,\"registries\":[");
            for (int i = 0; i < registries; i++)
            {
                json.Append(i == 0 ? "" : ",").Append($"{{\"name\":\"r{i}\",\"status\":\"{status}\",\"failOpen\":false}}");
            }

            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json.Append("]}").ToString(), Encoding.UTF8, "application/json") };
            response.Headers.ETag = new System.Net.Http.Headers.EntityTagHeaderValue($"\"{version}\"");
            return response;
        }
    }
}
