using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Router.TrafficManager.Configuration;
using Router.Testing.Http;
using Router.TrafficManager.Monitoring;

namespace Router.TrafficManager.Tests.Monitoring;

/// <summary>The prober against real servers on loopback (real time, timeouts of at most a few seconds).</summary>
public sealed class EndpointProberTests : IDisposable
{
    private readonly EndpointProber _prober = new(TimeProvider.System);

    public void Dispose() => _prober.Dispose();

    [Fact]
    public async Task Probe_Http200_Success()
    {
        await using var server = LoopbackProbeServer.Start();

        var result = await _prober.ProbeAsync("127.0.0.1", Monitor(server.Port), CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(200, result.StatusCode);
        Assert.Null(result.Error);
        Assert.False(result.UsedFallback);
        Assert.True(result.Duration > TimeSpan.Zero);
    }

    [Fact]
    public async Task Probe_Http503_FailureWithStatus()
    {
        await using var server = LoopbackProbeServer.Start();
        server.Status = 503;

        var result = await _prober.ProbeAsync("127.0.0.1", Monitor(server.Port, "200-299"), CancellationToken.None);

        Assert.Equal((false, 503, "status 503 not in 200-299"), (result.Succeeded, result.StatusCode, result.Error));
    }

    [Fact]
    public async Task Probe_FlippedAnswer_EachProbeSeesTheCurrentOne()
    {
        await using var server = LoopbackProbeServer.Start();
        var monitor = Monitor(server.Port);

        var first = await _prober.ProbeAsync("127.0.0.1", monitor, CancellationToken.None);
        server.Status = 503;
        var second = await _prober.ProbeAsync("127.0.0.1", monitor, CancellationToken.None);
        server.Status = 200;
        var third = await _prober.ProbeAsync("127.0.0.1", monitor, CancellationToken.None);

        Assert.Equal([true, false, true], new[] { first.Succeeded, second.Succeeded, third.Succeeded });
        Assert.Equal(3, server.Connections); // a connection per probe
    }

    [Theory]
    [InlineData(401, true)]
    [InlineData(204, true)]
    [InlineData(403, false)]
    public async Task Probe_ExpectedRanges_StatusCountsAsConfigured(int status, bool succeeded)
    {
        await using var server = LoopbackProbeServer.Start();
        server.Status = status;

        var result = await _prober.ProbeAsync("127.0.0.1", Monitor(server.Port, "200-299", "401"), CancellationToken.None);

        Assert.Equal(succeeded, result.Succeeded);
        Assert.Equal(status, result.StatusCode);
        Assert.Equal(succeeded ? null : $"status {status} not in 200-299, 401", result.Error);
    }

    [Fact]
    public async Task Probe_Redirect_NotFollowedAndAFailureByDefault()
    {
        await using var server = LoopbackProbeServer.Start();
        server.Status = 302;
        server.Location = $"http://127.0.0.1:{server.Port}/elsewhere";

        var result = await _prober.ProbeAsync("127.0.0.1", Monitor(server.Port), CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal("status 302 not in 200", result.Error);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Probe_HeadersAndPath_SentAsConfigured()
    {
        await using var server = LoopbackProbeServer.Start();
        var monitor = Monitor(server.Port);
        monitor.Path = "/health/registries/contoso?deep=1";
        monitor.Headers["Host"] = "contoso.registry.test";
        monitor.Headers["X-Probe"] = "router";

        var result = await _prober.ProbeAsync("127.0.0.1", monitor, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        var request = Assert.Single(server.Requests);
        Assert.Equal(("GET", "/health/registries/contoso?deep=1"), (request.Method, request.Target));
        Assert.Equal("contoso.registry.test", request.Headers["Host"]);
        Assert.Equal("router", request.Headers["X-Probe"]);
        Assert.Equal(HttpProbeAttempt.UserAgent, request.Headers["User-Agent"]);
    }

    [Fact]
    public async Task Probe_ContentHeaderConfigured_LeftOutAndProbed()
    {
        // Arrange: validation accepts any token as a header name; a content header cannot go on a bodiless GET
        await using var server = LoopbackProbeServer.Start();
        var monitor = Monitor(server.Port);
        monitor.Headers["Content-Type"] = "application/json";
        monitor.Headers["X-Probe"] = "router";

        // Act
        var result = await _prober.ProbeAsync("127.0.0.1", monitor, CancellationToken.None);

        // Assert: the probe runs (before, every probe failed with "probe failed: Misused header name")
        Assert.True(result.Succeeded, result.Error);
        var request = Assert.Single(server.Requests);
        Assert.False(request.Headers.ContainsKey("Content-Type"));
        Assert.Equal("router", request.Headers["X-Probe"]);
    }

    [Fact]
    public async Task Probe_ConnectionRefused_Failure()
    {
        var result = await _prober.ProbeAsync("127.0.0.1", Monitor(LoopbackProbeServer.ClosedPort()), CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal("connection refused", result.Error);
        Assert.Null(result.StatusCode);
    }

    [Fact]
    public async Task Probe_ServerNeverAnswers_TimeoutFailure()
    {
        await using var server = LoopbackProbeServer.Start();
        server.Hang = true;
        var monitor = Monitor(server.Port);
        monitor.TimeoutSeconds = 0.5;

        var result = await _prober.ProbeAsync("127.0.0.1", monitor, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(result.Succeeded);
        Assert.Equal("timeout after 0.5 s", result.Error);
        Assert.InRange(result.Duration, TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(5)); // timers may fire a little early
    }

    [Fact]
    public async Task Probe_Tcp_ConnectIsSuccessRefusalIsFailure()
    {
        await using var server = LoopbackProbeServer.Start();
        var monitor = Monitor(server.Port);
        monitor.Protocol = MonitorProtocol.Tcp;
        var closed = Monitor(LoopbackProbeServer.ClosedPort());
        closed.Protocol = MonitorProtocol.Tcp;

        var open = await _prober.ProbeAsync("127.0.0.1", monitor, CancellationToken.None);
        var refused = await _prober.ProbeAsync("127.0.0.1", closed, CancellationToken.None);

        Assert.True(open.Succeeded, open.Error);
        Assert.Null(open.StatusCode);
        Assert.Empty(server.Requests); // connect only
        Assert.False(refused.Succeeded);
        Assert.Equal("connection refused", refused.Error);
    }

    [Fact]
    public async Task Probe_Ipv6LoopbackTarget_Success()
    {
        // A host without ::1 cannot show IPv6 probing works: fail loudly rather than pass without testing.
        Assert.True(Ipv6LoopbackAvailable(), "This test needs the IPv6 loopback address ::1 on this host.");
        await using var server = LoopbackProbeServer.Start(IPAddress.IPv6Loopback);
        var monitor = Monitor(server.Port);
        monitor.Headers["Host"] = "contoso.registry.test";

        var result = await _prober.ProbeAsync("::1", monitor, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("contoso.registry.test", Assert.Single(server.Requests).Headers["Host"]);
    }

    [Fact]
    public async Task Probe_HostNameTarget_ResolvedAndProbed()
    {
        await using var server = LoopbackProbeServer.Start();

        var result = await _prober.ProbeAsync("localhost", Monitor(server.Port), CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
    }

    [Fact]
    public async Task Probe_HttpsSelfSignedCertificate_Accepted()
    {
        await using var server = LoopbackProbeServer.StartTls();
        var monitor = Monitor(server.Port);
        monitor.Protocol = MonitorProtocol.Https;
        monitor.Headers["Host"] = "contoso.registry.test";

        var result = await _prober.ProbeAsync("127.0.0.1", monitor, CancellationToken.None);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("contoso.registry.test", Assert.Single(server.Requests).Headers["Host"]);
    }

    [Fact]
    public async Task Probe_HttpsAgainstPlainHttpServer_FailureWithoutFallback()
    {
        // The plain server waits for a request line that the TLS handshake never sends: the handshake times out.
        await using var server = LoopbackProbeServer.Start();
        var monitor = Monitor(server.Port);
        monitor.Protocol = MonitorProtocol.Https;
        monitor.TimeoutSeconds = 0.5;
        monitor.Fallback = new FallbackMonitorOptions { Protocol = MonitorProtocol.Http };

        var result = await _prober.ProbeAsync("127.0.0.1", monitor, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.False(result.UsedFallback); // it connected
        Assert.Equal("timeout after 0.5 s", result.Error);
    }

    [Fact]
    public async Task Probe_DeepRefusedFallbackAnswers_FallbackResultUsed()
    {
        // Arrange: nothing on the deep port; the fallback port answers 401, which the fallback accepts
        await using var registry = LoopbackProbeServer.Start();
        registry.Status = 401;
        var monitor = Monitor(LoopbackProbeServer.ClosedPort(), "200-299");
        monitor.Headers["Host"] = "contoso.registry.test";
        monitor.Fallback = new FallbackMonitorOptions { Port = registry.Port, Path = "/v2/", ExpectedStatusCodes = ["200-299", "401"] };

        // Act
        var result = await _prober.ProbeAsync("127.0.0.1", monitor, CancellationToken.None);

        // Assert
        Assert.True(result.Succeeded, result.Error);
        Assert.True(result.UsedFallback);
        Assert.Equal(401, result.StatusCode);
        var request = Assert.Single(registry.Requests);
        Assert.Equal("/v2/", request.Target);
        Assert.Equal("contoso.registry.test", request.Headers["Host"]); // headers default to the monitor's
    }

    [Fact]
    public async Task Probe_DeepConnectTimesOut_FallbackGetsTheRestOfTheTimeout()
    {
        // Arrange: a listener whose accept queue is full, so a further connect is never answered (Linux drops the SYN)
        using var stuffed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        stuffed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        stuffed.Listen(0);
        int stuffedPort = ((IPEndPoint)stuffed.LocalEndPoint!).Port;
        var fillers = new List<Socket>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                using var quick = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
                try
                {
                    await filler.ConnectAsync(new IPEndPoint(IPAddress.Loopback, stuffedPort), quick.Token);
                }
                catch (OperationCanceledException)
                {
                    break; // the queue is full
                }
            }

            await using var registry = LoopbackProbeServer.Start();
            var monitor = Monitor(stuffedPort);
            // 12 s, not 2 s: the confirmation ends a tenth of the timeout before it, and 0.2 s was less than a loaded
            // machine (other test assemblies run beside this one) took to run a continuation, twice in four CI runs;
            // 0.6 s (6 s) was too little once in three runs beside stress-ng on both cores.
            monitor.TimeoutSeconds = 12;
            monitor.Fallback = new FallbackMonitorOptions { Port = registry.Port };

            // Act: with a caller deadline at exactly TimeoutSeconds, as ProbeScheduler sets one
            using var schedulerDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(monitor.TimeoutSeconds));
            var result = await _prober.ProbeAsync("127.0.0.1", monitor, schedulerDeadline.Token).WaitAsync(TimeSpan.FromSeconds(30));

            // Assert: the deep probe gave up connecting after half the timeout; the fallback answered within the rest;
            // the confirmation (the monitor asked once more) could not connect either and gave up a margin before the
            // timeout, so the fallback's success stands — not lost to the caller's deadline
            Assert.True(result.Succeeded, result.Error);
            Assert.True(result.UsedFallback);
            // At least the deep probe's half of the timeout. No upper bound of the timeout itself: that the fallback's
            // success arrived before the caller's deadline is what Succeeded says; the wall-clock duration measured
            // around it ran to 4.5 s once on a loaded machine (continuations scheduled late), and proves nothing more.
            Assert.True(result.Duration >= TimeSpan.FromSeconds(monitor.TimeoutSeconds / 2.0 - 0.1), $"the deep probe gave up after {result.Duration.TotalSeconds:0.000} s, before half the timeout");
            Assert.Single(registry.Requests);
        }
        finally
        {
            fillers.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public async Task Probe_MonitorComesBackWhileTheFallbackRuns_MonitorVerdictStands()
    {
        // Arrange: the deep port is closed when the probe starts; the monitor starts there (answering 503, still
        // counting the dependencies it lost) while the fallback's request is in flight
        await using var registry = LoopbackProbeServer.Start();
        registry.Status = 401;
        await using var late = LateMonitor.StartWhenFallbackRuns(registry, server => server.Status = 503);
        var monitor = Monitor(late.Port);
        monitor.Fallback = new FallbackMonitorOptions { Port = registry.Port, Path = "/v2/", ExpectedStatusCodes = ["200-299", "401"] };

        // Act
        var result = await _prober.ProbeAsync("127.0.0.1", monitor, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        // Assert: the monitor's 503, not the fallback's 401, is the probe's result
        Assert.Null(late.StartFailure);
        Assert.False(result.Succeeded);
        Assert.False(result.UsedFallback);
        Assert.Equal(503, result.StatusCode);
        Assert.Equal("status 503 not in 200", result.Error);
        Assert.Single(registry.Requests);
        Assert.Single(late.Server!.Requests);
    }

    [Fact]
    public async Task Probe_MonitorComesBackButNeverAnswers_TimeoutFailureNotFallback()
    {
        // Arrange: the monitor starts on the deep port while the fallback runs, accepts, and never answers
        await using var registry = LoopbackProbeServer.Start();
        await using var late = LateMonitor.StartWhenFallbackRuns(registry, server => server.Hang = true);
        var monitor = Monitor(late.Port);
        monitor.TimeoutSeconds = 3;
        monitor.Fallback = new FallbackMonitorOptions { Port = registry.Port };

        // Act: with a caller deadline at TimeoutSeconds, as ProbeScheduler sets one
        using var schedulerDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(monitor.TimeoutSeconds));
        var result = await _prober.ProbeAsync("127.0.0.1", monitor, schedulerDeadline.Token).WaitAsync(TimeSpan.FromSeconds(30));

        // Assert: a monitor that accepts and does not answer is a deep failure, as it is without a fallback. (Whether the
        // server got to read the request before the deadline is the loaded machine's business: at most one.)
        Assert.Null(late.StartFailure);
        Assert.False(result.Succeeded);
        Assert.False(result.UsedFallback);
        Assert.Equal("timeout after 3 s", result.Error);
        Assert.InRange(late.Server!.Requests.Count, 0, 1);
    }

    [Fact]
    public async Task Probe_MonitorStillDownAfterTheFallback_FallbackSuccessStands()
    {
        // Arrange: the monitor stays down; the deep port is asked twice (the probe and the confirmation), both refused
        await using var registry = LoopbackProbeServer.Start();
        var monitor = Monitor(LoopbackProbeServer.ClosedPort());
        monitor.TimeoutSeconds = 20;
        monitor.Fallback = new FallbackMonitorOptions { Port = registry.Port };

        // Act
        var result = await _prober.ProbeAsync("127.0.0.1", monitor, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        // Assert: a refusal is immediate, so the confirmation does not wait for the timeout (the bound is half of it,
        // far above a refusal even on a loaded machine, where a first connection alone has taken over a second)
        Assert.True(result.Succeeded, result.Error);
        Assert.True(result.UsedFallback);
        Assert.Equal(200, result.StatusCode);
        Assert.InRange(result.Duration, TimeSpan.Zero, TimeSpan.FromSeconds(monitor.TimeoutSeconds / 2));
    }

    [Fact]
    public async Task Probe_DeepRefusedFallbackFails_FallbackFailureReported()
    {
        await using var registry = LoopbackProbeServer.Start();
        registry.Status = 500;
        var monitor = Monitor(LoopbackProbeServer.ClosedPort());
        monitor.Fallback = new FallbackMonitorOptions { Port = registry.Port };

        var result = await _prober.ProbeAsync("127.0.0.1", monitor, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.True(result.UsedFallback);
        Assert.Equal("status 500 not in 200", result.Error);
    }

    [Fact]
    public async Task Probe_Deep503_FailureWithoutFallback()
    {
        await using var monitorServer = LoopbackProbeServer.Start();
        await using var registry = LoopbackProbeServer.Start();
        monitorServer.Status = 503;
        var monitor = Monitor(monitorServer.Port);
        monitor.Fallback = new FallbackMonitorOptions { Port = registry.Port };

        var result = await _prober.ProbeAsync("127.0.0.1", monitor, CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.False(result.UsedFallback);
        Assert.Equal("status 503 not in 200", result.Error);
        Assert.Equal(0, registry.Connections);
    }

    [Fact]
    public async Task Probe_DeepConnectsButNeverAnswers_TimeoutWithoutFallback()
    {
        await using var monitorServer = LoopbackProbeServer.Start();
        await using var registry = LoopbackProbeServer.Start();
        monitorServer.Hang = true;
        var monitor = Monitor(monitorServer.Port);
        monitor.TimeoutSeconds = 0.5;
        monitor.Fallback = new FallbackMonitorOptions { Port = registry.Port };

        var result = await _prober.ProbeAsync("127.0.0.1", monitor, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(result.Succeeded);
        Assert.False(result.UsedFallback);
        Assert.Equal("timeout after 0.5 s", result.Error);
        Assert.Equal(0, registry.Connections);
    }

    [Fact]
    public async Task Probe_CallerCancels_Throws()
    {
        await using var server = LoopbackProbeServer.Start();
        server.Hang = true;
        using var cancellation = new CancellationTokenSource();
        var probe = _prober.ProbeAsync("127.0.0.1", Monitor(server.Port), cancellation.Token);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => probe.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Probe_HandlerNeverAnswers_TimeoutOnTheInjectedClock()
    {
        // Arrange: a handler that waits for cancellation, and a virtual clock
        var clock = new FakeTimeProvider();
        using var handler = new NeverAnsweringHandler();
        using var prober = new EndpointProber(clock, handler);
        var monitor = Monitor(80);
        monitor.TimeoutSeconds = 10;

        // Act
        var probe = prober.ProbeAsync("192.0.2.1", monitor, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(9.999));
        Assert.False(probe.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var result = await probe.WaitAsync(TimeSpan.FromSeconds(10));

        // Assert
        Assert.False(result.Succeeded);
        Assert.Equal("timeout after 10 s", result.Error);
        Assert.Equal(TimeSpan.FromSeconds(10), result.Duration);
        Assert.Equal(clock.Start, result.StartedAt);
    }

    [Theory]
    [MemberData(nameof(FailureWordingCases.Names), MemberType = typeof(FailureWordingCases))]
    public async Task Probe_HttpClientFailure_SharedSentence(string name)
    {
        // Arrange: the handler fails as SocketsHttpHandler does; the health monitor's Http check words it the same
        var (exception, sentence) = FailureWordingCases.Create(name);
        using var handler = new ThrowingHandler(exception);
        using var prober = new EndpointProber(TimeProvider.System, handler);

        // Act
        var result = await prober.ProbeAsync("192.0.2.1", Monitor(80), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        // Assert
        Assert.False(result.Succeeded);
        Assert.Equal(sentence, result.Error);
    }

    [Fact]
    public async Task Probe_UnrecognisedHttpError_ProbeFailedWithInnermostMessage()
    {
        using var handler = new ThrowingHandler(new HttpRequestException(HttpRequestError.Unknown, "outer", new InvalidOperationException("inner")));
        using var prober = new EndpointProber(TimeProvider.System, handler);

        var result = await prober.ProbeAsync("192.0.2.1", Monitor(80), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("probe failed: inner", result.Error);
    }

    [Theory]
    [InlineData(MonitorProtocol.Http, "127.0.0.11", 8081, "/health", "http://127.0.0.11:8081/health")]
    [InlineData(MonitorProtocol.Https, "::1", 443, "/", "https://[::1]/")]
    [InlineData(MonitorProtocol.Http, "2001:db8::1", 80, "status", "http://[2001:db8::1]/status")]
    [InlineData(MonitorProtocol.Http, "eastus.registry.test", 5000, "/v2/?x=1", "http://eastus.registry.test:5000/v2/?x=1")]
    public void TryBuildUri_Targets_BracketsIpv6(MonitorProtocol protocol, string target, int port, string path, string expected)
    {
        Assert.True(HttpProbeAttempt.TryBuildUri(protocol, target, port, path, out var uri));
        Assert.Equal(expected, uri.AbsoluteUri);
    }

    private static MonitorOptions Monitor(int port, params string[] expected) => new()
    {
        Protocol = MonitorProtocol.Http,
        Port = port,
        Path = "/health",

        // Generous: these tests are about what a probe reports, not how fast; a loaded machine once took 5 s to
        // answer a loopback request. Tests of timeouts set their own.
        TimeoutSeconds = 30,
        IntervalSeconds = 10,
        ExpectedStatusCodes = [.. expected],
    };

    private static bool Ipv6LoopbackAvailable()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return false;
        }

        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private sealed class NeverAnsweringHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    private sealed class ThrowingHandler(Exception exception) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromException<HttpResponseMessage>(exception);
    }

    /// <summary>A monitor that is not there when a probe starts and comes up on its port while the fallback's request is in flight.</summary>
    private sealed class LateMonitor : IAsyncDisposable
    {
        private LateMonitor(int port) => Port = port;

        /// <summary>The deep port: closed until the fallback is asked.</summary>
        public int Port { get; }

        public LoopbackProbeServer? Server { get; private set; }

        /// <summary>Why the monitor could not start (its port was taken meanwhile), so a test says so instead of failing on a misleading assertion.</summary>
        public Exception? StartFailure { get; private set; }

        public static LateMonitor StartWhenFallbackRuns(LoopbackProbeServer fallback, Action<LoopbackProbeServer> configure)
        {
            var late = new LateMonitor(LoopbackProbeServer.ClosedPort());
            fallback.BeforeAnswer = _ =>
            {
                try
                {
                    var server = LoopbackProbeServer.StartOn(late.Port);
                    configure(server);
                    late.Server = server;
                }
                catch (Exception ex)
                {
                    late.StartFailure = ex;
                }

                return Task.CompletedTask;
            };
            return late;
        }

        public async ValueTask DisposeAsync()
        {
            if (Server is not null)
            {
                await Server.DisposeAsync();
            }
        }
    }
}
