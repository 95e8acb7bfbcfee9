using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Router.Health.Checks;
using Router.Health.Configuration;
using Router.Health.Tests.Infrastructure;
using Router.Health.Tests.Topology;

namespace Router.Health.Tests.Checks;

/// <summary><c>Check:LatencyBudgetMilliseconds</c>: a success slower than the budget is a failure, for every check type.</summary>
public sealed class LatencyBudgetTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(500);

    [Theory]
    [InlineData(1233.2, "slow: 1234 ms > budget 500 ms")]
    [InlineData(500.1, "slow: 501 ms > budget 500 ms")]
    [InlineData(2000, "slow: 2000 ms > budget 500 ms")]
    public void ApplyLatencyBudget_SuccessOverBudget_SlowFailureWithSameDuration(double milliseconds, string expected)
    {
        var duration = TimeSpan.FromMilliseconds(milliseconds);

        var result = CheckExecution.ApplyLatencyBudget(CheckResult.Success(duration), Budget);

        Assert.Equal(CheckResult.Failure(expected, duration), result);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(499)]
    [InlineData(500)]
    public void ApplyLatencyBudget_SuccessWithinBudget_Unchanged(double milliseconds)
    {
        var success = CheckResult.Success(TimeSpan.FromMilliseconds(milliseconds));

        Assert.Same(success, CheckExecution.ApplyLatencyBudget(success, Budget));
    }

    [Fact]
    public void ApplyLatencyBudget_FailureInconclusiveOrNoBudget_Unchanged()
    {
        var failure = CheckResult.Failure("timed out after 3 s", Timeout);
        var inconclusive = CheckResult.Inconclusive("the monitor is overloaded: no probe slot within the interval", Timeout);
        var slowSuccess = CheckResult.Success(Timeout);

        Assert.Same(failure, CheckExecution.ApplyLatencyBudget(failure, Budget));
        Assert.Same(inconclusive, CheckExecution.ApplyLatencyBudget(inconclusive, Budget));
        Assert.Same(slowSuccess, CheckExecution.ApplyLatencyBudget(slowSuccess, budget: null));
    }

    [Fact]
    public void ApplyLatencyBudget_FractionalBudget_PrintedAsConfigured()
    {
        var result = CheckExecution.ApplyLatencyBudget(CheckResult.Success(TimeSpan.FromMilliseconds(1)), TimeSpan.FromMilliseconds(0.5));

        Assert.Equal("slow: 1 ms > budget 0.5 ms", result.Error);
    }

    [Fact]
    public async Task CheckAsync_InnerSucceedsPastBudgetInVirtualTime_SlowFailure()
    {
        // Arrange: a dependency that answers correctly, but after 2 s (a hung cache behind its own timeouts).
        var clock = new FakeTimeProvider();
        using var check = new LatencyBudgetCheck(new DelayedCheck(clock, TimeSpan.FromSeconds(2)), Budget);

        // Act
        var running = check.CheckAsync(Timeout, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(2));
        var result = await running.WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckResult.Failure("slow: 2000 ms > budget 500 ms", TimeSpan.FromSeconds(2)), result);
        Assert.Equal("Delayed", check.Type);
    }

    [Fact]
    public async Task CheckAsync_InnerTimesOut_TimeoutReasonKept()
    {
        var clock = new FakeTimeProvider();
        using var check = new LatencyBudgetCheck(new DelayedCheck(clock, TimeSpan.FromSeconds(10)), Budget);

        var running = check.CheckAsync(Timeout, CancellationToken.None);
        clock.Advance(Timeout);
        var result = await running.WaitAsync(Bound);

        Assert.Equal(CheckResult.Failure("timed out after 3 s", Timeout), result);
    }

    [Fact]
    public async Task CheckAsync_InnerWithinBudget_Success()
    {
        var clock = new FakeTimeProvider();
        using var check = new LatencyBudgetCheck(new DelayedCheck(clock, TimeSpan.FromMilliseconds(400)), Budget);

        var running = check.CheckAsync(Timeout, CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(400));
        var result = await running.WaitAsync(Bound);

        Assert.Equal(CheckResult.Success(TimeSpan.FromMilliseconds(400)), result);
    }

    [Fact]
    public void Dispose_DisposesInnerCheck()
    {
        var inner = new DelayedCheck(new FakeTimeProvider(), TimeSpan.Zero);
        var check = new LatencyBudgetCheck(inner, Budget);

        check.Dispose();

        Assert.True(inner.Disposed);
    }

    [Fact]
    public async Task CheckAsync_RealSlowHttpServer_SlowFailureButFastPathPasses()
    {
        // Arrange: a loopback server that answers /slow correctly but 600 ms late; the same check type with a 250 ms budget.
        await using var server = await LoopbackHttpServer.StartAsync(async context =>
        {
            if (context.Request.Path == "/slow")
            {
                await Task.Delay(TimeSpan.FromMilliseconds(600), context.RequestAborted);
            }

            await context.Response.WriteAsync("ok", context.RequestAborted);
        });
        using var slow = (IDisposable)Create(new CheckOptions { Type = "Http", Url = server.Url("/slow").ToString(), LatencyBudgetMilliseconds = 250, TimeoutSeconds = 3 });
        using var fast = (IDisposable)Create(new CheckOptions { Type = "Http", Url = server.Url("/fast").ToString(), LatencyBudgetMilliseconds = 250, TimeoutSeconds = 3 });
        await ((IResourceCheck)fast).CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound); // warm the connection pool

        // Act
        var slowResult = await ((IResourceCheck)slow).CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);
        var fastResult = await ((IResourceCheck)fast).CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckOutcome.Failure, slowResult.Outcome);
        Assert.Matches(@"^slow: \d+ ms > budget 250 ms$", slowResult.Error);
        // Timers fire on a millisecond tick, so a 600 ms delay can measure a little short on a high-resolution clock.
        Assert.True(slowResult.Duration >= TimeSpan.FromMilliseconds(550), $"measured {slowResult.Duration}");
        Assert.True(fastResult.Outcome == CheckOutcome.Success, $"{fastResult.Outcome}: {fastResult.Error} in {fastResult.Duration}");
    }

    [Fact]
    public async Task CheckAsync_RealSlowRegistry_SlowFailure()
    {
        // Arrange: a crawling region: every distribution-API answer is right, and 300 ms late.
        byte[] manifest = RegistryCanary.Manifest();
        await using var server = await LoopbackHttpServer.StartAsync(async context =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300), context.RequestAborted);
            if (context.Request.Path.Value!.Contains("/manifests/", StringComparison.Ordinal))
            {
                context.Response.ContentType = RegistryManifest.OciManifest;
                await context.Response.Body.WriteAsync(manifest, context.RequestAborted);
            }
            else
            {
                context.Response.ContentLength = RegistryCanary.Config.Length;
            }
        });
        using var check = (IDisposable)Create(new CheckOptions { Type = "Registry", Url = server.BaseAddress.ToString(), Repository = "canary", LatencyBudgetMilliseconds = 200 });

        // Act
        var result = await ((IResourceCheck)check).CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert: manifest and blob, each 300 ms late (both waited for: well over one delay; timers fire on a
        // millisecond tick, so two 300 ms delays can measure a little under 600 ms).
        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Matches(@"^slow: \d+ ms > budget 200 ms$", result.Error);
        Assert.True(result.Duration >= TimeSpan.FromMilliseconds(550), $"measured {result.Duration}");
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public void TryCreate_BudgetSet_WrapsAnyCheckType()
    {
        var check = Create(new CheckOptions { Type = "Tcp", Endpoint = "127.0.0.1:6379", LatencyBudgetMilliseconds = 250 });

        var budgeted = Assert.IsType<LatencyBudgetCheck>(check);
        Assert.Equal(TimeSpan.FromMilliseconds(250), budgeted.Budget);
        Assert.IsType<TcpCheck>(budgeted.Inner);
        Assert.Equal("Tcp", budgeted.Type);
    }

    [Theory]
    [InlineData(0, null, "Health:Resources:0:Check:LatencyBudgetMilliseconds: must be greater than 0 and less than the check's timeout (got 0)")]
    [InlineData(-5, null, "Health:Resources:0:Check:LatencyBudgetMilliseconds: must be greater than 0 and less than the check's timeout (got -5)")]
    [InlineData(double.NaN, null, "Health:Resources:0:Check:LatencyBudgetMilliseconds: must be greater than 0 and less than the check's timeout (got NaN)")]
    [InlineData(2000, 2.0, "Health:Resources:0:Check:LatencyBudgetMilliseconds: must be less than TimeoutSeconds (2000 ms)")]
    [InlineData(2500, 2.0, "Health:Resources:0:Check:LatencyBudgetMilliseconds: must be less than TimeoutSeconds (2000 ms)")]
    public void TryCreate_BudgetOutOfRange_Error(double budget, double? timeoutSeconds, string expected)
    {
        var errors = new List<string>();

        var check = CheckFactory.TryCreate(new CheckOptions { Type = "Tcp", Endpoint = "127.0.0.1:6379", LatencyBudgetMilliseconds = budget, TimeoutSeconds = timeoutSeconds },
            "Health:Resources:0:Check", TimeProvider.System, errors);

        Assert.Null(check);
        Assert.Equal([expected], errors);
    }

    [Fact]
    public void Validate_BudgetNotBelowEvaluationTimeout_ErrorWithPath()
    {
        // Arrange: Evaluation:TimeoutSeconds is 3, and resource 0 has no timeout of its own.
        var options = TestOptions.ContosoAndFabrikam();
        options.Resources[0].Check.LatencyBudgetMilliseconds = 3000;
        options.Resources[1].Check.LatencyBudgetMilliseconds = 2999;

        // Act
        var errors = HealthOptionsValidator.Validate(options, TimeProvider.System);

        // Assert
        Assert.Equal(["Health:Resources:0:Check:LatencyBudgetMilliseconds: must be less than the check's timeout, Evaluation:TimeoutSeconds (3000 ms)"], errors);
    }

    [Fact]
    public void Validate_BudgetBelowOwnTimeoutAboveEvaluationTimeout_Valid()
    {
        var options = TestOptions.ContosoAndFabrikam();
        options.Evaluation.TimeoutSeconds = 1;
        options.Resources[0].Check.TimeoutSeconds = 4;
        options.Resources[0].Check.LatencyBudgetMilliseconds = 2000;

        Assert.Empty(HealthOptionsValidator.Validate(options, TimeProvider.System));
    }

    private static IResourceCheck Create(CheckOptions options)
    {
        var errors = new List<string>();
        var check = CheckFactory.TryCreate(options, "Health:Resources:0:Check", TimeProvider.System, errors);
        Assert.Empty(errors);
        return Assert.IsAssignableFrom<IResourceCheck>(check);
    }

    /// <summary>A check that succeeds after <c>delay</c> on <c>clock</c>, run by the shared execution rules.</summary>
    private sealed class DelayedCheck(TimeProvider clock, TimeSpan delay) : IResourceCheck, IDisposable
    {
        public string Type => "Delayed";

        public bool Disposed { get; private set; }

        public Task<CheckResult> CheckAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
            CheckExecution.RunAsync(clock, timeout, async ct =>
            {
                await Task.Delay(delay, clock, ct);
                return null;
            }, _ => null, cancellationToken);

        public void Dispose() => Disposed = true;
    }
}
