namespace Router.Health.Checks;

/// <summary>
/// What one <see cref="PostgresCheck"/> connects with (an Npgsql connection string, checked to parse and to name a
/// host) and runs (null for <see cref="PostgresCheck.DefaultQuery"/>).
/// </summary>
internal sealed record PostgresCheckSettings(string ConnectionString, string? Query) : ICheckSettings
{
    public string Type => CheckTypes.Postgres;
}
