using Microsoft.Extensions.Logging;
using Router.Dns.Server.Diagnostics;

namespace Router.Dns.Server.Pipeline;

/// <summary>
/// The request pipeline of one configuration: protocol checks common to every query (malformed input, opcode, EDNS
/// version), then the handlers in order; a query no handler takes is REFUSED. Immutable: a configuration change
/// builds a new pipeline and the listeners pick it up on the next query.
/// </summary>
public sealed partial class DnsPipeline
{
    private readonly IDnsHandler[] _handlers;
    private readonly int _maxUdpPayload;
    private readonly ILogger _logger;
    private readonly DnsServerMetrics? _metrics;
    private readonly Func<NetworkAddress, bool>? _recursionAvailable;

    /// <param name="handlers">The handlers, asked in order.</param>
    /// <param name="maxUdpPayload">The EDNS payload size advertised and the UDP response limit.</param>
    /// <param name="logger">For handler failures.</param>
    /// <param name="metrics">Counts malformed queries, when given.</param>
    /// <param name="recursionAvailable">Whether forwarding serves a client: sets RA on every answer to it.</param>
    public DnsPipeline(IEnumerable<IDnsHandler> handlers, int maxUdpPayload, ILogger logger, DnsServerMetrics? metrics = null,
        Func<NetworkAddress, bool>? recursionAvailable = null)
    {
        _metrics = metrics;
        _recursionAvailable = recursionAvailable;
        ArgumentNullException.ThrowIfNull(handlers);
        _handlers = [.. handlers];
        _maxUdpPayload = Math.Max(DnsLimits.MaxUdpPayloadWithoutEdns, maxUdpPayload);
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>The handlers, in the order they are asked.</summary>
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
