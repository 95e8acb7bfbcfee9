namespace Router.TrafficManager.Monitoring.Batch;

/// <summary>How one request for a batch document ended.</summary>
internal enum BatchExchangeKind
{
    /// <summary>200 with a document that parsed.</summary>
    Document,

    /// <summary>304: the version named in <c>If-None-Match</c> is still current.</summary>
    NotModified,

    /// <summary>No usable answer: a connection error, a timeout, another status, a body over the cap or one that does not parse.</summary>
    Failed,
}

/// <summary>The outcome of one request for a batch document.</summary>
/// <param name="Kind">How it ended.</param>
/// <param name="Document">The document, for <see cref="BatchExchangeKind.Document"/>.</param>
/// <param name="Error">Why it failed, for <see cref="BatchExchangeKind.Failed"/>.</param>
/// <param name="ConnectFailed">It failed because no connection could be made (refused or connect timeout): the fallback may run.</param>
/// <param name="StatusCode">The HTTP status, when a response arrived.</param>
internal readonly record struct BatchExchange(BatchExchangeKind Kind, BatchDocument? Document, string? Error, bool ConnectFailed, int? StatusCode)
{
    public static BatchExchange Failure(string error, bool connectFailed = false, int? statusCode = null) =>
        new(BatchExchangeKind.Failed, null, error, connectFailed, statusCode);
}
