namespace Router.TrafficManager.Monitoring;

/// <summary>One probe attempt's outcome; <see cref="ConnectFailed"/> makes the fallback run.</summary>
internal readonly record struct ProbeAttemptOutcome(bool Succeeded, bool ConnectFailed, int? StatusCode, string? Error)
{
    public static ProbeAttemptOutcome Success(int? statusCode) => new(true, false, statusCode, null);

    public static ProbeAttemptOutcome Failure(string error, bool connectFailed, int? statusCode = null) => new(false, connectFailed, statusCode, error);
}
