using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Router.Health.Checks;
using Router.Http;

namespace Router.Health.Tests.Checks;

public sealed class CheckExecutionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RunAsync_ProbeSucceeds_SuccessWithVirtualDuration()
    {
        // Arrange
        var clock = new FakeTimeProvider();

        // Act
        var running = CheckExecution.RunAsync(clock, Timeout, ct => DelayThen(clock, TimeSpan.FromSeconds(2), null, ct), NoDescription, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(2));
        var result = await running.WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckOutcome.Success, result.Outcome);
        Assert.Null(result.Error);
        Assert.Equal(TimeSpan.FromSeconds(2), result.Duration);
    }

    [Fact]
    public async Task RunAsync_ProbeReturnsReason_FailureWithThatReason()
    {
        var clock = new FakeTimeProvider();

        var result = await CheckExecution.RunAsync(clock, Timeout, _ => Task.FromResult<string?>("status 500, expected 200"), NoDescription, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("status 500, expected 200", result.Error);
    }

    [Fact]
    public async Task RunAsync_ProbeIgnoresCancellation_FailsExactlyAtTheTimeout()
    {
        // Arrange: a probe that never completes and never looks at its token (a blocking driver call).
        var clock = new FakeTimeProvider();
        var never = new TaskCompletionSource<string?>();

        // Act
        var running = CheckExecution.RunAsync(clock, Timeout, _ => never.Task, NoDescription, CancellationToken.None);
        clock.Advance(Timeout - TimeSpan.FromTicks(1));
        bool finishedEarly = running.IsCompleted;
        clock.Advance(TimeSpan.FromTicks(1));
        var result = await running.WaitAsync(Bound);

        // Assert
        Assert.False(finishedEarly);
        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("timed out after 3 s", result.Error);
        Assert.Equal(Timeout, result.Duration);
    }

    [Fact]
    public async Task RunAsync_FractionalTimeout_ReasonShowsFraction()
    {
        var clock = new FakeTimeProvider();

        var running = CheckExecution.RunAsync(clock, TimeSpan.FromMilliseconds(500), _ => new TaskCompletionSource<string?>().Task, NoDescription, CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(500));
        var result = await running.WaitAsync(Bound);

        Assert.Equal("timed out after 0.5 s", result.Error);
    }

    [Fact]
    public async Task RunAsync_ProbeThrowsItsOwnBug_Inconclusive()
    {
        var clock = new FakeTimeProvider();

        var result = await CheckExecution.RunAsync(clock, Timeout, _ => throw new InvalidOperationException("injected fault"), NoDescription, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Inconclusive, result.Outcome);
        Assert.Equal("check failed: InvalidOperationException: injected fault", result.Error);
    }

    [Fact]
    public async Task RunAsync_ProbeFaultsAsynchronously_Inconclusive()
    {
        var clock = new FakeTimeProvider();

        var result = await CheckExecution.RunAsync(clock, Timeout, _ => Task.FromException<string?>(new NullReferenceException()), NoDescription, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Inconclusive, result.Outcome);
    }

    [Fact]
    public async Task RunAsync_DependencyErrorRecognised_FailureWithDescription()
    {
        var clock = new FakeTimeProvider();

        var result = await CheckExecution.RunAsync(clock, Timeout, _ => throw new SocketException((int)SocketError.ConnectionRefused), FailureWording.DescribeSocketError, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("connection refused", result.Error);
    }

    [Fact]
    public async Task RunAsync_ClientLibraryTimesOutFirst_FailureTimedOut()
    {
        var clock = new FakeTimeProvider();

        var result = await CheckExecution.RunAsync(clock, Timeout, _ => throw new IOException("read failed", new TimeoutException()), NoDescription, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("timed out after 3 s", result.Error);
    }

    [Fact]
    public async Task RunAsync_CallerCancelsWhileProbeHangs_ThrowsOperationCanceled()
    {
        // Arrange
        var clock = new FakeTimeProvider();
        using var shutdown = new CancellationTokenSource();
        var never = new TaskCompletionSource<string?>();

        // Act
        var running = CheckExecution.RunAsync(clock, Timeout, _ => never.Task, NoDescription, shutdown.Token);
        await shutdown.CancelAsync();

        // Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Bound));
    }

    [Fact]
    public async Task RunAsync_CallerCancelsAndProbeThrowsOtherError_StillThrowsOperationCanceled()
    {
        var clock = new FakeTimeProvider();
        using var shutdown = new CancellationTokenSource();
        var failing = new TaskCompletionSource<string?>();

        var running = CheckExecution.RunAsync(clock, Timeout, _ => failing.Task, NoDescription, shutdown.Token);
        await shutdown.CancelAsync();
        failing.SetException(new ObjectDisposedException("socket"));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Bound));
    }

    [Fact]
    public async Task RunAsync_AlreadyCancelled_ThrowsWithoutProbing()
    {
        var clock = new FakeTimeProvider();
        int probes = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            CheckExecution.RunAsync(clock, Timeout, _ => Task.FromResult<string?>(Interlocked.Increment(ref probes).ToString(System.Globalization.CultureInfo.InvariantCulture)), NoDescription, new CancellationToken(canceled: true)));
        Assert.Equal(0, probes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task RunAsync_NonPositiveTimeout_Inconclusive(int seconds)
    {
        var clock = new FakeTimeProvider();

        var result = await CheckExecution.RunAsync(clock, TimeSpan.FromSeconds(seconds), _ => Task.FromResult<string?>(null), NoDescription, CancellationToken.None);

        Assert.Equal(CheckOutcome.Inconclusive, result.Outcome);
    }

    [Fact]
    public async Task RunAsync_ProbeThrowsCheckInconclusive_InconclusiveWithItsMessageAlone()
    {
        var clock = new FakeTimeProvider();

        var result = await CheckExecution.RunAsync(clock, Timeout, _ => throw new CheckInconclusiveException("the host has no DNS servers"),
            _ => "must not be asked", CancellationToken.None).WaitAsync(Bound);

        Assert.Equal((CheckOutcome.Inconclusive, "the host has no DNS servers"), (result.Outcome, result.Error));
    }

    private static string? NoDescription(Exception exception) => null;

    private static async Task<string?> DelayThen(TimeProvider clock, TimeSpan delay, string? result, CancellationToken cancellationToken)
    {
        await Task.Delay(delay, clock, cancellationToken);
        return result;
    }
}
