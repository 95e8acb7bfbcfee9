namespace Router.Dns.Server.Pipeline;

/// <summary>What a handler did with a query.</summary>
public enum DnsHandlerResult
{
    /// <summary>Not this handler's query: the next handler in the chain gets it.</summary>
    Continue,

    /// <summary>A response was written with <see cref="DnsResponseWriter"/>.</summary>
    Answered,

    /// <summary>
    /// The answer needs asynchronous work (forwarding). The server calls <see cref="IDnsHandler.HandleDeferredAsync"/>
    /// off the receive loop.
    /// </summary>
    Deferred,

    /// <summary>No response at all.</summary>
    Drop,
}

/// <summary>
/// One link of the request pipeline, CoreDNS-style: handlers are asked in order until one answers. The synchronous
/// <see cref="Handle"/> runs on the receive loop and must not block; whatever needs I/O returns
/// <see cref="DnsHandlerResult.Deferred"/>.
/// </summary>
public interface IDnsHandler
{
    /// <summary>A short name for logs and metrics.</summary>
    string Name { get; }

    /// <summary>Answers the query in <paramref name="context"/>, passes it on, or defers it.</summary>
    DnsHandlerResult Handle(DnsRequestContext context);

    /// <summary>
    /// Completes a query this handler deferred: it must write a response (or leave none to drop the query).
    /// Must not throw except for cancellation.
    /// </summary>
    ValueTask HandleDeferredAsync(DnsRequestContext context, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"{Name} does not defer queries.");
}
