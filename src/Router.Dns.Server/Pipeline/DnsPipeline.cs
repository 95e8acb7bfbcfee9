using Microsoft.Extensions.Logging;
using Router.Dns.Server.Diagnostics;
using Router.Dns.Server.Zones;

namespace Router.Dns.Server.Pipeline;

/// <summary>
/// The request pipeline of one configuration: protocol checks common to every query (malformed input, opcode, EDNS
/// version); then the zones (<see cref="IDnsZone"/>): the one with the longest apex holding the name answers it, after
/// the rules every zone shares, and CNAME chains are followed from zone to zone; then the other handlers in order; a
/// query nobody takes is REFUSED. Immutable: a configuration change builds a new pipeline and the listeners pick it up
/// on the next query.
/// </summary>
public sealed partial class DnsPipeline
{
    /// <summary>CNAME links followed at most in one answer; a longer chain (or a loop) ends where it is.</summary>
    public const int MaxChainLength = 8;

    private readonly IDnsZone[] _zones;
    private readonly IDnsHandler[] _handlers;
    private readonly int _maxUdpPayload;
    private readonly ILogger _logger;
    private readonly DnsServerMetrics? _metrics;
    private readonly Func<NetworkAddress, bool>? _recursionAvailable;
    private readonly NameServerGlue? _nameServers;

    /// <param name="handlers">
    /// The handlers, asked in order; those that are also <see cref="IDnsZone"/>s are asked as zones, before the others.
    /// </param>
    /// <param name="maxUdpPayload">The EDNS payload size advertised and the UDP response limit.</param>
    /// <param name="logger">For handler failures.</param>
    /// <param name="metrics">Counts malformed queries, when given.</param>
    /// <param name="recursionAvailable">Whether forwarding serves a client: sets RA on every answer to it.</param>
    public DnsPipeline(IEnumerable<IDnsHandler> handlers, int maxUdpPayload, ILogger logger, DnsServerMetrics? metrics = null,
        Func<NetworkAddress, bool>? recursionAvailable = null)
        : this([], handlers, maxUdpPayload, logger, metrics, recursionAvailable)
    {
    }

    /// <param name="zones">The zones answered authoritatively; on equal apexes the earlier one answers.</param>
    /// <param name="handlers">
    /// The handlers asked, in order, for names no zone holds; those that are also <see cref="IDnsZone"/>s join the zones
    /// (after <paramref name="zones"/>).
    /// </param>
    /// <param name="maxUdpPayload">The EDNS payload size advertised and the UDP response limit.</param>
    /// <param name="logger">For handler failures.</param>
    /// <param name="metrics">Counts malformed queries, when given.</param>
    /// <param name="recursionAvailable">Whether forwarding serves a client: sets RA on every answer to it.</param>
    /// <param name="nameServers">
    /// The server's own addresses, given to the zones with each query (<see cref="DnsRequestContext.NameServers"/>) for
    /// their made-up <c>ns1</c>; null when the pipeline is not a server's (each zone then uses its own).
    /// </param>
    public DnsPipeline(IEnumerable<IDnsZone> zones, IEnumerable<IDnsHandler> handlers, int maxUdpPayload, ILogger logger,
        DnsServerMetrics? metrics = null, Func<NetworkAddress, bool>? recursionAvailable = null, NameServerGlue? nameServers = null)
    {
        ArgumentNullException.ThrowIfNull(zones);
        ArgumentNullException.ThrowIfNull(handlers);
        _metrics = metrics;
        _recursionAvailable = recursionAvailable;
        _nameServers = nameServers;
        IDnsHandler[] all = [.. handlers];
        _zones = [.. zones, .. all.OfType<IDnsZone>()];
        _handlers = [.. all.Where(h => h is not IDnsZone)];
        _maxUdpPayload = Math.Max(DnsLimits.MaxUdpPayloadWithoutEdns, maxUdpPayload);
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>The zones, in the order they win ties.</summary>
    public IReadOnlyList<IDnsZone> Zones => _zones;

    /// <summary>The handlers other than zones, in the order they are asked.</summary>
    public IReadOnlyList<IDnsHandler> Handlers => _handlers;

    /// <summary>
    /// Processes the query in <paramref name="context"/> on the caller's thread. Returns
    /// <see cref="DnsHandlerResult.Answered"/> with a response written, <see cref="DnsHandlerResult.Drop"/>, or
    /// <see cref="DnsHandlerResult.Deferred"/> (then <see cref="ProcessDeferredAsync"/> must follow).
    /// </summary>
    public DnsHandlerResult Process(DnsRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.AdvertisedPayloadSize = _maxUdpPayload;
        var error = DnsQueryParser.TryParse(context.Request, context.NameBuffer, out context.Query);
        if (context.RequestLength >= DnsLimits.HeaderLength && !context.Query.Header.IsResponse
            && context.Query.Header.OpCode != DnsOpCode.Query)
        {
            return NotImplemented(context, parsed: error == DnsParseError.None);
        }

        if (error != DnsParseError.None)
        {
            _metrics?.Malformed(context.Transport);

            // A message without a whole header cannot be answered; a response is never answered (no loops).
            if (context.RequestLength < DnsLimits.HeaderLength || context.Query.Header.IsResponse)
            {
                return DnsHandlerResult.Drop;
            }

            // RFC 1035 §4.1.1: FORMERR. The question is left out: it could not be read, or there was not exactly one.
            context.Query = new DnsQuery { Header = context.Query.Header };
            context.MaxResponseLength = DnsLimits.MaxUdpPayloadWithoutEdns;
            var formErr = new DnsResponseWriter(context, includeQuestion: false);
            formErr.Complete(DnsResponseCode.FormatError, authoritative: false);
            return DnsHandlerResult.Answered;
        }

        context.RecursionAvailable = _recursionAvailable?.Invoke(context.ClientAddress) ?? false;
        context.MaxResponseLength = context.Transport == DnsTransport.Tcp
            ? DnsLimits.MaxMessageLength
            : Math.Min(context.Query.ClientUdpLimit, _maxUdpPayload);

        // RFC 6891 §6.1.3: a version we do not implement gets BADVERS and our version (0).
        if (context.Query.HasEdns && context.Query.EdnsVersion > 0)
        {
            return Reply(context, DnsResponseCode.BadVersion);
        }

        context.NameServers = _nameServers;
        var zoneResult = AnswerFromZones(context, _zones);
        if (zoneResult != DnsHandlerResult.Continue)
        {
            return zoneResult;
        }

        foreach (var handler in _handlers)
        {
            var result = handler.Handle(context);
            if (result == DnsHandlerResult.Continue)
            {
                continue;
            }

            if (result == DnsHandlerResult.Deferred)
            {
                context.DeferredTo = handler;
            }

            return result;
        }

        return Reply(context, DnsResponseCode.Refused);
    }

    /// <summary>
    /// Answers the query in <paramref name="context"/> from <paramref name="zone"/> alone, as a pipeline with only that zone
    /// would: for a zone that is also an <see cref="IDnsHandler"/>. A CNAME chain is followed only inside the zone.
    /// </summary>
    /// <returns><see cref="DnsHandlerResult.Continue"/> when the zone does not hold the name, else <see cref="DnsHandlerResult.Answered"/>.</returns>
    public static DnsHandlerResult AnswerFromZone(DnsRequestContext context, IDnsZone zone)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(zone);
        return AnswerFromZones(context, new ReadOnlySpan<IDnsZone>(ref zone));
    }

    /// <summary>
    /// The fixed CNAME target of <paramref name="lowercaseName"/> (lowercased wire form) in the zone that holds it, or null
    /// (<see cref="IDnsZone.FindCname"/>). For diagnostics (explain), not the answer path.
    /// </summary>
    public DnsName? FindCname(ReadOnlySpan<byte> lowercaseName) => FindZone(_zones, lowercaseName)?.FindCname(lowercaseName);

    /// <summary>
    /// The zone part of the pipeline: the zone holding the query name answers, authoritatively (AA), following CNAMEs
    /// across <paramref name="zones"/> for at most <see cref="MaxChainLength"/> links (RFC 1034 §4.3.2; the response code
    /// is the last name's, RFC 6604). Allocation-free.
    /// </summary>
    private static DnsHandlerResult AnswerFromZones(DnsRequestContext context, ReadOnlySpan<IDnsZone> zones)
    {
        ReadOnlySpan<byte> name = context.QueryName;
        var zone = FindZone(zones, name);
        if (zone is null)
        {
            return DnsHandlerResult.Continue;
        }

        // The rules every zone shares, before any zone looks at the name: only the Internet class is served (REFUSED, as
        // a server that is not authoritative for the name in that class), and zone transfers are not offered (RFC 5936
        // §4.2: REFUSED when not permitted).
        ref readonly DnsQuery query = ref context.Query;
        if (query.Class is not (DnsClass.IN or DnsClass.ANY) || query.Type is DnsRecordType.AXFR or DnsRecordType.IXFR)
        {
            return Reply(context, DnsResponseCode.Refused);
        }

        var writer = new DnsResponseWriter(context);
        var code = FollowChain(ref writer, context, zones, zone, name, query.Type);
        writer.Complete(code, authoritative: true);
        return DnsHandlerResult.Answered;
    }

    private static DnsResponseCode FollowChain(ref DnsResponseWriter writer, DnsRequestContext context, ReadOnlySpan<IDnsZone> zones, IDnsZone zone,
        ReadOnlySpan<byte> name, DnsRecordType type)
    {
        // remainingLinks: how many more CNAMEs may be followed after the one at name (RFC 1034 §4.3.2 step 3a).
        for (int remainingLinks = MaxChainLength - 1; ; remainingLinks--)
        {
            var code = zone.Answer(ref writer, context, name, type, out var target);
            if (target.IsEmpty || remainingLinks <= 0 || writer.IsTruncated)
            {
                return code;
            }

            var next = FindZone(zones, target);
            if (next is null)
            {
                // Outside our zones: the resolver follows the CNAME itself.
                return code;
            }

            zone = next;
            name = target;
        }
    }

    /// <summary>The zone with the longest apex holding <paramref name="lowercaseName"/>; the earlier one on a tie; null for none.</summary>
    private static IDnsZone? FindZone(ReadOnlySpan<IDnsZone> zones, ReadOnlySpan<byte> lowercaseName)
    {
        IDnsZone? best = null;
        int bestLength = -1;
        foreach (var zone in zones)
        {
            int length = zone.MatchApexLength(lowercaseName);
            if (length > bestLength)
            {
                best = zone;
                bestLength = length;
            }
        }

        return best;
    }

    /// <summary>Completes a deferred query. Never throws but for cancellation; a failing handler yields SERVFAIL.</summary>
    public async ValueTask ProcessDeferredAsync(DnsRequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var handler = context.DeferredTo ?? throw new InvalidOperationException("The query was not deferred.");
        try
        {
            await handler.HandleDeferredAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.HandlerFailed(_logger, handler.Name, ex);
            Reply(context, DnsResponseCode.ServerFailure);
        }
    }

    /// <summary>
    /// Answers an opcode we do not implement (IQUERY, STATUS, NOTIFY, UPDATE, DSO and the unassigned ones) with NOTIMP,
    /// whatever follows the header: RFC 1035 §4.1.1 and RFC 6895 §2 keep the ID and the opcode, and of the query's
    /// flags only RD is copied. The question is not echoed (a header-only query has none, and the sections of another
    /// opcode are not questions); OPT is answered with OPT when the rest of the message could be read (RFC 6891 §6.1.1).
    /// </summary>
    private static DnsHandlerResult NotImplemented(DnsRequestContext context, bool parsed)
    {
        var header = context.Query.Header;
        var flags = DnsHeader.ComposeFlags(isResponse: false, header.OpCode, authoritative: false, truncated: false,
            header.RecursionDesired, recursionAvailable: false, checkingDisabled: false, responseCodeLow4: 0);
        context.Query = parsed ? context.Query : default;
        context.Query.Header = new DnsHeader(header.Id, flags, 0, 0, 0, 0);
        context.RecursionAvailable = false;
        context.MaxResponseLength = DnsLimits.MaxUdpPayloadWithoutEdns;
        var writer = new DnsResponseWriter(context, includeQuestion: false);
        writer.Complete(DnsResponseCode.NotImplemented, authoritative: false);
        return DnsHandlerResult.Answered;
    }

    /// <summary>
    /// What a listener answers when <see cref="Process"/> threw (a handler bug): SERVFAIL, or nothing when the request
    /// is not even a header. The listener logs the exception and keeps serving.
    /// </summary>
    public static DnsHandlerResult Crashed(DnsRequestContext context) =>
        context.RequestLength < DnsLimits.HeaderLength ? DnsHandlerResult.Drop : Reply(context, DnsResponseCode.ServerFailure);

    /// <summary>Writes a response with no records and <paramref name="code"/>.</summary>
    public static DnsHandlerResult Reply(DnsRequestContext context, DnsResponseCode code)
    {
        ArgumentNullException.ThrowIfNull(context);
        var writer = new DnsResponseWriter(context);
        writer.Complete(code, authoritative: false);
        return DnsHandlerResult.Answered;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.HandlerFailed, EventName = nameof(EventIds.HandlerFailed), Level = LogLevel.Error,
            Message = "DNS handler {Handler} failed; answered SERVFAIL.")]
        public static partial void HandlerFailed(ILogger logger, string handler, Exception exception);
    }
}
