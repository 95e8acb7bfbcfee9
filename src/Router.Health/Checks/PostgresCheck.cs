using Npgsql;
using Router.Http;

namespace Router.Health.Checks;

/// <summary>
/// Opens a new PostgreSQL connection with Npgsql and runs <see cref="Query"/> (<c>SELECT 1</c> by default): the
/// server accepts connections, the credentials and the database are right, and it executes queries.
/// </summary>
/// <remarks>
/// Pooling is switched off, so every probe makes a real connection (a pooled one would hide a server that stopped
/// accepting new ones) and nothing survives a failed probe. <c>Timeout</c> and <c>CommandTimeout</c> of the
/// connection string are replaced by the probe's timeout (whole seconds, at least 1), so Npgsql's own timers agree
/// with the probe's deadline. Thread-safe.
/// </remarks>
internal sealed class PostgresCheck : IResourceCheck
{
    public const string DefaultQuery = "SELECT 1";

    private const string DefaultApplicationName = "router-health";

    private readonly TimeProvider _timeProvider;
    private readonly NpgsqlConnectionStringBuilder _template;

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="connectionString"/> is not a valid Npgsql connection string.</summary>
    public PostgresCheck(string connectionString, string? query, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _template = new NpgsqlConnectionStringBuilder(connectionString);
        Query = string.IsNullOrWhiteSpace(query) ? DefaultQuery : query;
        _timeProvider = timeProvider;
    }

    public string Type => CheckTypes.Postgres;

    public string Query { get; }

    public Task<CheckResult> CheckAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        CheckExecution.RunAsync(_timeProvider, timeout, token => ProbeAsync(timeout, token), Describe, cancellationToken);

    /// <summary>The connection string one probe uses: the configured one with pooling off and the probe's timeouts.</summary>
    internal string ConnectionStringFor(TimeSpan timeout)
    {
        int seconds = (int)Math.Clamp(Math.Ceiling(timeout.TotalSeconds), 1, 1024);
        var builder = new NpgsqlConnectionStringBuilder(_template.ConnectionString)
        {
            Pooling = false,
            Multiplexing = false,
            Timeout = seconds,
            CommandTimeout = seconds,
        };
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = DefaultApplicationName;
        }

        return builder.ConnectionString;
    }

    private async Task<string?> ProbeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(ConnectionStringFor(timeout));
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand(Query, connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return null;
    }

    private static string? Describe(Exception exception) => exception switch
    {
        // The server's own words: "28P01: password authentication failed for user "probe"",
        // "3D000: database "meta" does not exist", "57P03: the database system is starting up".
        PostgresException server => $"{server.SqlState}: {server.MessageText}",
        NpgsqlException or System.Net.Sockets.SocketException or IOException =>
            FailureWording.DescribeSocketError(exception) ?? FailureWording.Innermost(exception),
        _ => null,
    };
}
