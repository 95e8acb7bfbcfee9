using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Router.Dns.Server.Diagnostics;
using Router.Dns.Server.Forwarding;
using Router.Dns.Server.Pipeline;
using Router.Dns.Server.Tests.Infrastructure;
using Router.Dns.Server.Tests.Pipeline;
using Router.Testing;

namespace Router.Dns.Server.Tests.Forwarding;

/// <summary>The spans of forwarding, as an OpenTelemetry tracer provider exports them: one per forwarded query, none per cache hit.</summary>
[Collection(TracingCollection.Name)]
public sealed class ForwardingTracingTests : IDisposable
{
    private static readonly TimeSpan TestDeadline = TimeSpan.FromSeconds(15);

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<Activity> _spans = [];
    private readonly TracerProvider _tracer;

    public ForwardingTracingTests()
    {
        _tracer = Sdk.CreateTracerProviderBuilder().AddSource(DnsTelemetryNames.ActivitySourceName).AddInMemoryExporter(_spans).Build();
    }

    public void Dispose()
    {
        _tracer.Dispose();
        _services.Dispose();
    }

    [Fact]
    public async Task Forward_FirstUpstreamRefusesSecondAnswers_SpanWithQuestionUpstreamAttemptsAndFailedUpstreamEvent()
    {
        // Arrange: the first upstream's port is closed (ICMP port unreachable), the second answers.
        int closedPort = ClosedUdpPort();
        await using var upstream = new FakeUpstream(query => [FakeUpstream.Answer(query, FakeUpstream.A(query, "192.0.2.3")).ToArray()]);
        var pipeline = Pipeline([new IPEndPoint(IPAddress.Loopback, closedPort), upstream.EndPoint], cache: true);
        var context = DnsPipelineTests.Context(RawDns.QueryBytes("www.forward.test", DnsRecordType.A));

        // Act: a miss goes upstream; the same question again is a cache hit, answered without a span.
        Assert.Equal(DnsHandlerResult.Deferred, pipeline.Process(context));
        await pipeline.ProcessDeferredAsync(context, CancellationToken.None).AsTask().WaitAsync(TestDeadline);
        var again = DnsPipelineTests.Context(RawDns.QueryBytes("www.forward.test", DnsRecordType.A));
        Assert.Equal(DnsHandlerResult.Answered, pipeline.Process(again));

        // Assert
        var span = Assert.Single(_spans);
        Assert.Equal(DnsTelemetryNames.ForwardActivity, span.OperationName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("www.forward.test.", span.GetTagItem(DnsTelemetryNames.QuestionNameAttribute));
        Assert.Equal("A", span.GetTagItem(DnsTelemetryNames.QuestionTypeAttribute));
        Assert.Equal("127.0.0.1", span.GetTagItem(DnsTelemetryNames.ServerAddressAttribute));
        Assert.Equal(upstream.EndPoint.Port, span.GetTagItem(DnsTelemetryNames.ServerPortAttribute));
        Assert.Equal(2, span.GetTagItem(DnsTelemetryNames.AttemptsAttribute));
        Assert.Equal("NoError", span.GetTagItem(DnsTelemetryNames.ResponseCodeAttribute));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        var failed = Assert.Single(span.Events);
        Assert.Equal(DnsTelemetryNames.UpstreamFailedEvent, failed.Name);
        var tags = failed.Tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal(closedPort, tags[DnsTelemetryNames.ServerPortAttribute]);
        Assert.False(string.IsNullOrEmpty(tags[DnsTelemetryNames.FailureReasonAttribute] as string));
    }

    [Fact]
    public async Task Forward_NoUpstreamAnswers_ErrorSpanWithServFail()
    {
        // Arrange
        var pipeline = Pipeline([], cache: false);
        var context = DnsPipelineTests.Context(RawDns.QueryBytes("miss.forward.test", DnsRecordType.AAAA));

        // Act
        pipeline.Process(context);
        await pipeline.ProcessDeferredAsync(context, CancellationToken.None).AsTask().WaitAsync(TestDeadline);

        // Assert
        var span = Assert.Single(_spans);
        Assert.Equal("AAAA", span.GetTagItem(DnsTelemetryNames.QuestionTypeAttribute));
        Assert.Equal("ServerFailure", span.GetTagItem(DnsTelemetryNames.ResponseCodeAttribute));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("no upstream answered; SERVFAIL", span.StatusDescription);
    }

    private DnsPipeline Pipeline(IReadOnlyList<IPEndPoint> upstreams, bool cache)
    {
        var metrics = new DnsServerMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var resolver = new UpstreamResolver(upstreams, TimeSpan.FromSeconds(5), attempts: 2, TimeProvider.System, NullLogger.Instance);
        NetworkPrefix.TryParse("127.0.0.0/8", out var loopback, out _);
        var handler = new ForwardingHandler([loopback], resolver, cache ? new DnsResponseCache(100, TimeProvider.System) : null,
            new DnsCacheOptionsSnapshot(3600, 300), TimeProvider.System, metrics);
        return DnsPipelineTests.Pipeline(handler);
    }

    /// <summary>A loopback UDP port nobody listens on (bound, then released).</summary>
    private static int ClosedUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
