using Router.Dns.Server.Diagnostics;
using Router.Dns.Server.Pipeline;

namespace Router.Dns.Server.Forwarding;

/// <summary>
/// The last link for names outside our zones (the sidecar role): clients outside <c>AllowedClients</c> pass on and
/// are REFUSED; cached answers are served on the receive loop with their TTLs aged; the rest is deferred to the
/// upstream resolvers.
/// </summary>
internal sealed class ForwardingHandler(
    IReadOnlyList<NetworkPrefix> allowedClients,
    UpstreamResolver resolver,
    DnsResponseCache? cache,
    DnsCacheOptionsSnapshot cacheLimits,
    TimeProvider timeProvider,
    DnsServerMetrics metrics) : IDnsHandler
{
    public string Name => "forward";

    public UpstreamResolver Resolver => resolver;

    public DnsHandlerResult Handle(DnsRequestContext context)
    {
        if (!IsAllowed(context.ClientAddress))
        {
            return DnsHandlerResult.Continue;
        }

        context.RecursionAvailable = true;
        ref readonly DnsQuery query = ref context.Query;
        if (query.Type is DnsRecordType.AXFR or DnsRecordType.IXFR)
        {
            return DnsPipeline.Reply(context, DnsResponseCode.Refused);
        }

        if (cache is not null)
        {
            bool hit = cache.TryGet(context.QueryName, query.Type, query.Class, out var answer, out uint age);
            metrics.CacheLookup(hit);
            if (hit)
            {
                Write(context, answer!, age);
                return DnsHandlerResult.Answered;
            }
        }

        return DnsHandlerResult.Deferred;
    }

    public async ValueTask HandleDeferredAsync(DnsRequestContext context, CancellationToken cancellationToken)
    {
        DnsName.TryFromWire(context.QueryName, out var name);
        var question = new DnsQuestion(name!, context.Query.Type, context.Query.Class);
        long started = timeProvider.GetTimestamp();
        using var activity = DnsActivitySource.StartForward(question);
        var response = await resolver.QueryAsync(question, context.Query.Header.CheckingDisabled, activity, cancellationToken).ConfigureAwait(false);
        metrics.Forwarded(timeProvider.GetElapsedTime(started), response is not null);
        DnsActivitySource.Complete(activity, response);
        if (response is null)
        {
            DnsPipeline.Reply(context, DnsResponseCode.ServerFailure);
            return;
        }

        var answer = CachedAnswer.FromResponse(response, timeProvider.GetTimestamp(), cacheLimits.MaxTtl, cacheLimits.MaxNegativeTtl, cache is not null);
        if (cache is not null && answer is not null)
        {
            cache.Store(context.QueryName, context.Query.Type, context.Query.Class, answer);
        }

        Write(context, answer!, 0);
    }

    /// <summary>Whether <paramref name="client"/> may use forwarding (and so sees RA set).</summary>
    public bool IsAllowed(NetworkAddress client)
    {
        foreach (var prefix in allowedClients)
        {
            if (prefix.Contains(client))
            {
                return true;
            }
        }

        return false;
    }

    internal static void Write(DnsRequestContext context, CachedAnswer answer, uint age)
    {
        var writer = new DnsResponseWriter(context);
        Add(ref writer, DnsSection.Answer, answer.Answers, answer.Ttl, age);
        Add(ref writer, DnsSection.Authority, answer.Authorities, answer.Ttl, age);
        Add(ref writer, DnsSection.Additional, answer.Additionals, answer.Ttl, age);
        writer.Complete(answer.ResponseCode, authoritative: false);
    }

    private static void Add(ref DnsResponseWriter writer, DnsSection section, DnsRecord[] records, uint cap, uint age)
    {
        foreach (var record in records)
        {
            // A cached copy never claims more time than it has left (RFC 1035 §7.4 / RFC 2181 §8).
            uint ttl = cap == 0 ? record.Ttl : Math.Min(record.Ttl, cap);
            writer.TryAddRecord(section, record, ttl > age ? ttl - age : 0);
        }
    }
}

/// <summary>The cache limits in seconds, as used on the hot path.</summary>
internal readonly record struct DnsCacheOptionsSnapshot(uint MaxTtl, uint MaxNegativeTtl);
