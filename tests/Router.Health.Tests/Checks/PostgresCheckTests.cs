using Npgsql;
using Router.Health.Checks;
using Router.Health.Tests.Infrastructure;

namespace Router.Health.Tests.Checks;

/// <summary>Postgres checks against one real PostgreSQL cluster; tests that stop or freeze it restore it before they end.</summary>
public sealed class PostgresCheckTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(40);

    private PostgresServer Server => fixture.Server;

    [Fact]
    public async Task CheckAsync_DefaultQuery_Success()
    {
        var check = new PostgresCheck(Server.ConnectionString(), null, TimeProvider.System);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Success, result.Outcome);
        Assert.Equal("SELECT 1", check.Query);
    }

    [Fact]
    public async Task CheckAsync_ConfiguredQuery_Success()
    {
        var check = new PostgresCheck(Server.ConnectionString(), "SELECT count(*) FROM pg_database", TimeProvider.System);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Success, result.Outcome);
    }

    [Fact]
    public async Task CheckAsync_DatabaseDoesNotExist_FailureWithServerMessage()
    {
        var check = new PostgresCheck(Server.ConnectionString(database: "meta"), null, TimeProvider.System);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("3D000: database \"meta\" does not exist", result.Error);
    }

    [Fact]
    public async Task CheckAsync_WrongPassword_FailureAuthenticationFailed()
    {
        var check = new PostgresCheck(Server.ConnectionString(password: "rotated"), null, TimeProvider.System);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal($"28P01: password authentication failed for user \"{PostgresServer.User}\"", result.Error);
    }

    [Fact]
    public async Task CheckAsync_QueryFails_FailureWithServerMessage()
    {
        var check = new PostgresCheck(Server.ConnectionString(), "SELECT * FROM registry_metadata", TimeProvider.System);

        var result = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("42P01: relation \"registry_metadata\" does not exist", result.Error);
    }

    [Fact]
    public async Task CheckAsync_ServerStoppedThenStarted_RefusedThenSuccess()
    {
        // Arrange
        var check = new PostgresCheck(Server.ConnectionString(), null, TimeProvider.System);

        // Act
        await Server.StopAsync();
        CheckResult down;
        try
        {
            down = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);
        }
        finally
        {
            await Server.RestartAsync();
        }

        var up = await check.CheckAsync(Timeout, CancellationToken.None).WaitAsync(Bound);

        // Assert
        Assert.Equal(CheckOutcome.Failure, down.Outcome);
        Assert.Equal("connection refused", down.Error);
        Assert.Equal(CheckOutcome.Success, up.Outcome);
    }

    [Fact]
    public async Task CheckAsync_ServerFrozen_FailsWithinTheTimeout()
    {
        // Arrange: SIGSTOP on the postmaster; the handshake completes in the kernel, no startup reply ever comes.
        var check = new PostgresCheck(Server.ConnectionString(), null, TimeProvider.System);
        int pid = Server.PostmasterPid();
        await ExternalProcess.SignalAsync(pid, "STOP");
        CheckResult result;
        TimeSpan elapsed;
        try
        {
            // Act
            long before = TimeProvider.System.GetTimestamp();
            result = await check.CheckAsync(TimeSpan.FromSeconds(1), CancellationToken.None).WaitAsync(Bound);
            elapsed = TimeProvider.System.GetElapsedTime(before);
        }
        finally
        {
            await ExternalProcess.SignalAsync(pid, "CONT");
        }

        // Assert
        Assert.Equal(CheckOutcome.Failure, result.Outcome);
        Assert.Equal("timed out after 1 s", result.Error);
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void ConnectionStringFor_ProbeTimeout_PoolingOffAndTimeoutsFromTheProbe()
    {
        var check = new PostgresCheck("Host=db.internal;Username=probe;Database=meta;Timeout=60;CommandTimeout=60;Pooling=true", null, TimeProvider.System);

        var builder = new NpgsqlConnectionStringBuilder(check.ConnectionStringFor(TimeSpan.FromSeconds(2.5)));

        Assert.False(builder.Pooling);
        Assert.Equal(3, builder.Timeout);
        Assert.Equal(3, builder.CommandTimeout);
        Assert.Equal("router-health", builder.ApplicationName);
        Assert.Equal("db.internal", builder.Host);
    }
}
