using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Router.Health.Checks;
using Router.Health.Tests.Infrastructure;
using Router.Http;
using Router.Testing.Http;

namespace Router.Health.Tests.Checks;

public sealed class HttpCheckTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task CheckAsync_ConfiguredHeaders_HostAuthAndCustomHeadersArrive()
    {
        // Arrange
        await using var server = await LoopbackHttpServer.StartAsync(context => context.Response.WriteAsync("ok"));
        using var check = new HttpCheck(new HttpCheckSettings
        {
            Url = server.Url("/v2/"),
            Headers = [new("Host", "registry.example.test:5000"), new("X-Probe", "router")],
            Authorization = HttpCheckSettings.Basic("probe", "pässword"),
        }, TimeProvider.System);

        // Act
        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckOutcome.Success, result.Outcome);
        var request = Assert.Single(server.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal("/v2/", request.Path);
        Assert.Equal("registry.example.test:5000", request.Host);
        Assert.Equal("router", request.Headers["X-Probe"]);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("probe:pässword")), request.Headers["Authorization"]);
        Assert.Equal("router-health", request.Headers["User-Agent"]);
    }

    [Fact]
    public async Task CheckAsync_BearerTokenAndHead_SentAsConfigured()
    {
        await using var server = await LoopbackHttpServer.StartAsync(_ => Task.CompletedTask);
        using var check = new HttpCheck(new HttpCheckSettings
        {
            Url = server.Url("/health"),
            Method = HttpMethod.Head,
            Authorization = HttpCheckSettings.Bearer("tok-123"),
        }, TimeProvider.System);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Success, result.Outcome);
        var request = Assert.Single(server.Requests);
        Assert.Equal("HEAD", request.Method);
        Assert.Equal("Bearer tok-123", request.Headers["Authorization"]);
    }

    [Fact]
    public async Task CheckAsync_BodyContainsText_Success()
    {
        await using var server = await LoopbackHttpServer.StartAsync(context => context.Response.WriteAsync("{\"status\":\"green\"}"));
        using var check = Check(server.Url("/"), bodyContains: "\"green\"");

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Success, result.Outcome);
    }

    [Fact]
    public async Task CheckAsync_BodyLacksText_Failure()
    {
        await using var server = await LoopbackHttpServer.StartAsync(context => context.Response.WriteAsync("{\"status\":\"red\"}"));
        using var check = Check(server.Url("/"), bodyContains: "green");

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("body does not contain 'green'", result.Error);
    }

    [Fact]
    public async Task CheckAsync_TextOnlyAfterTheFirst64KiB_FailureSaysSo()
    {
        await using var server = await LoopbackHttpServer.StartAsync(async context =>
        {
            await context.Response.WriteAsync(new string('x', HttpCheck.MaxBodyBytes));
            await context.Response.WriteAsync("green");
        });
        using var check = Check(server.Url("/"), bodyContains: "green");

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("body does not contain 'green' (in its first 64 KiB)", result.Error);
    }

    [Theory]
    [InlineData(204, "200-299", true)]
    [InlineData(503, "200-299", false)]
    [InlineData(401, "401", true)]
    [InlineData(302, "200", false)]
    public async Task CheckAsync_StatusAgainstExpectedRanges_Classified(int status, string expected, bool success)
    {
        await using var server = await LoopbackHttpServer.StartAsync(context =>
        {
            context.Response.StatusCode = status;
            if (status == 302)
            {
                context.Response.Headers.Location = "/elsewhere";
            }

            return Task.CompletedTask;
        });
        Assert.True(StatusCodeRange.TryParse(expected, out var range));
        using var check = Check(server.Url("/"), expected: [range]);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(success ? CheckOutcome.Success : CheckOutcome.Failure, result.Outcome);
        if (!success)
        {
            Assert.Equal($"status {status}, expected {expected}", result.Error);
        }

        // Redirects are not followed: one request only.
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task CheckAsync_ServerNeverAnswers_FailsAtTheTimeout()
    {
        // Arrange: Kestrel accepts and reads the request, then says nothing.
        await using var server = await LoopbackHttpServer.StartAsync(context => Task.Delay(System.Threading.Timeout.Infinite, context.RequestAborted));
        using var check = Check(server.Url("/"));
        long before = TimeProvider.System.GetTimestamp();

        // Act
        var result = await check.CheckAsync(TimeSpan.FromMilliseconds(500), CancellationToken.None).WaitAsync(Bound);
        var elapsed = TimeProvider.System.GetElapsedTime(before);

        // Assert
        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("timed out after 0.5 s", result.Error);
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task CheckAsync_NothingListening_FailureConnectionRefused()
    {
        int port = ExternalProcess.FreeTcpPort();
        using var check = Check(new Uri($"http://127.0.0.1:{port}/"));

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("connection refused", result.Error);
    }

    [Fact]
    public async Task CheckAsync_HandlerIgnoresCancellation_FailsAtTheVirtualTimeout()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        var never = new TaskCompletionSource<HttpResponseMessage>();
        using var check = new HttpCheck(new HttpCheckSettings { Url = new Uri("http://auth.test/") }, clock, new StubHandler((_, _) => never.Task), disposeHandler: true);

        // Act
        var running = check.CheckAsync(Timeout, CancellationToken.None);
        clock.Advance(Timeout);
        var result = await running.WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("timed out after 3 s", result.Error);
    }

    [Fact]
    public async Task CheckAsync_HandlerThrowsItsOwnBug_Inconclusive()
    {
        using var check = new HttpCheck(new HttpCheckSettings { Url = new Uri("http://auth.test/") }, TimeProvider.System,
            new StubHandler((_, _) => throw new InvalidOperationException("injected fault")), disposeHandler: true);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Inconclusive, result.Outcome);
        Assert.Equal("check failed: InvalidOperationException: injected fault", result.Error);
    }

    [Fact]
    public async Task CheckAsync_ResponseEndsEarly_Failure()
    {
        using var check = new HttpCheck(new HttpCheckSettings { Url = new Uri("http://auth.test/") }, TimeProvider.System,
            new StubHandler((_, _) => throw new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely.")), disposeHandler: true);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("connection closed before the response was complete", result.Error);
    }

    [Theory]
    [MemberData(nameof(FailureWordingCases.Names), MemberType = typeof(FailureWordingCases))]
    public async Task CheckAsync_HttpClientFailure_SharedSentence(string name)
    {
        // Arrange: the handler fails as SocketsHttpHandler does; the traffic manager's probe words it the same
        var (exception, sentence) = FailureWordingCases.Create(name);
        using var check = new HttpCheck(new HttpCheckSettings { Url = new Uri("http://auth.test/") }, TimeProvider.System,
            new StubHandler((_, _) => Task.FromException<HttpResponseMessage>(exception)), disposeHandler: true);

        // Act
        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal(sentence, result.Error);
    }

    [Fact]
    public async Task CheckAsync_UnrecognisedHttpError_FailureWithInnermostMessage()
    {
        using var check = new HttpCheck(new HttpCheckSettings { Url = new Uri("http://auth.test/") }, TimeProvider.System,
            new StubHandler((_, _) => throw new HttpRequestException(HttpRequestError.Unknown, "outer", new InvalidOperationException("inner"))), disposeHandler: true);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("inner", result.Error);
    }

    [Fact]
    public async Task CheckAsync_Shutdown_ThrowsOperationCanceled()
    {
        var clock = new FakeTimeProvider();
        using var shutdown = new CancellationTokenSource();
        using var check = new HttpCheck(new HttpCheckSettings { Url = new Uri("http://auth.test/") }, clock,
            new StubHandler((_, ct) => Task.Delay(System.Threading.Timeout.Infinite, ct).ContinueWith(_ => new HttpResponseMessage(), TaskScheduler.Default)), disposeHandler: true);

        var running = check.CheckAsync(Timeout, shutdown.Token);
        await shutdown.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Bound));
    }

    private static HttpCheck Check(Uri url, string? bodyContains = null, IReadOnlyList<StatusCodeRange>? expected = null) =>
        new(new HttpCheckSettings
        {
            Url = url,
            BodyContains = bodyContains,
            ExpectedStatusCodes = expected ?? [HttpCheckSettings.DefaultStatusCodeRange],
            ConnectTimeout = Timeout,
        }, TimeProvider.System);

    private sealed class StubHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => send(request, cancellationToken);
    }
}
