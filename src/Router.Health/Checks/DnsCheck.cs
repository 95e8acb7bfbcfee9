using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Router.Http;

namespace Router.Health.Checks;

/// <summary>
/// Resolves <see cref="DnsCheckSettings.Name"/> with DnsClient, as the registry's own resolver would: a private zone
/// that lost a record (NXDOMAIN), fails to load (SERVFAIL), points elsewhere (an address outside
/// <see cref="DnsCheckSettings.ExpectAddresses"/>) or whose servers stopped answering fails the check.
/// </summary>
/// <remarks>
/// <para>
/// The servers are asked one after another in their order, one query each (no retries, no cache: the check sees the
/// zone as it is now, not as it was when a TTL started), the way a stub resolver fails over. The first server that
/// answers NOERROR or NXDOMAIN decides: the name resolves (to at least one record of the type, and when
/// <see cref="DnsCheckSettings.ExpectAddresses"/> is given to at least one address inside them) or it does not. A
/// server that does not answer, answers another error (SERVFAIL, REFUSED...), cannot be reached or answers garbage is
/// passed over for the next; when none decides, the check fails with every server's reason.
/// </para>
/// <para>
/// Time: nine tenths of the check's timeout are shared among the servers still to ask (each gets what is left divided
/// by their number), so that a silent server is reported by name ("no answer from 127.0.0.1:53 within 2.7 s") before
/// the check's own deadline would cut it short. Each wait is a <see cref="CancellationTokenSource"/> on the check's
/// <see cref="TimeProvider"/>; DnsClient's own timeout is set a second later, as a backstop only.
/// </para>
/// <para>
/// Classification: all of the above are <see cref="CheckOutcome.Failure"/> (the dependency, or the path to it, is
/// broken, as the registry's resolver would find it). <see cref="CheckOutcome.Inconclusive"/> is for what the monitor
/// caused itself: no servers configured on the host, or a socket error that says this host cannot send the query
/// (an address family it does not support, no buffers, no file descriptors, a local policy refusing the send, an
/// address the kernel will not send to such as port 0), and only when every server was passed over for such a reason.
/// </para>
/// <para>Thread-safe (so is DnsClient's <see cref="LookupClient"/>), although the monitor never overlaps two probes of one check.</para>
/// </remarks>
internal sealed class DnsCheck : IResourceCheck
{
    /// <summary>How much later than our own wait DnsClient's timeout fires, so that ours is always the one seen.</summary>
    private static readonly TimeSpan ClientTimeoutBackstop = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _timeProvider;
    private readonly Func<IReadOnlyList<IPEndPoint>> _hostServers;
    private readonly LookupClient _client;
    private readonly DnsQuestion _question;

    /// <param name="settings">What to ask and what passes.</param>
    /// <param name="timeProvider">Measures the shares of the timeout.</param>
    /// <param name="hostServers">
    /// The host's resolvers, read at every probe that has no <see cref="DnsCheckSettings.Servers"/> (default: what
    /// DnsClient reads from the host, <c>/etc/resolv.conf</c> on Linux, never a public fallback).
    /// </param>
    public DnsCheck(DnsCheckSettings settings, TimeProvider timeProvider, Func<IReadOnlyList<IPEndPoint>>? hostServers = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Settings = settings;
        _timeProvider = timeProvider;
        _hostServers = hostServers ?? ResolveHostServers;
        _question = new DnsQuestion(settings.Name, settings.RecordType, QueryClass.IN);

        // The servers are passed with every query; the client's own list stays empty (no resolving at construction).
        _client = new LookupClient(new LookupClientOptions { AutoResolveNameServers = false, UseCache = false, Retries = 0 });
    }

    public string Type => CheckTypes.Dns;

    public DnsCheckSettings Settings { get; }

    public Task<CheckResult> CheckAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        CheckExecution.RunAsync(_timeProvider, timeout, token => ProbeAsync(timeout, token), static _ => null, cancellationToken);

    /// <summary>The host's resolvers as DnsClient finds them, without its fallback to public servers.</summary>
    public static IReadOnlyList<IPEndPoint> ResolveHostServers() =>
        [.. NameServer.ResolveNameServers(skipIPv6SiteLocal: true, fallbackToGooglePublicDns: false)
            .Select(server => new IPEndPoint(IPAddress.Parse(server.Address), server.Port))];

    private async Task<string?> ProbeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var servers = Settings.Servers.Count > 0 ? Settings.Servers : HostServers();
        long started = _timeProvider.GetTimestamp();
        var budget = timeout - (timeout / 10);
        var passedOver = new List<string>(servers.Count);
        bool allLocal = true;
        for (int i = 0; i < servers.Count; i++)
        {
            var share = (budget - _timeProvider.GetElapsedTime(started)) / (servers.Count - i);
            if (share <= TimeSpan.Zero)
            {
                passedOver.Add($"no time left to ask {servers[i]}");
                allLocal = false;
                continue;
            }

            var attempt = await AskAsync(servers[i], share, cancellationToken).ConfigureAwait(false);
            if (attempt.Decides)
            {
                return attempt.Failure is null ? null : string.Join("; ", [.. passedOver, attempt.Failure]);
            }

            passedOver.Add(attempt.Failure!);
            allLocal &= attempt.IsLocal;
        }

        string reasons = string.Join("; ", passedOver);
        return allLocal ? throw new CheckInconclusiveException($"cannot ask: {reasons}") : reasons;
    }

    private IReadOnlyList<IPEndPoint> HostServers()
    {
        IReadOnlyList<IPEndPoint> servers;
        try
        {
            servers = _hostServers();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new CheckInconclusiveException($"cannot read the host's DNS servers: {ex.Message}", ex);
        }

        return servers.Count > 0
            ? servers
            : throw new CheckInconclusiveException("the host has no DNS servers configured (/etc/resolv.conf); set Servers");
    }

    /// <summary>One query to one server within <paramref name="share"/>.</summary>
    private async Task<DnsAttempt> AskAsync(IPEndPoint server, TimeSpan share, CancellationToken cancellationToken)
    {
        using var wait = new CancellationTokenSource(share, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, wait.Token);
        var options = new DnsQueryOptions
        {
            UseCache = false,
            Retries = 0,
            Timeout = share + ClientTimeoutBackstop,
            ThrowDnsErrors = false,
            ContinueOnDnsError = false,
            ContinueOnEmptyResponse = false,
            UseRandomNameServer = false,
            UseTcpFallback = true,
            Recursion = true,
        };
        try
        {
            var response = await _client.QueryServerAsync([new NameServer(server)], _question, options, linked.Token).ConfigureAwait(false);
            return Judge(server, response);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The check's deadline or the caller: CheckExecution reports it.
            throw;
        }
        catch (Exception) when (wait.IsCancellationRequested)
        {
            return DnsAttempt.PassOver($"no answer from {server} within {FailureWording.Seconds(share)} s");
        }
        catch (Exception ex) when (DescribeError(ex, server, share) is { } described)
        {
            return described;
        }
    }

    /// <summary>
    /// What a query that threw tells about <paramref name="server"/>, or null for an exception that is the monitor's
    /// own (it then propagates: <see cref="CheckOutcome.Inconclusive"/>).
    /// </summary>
    internal static DnsAttempt? DescribeError(Exception exception, IPEndPoint server, TimeSpan share)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is SocketException socket)
            {
                return IsLocal(socket.SocketErrorCode)
                    ? DnsAttempt.Local($"{server}: this host cannot send the query ({socket.SocketErrorCode}: {socket.Message})")
                    : DnsAttempt.PassOver($"{FailureWording.DescribeSocketError(socket)} ({server})");
            }

            if (current is DnsResponseParseException parse)
            {
                return DnsAttempt.PassOver($"malformed response from {server}: {parse.Message}");
            }
        }

        return exception switch
        {
            DnsResponseException { Code: DnsResponseCode.ConnectionTimeout } =>
                DnsAttempt.PassOver($"no answer from {server} within {FailureWording.Seconds(share)} s"),
            DnsResponseException other => DnsAttempt.PassOver($"query to {server} failed: {other.Message}"),
            _ => null,
        };
    }

    /// <summary>Socket errors that say this host could not send the query at all: the monitor's own trouble.</summary>
    internal static bool IsLocal(SocketError error) => error is
        SocketError.AddressFamilyNotSupported or SocketError.ProtocolFamilyNotSupported or SocketError.ProtocolNotSupported or
        SocketError.SocketNotSupported or SocketError.OperationNotSupported or SocketError.AddressNotAvailable or
        SocketError.AccessDenied or SocketError.NoBufferSpaceAvailable or SocketError.TooManyOpenSockets or
        SocketError.InvalidArgument;

    /// <summary>The response's verdict: a definitive answer decides, an error rcode passes over to the next server.</summary>
    private DnsAttempt Judge(IPEndPoint server, IDnsQueryResponse response)
    {
        var rcode = (DnsResponseCode)response.Header.ResponseCode;
        string from = $"(from {server})";
        if (rcode == DnsResponseCode.NotExistentDomain)
        {
            return DnsAttempt.Decided($"NXDOMAIN: {Settings.Name} does not exist {from}");
        }

        if (rcode != DnsResponseCode.NoError)
        {
            return DnsAttempt.PassOver($"{RcodeName(rcode)} from {server}");
        }

        var answers = response.Answers;
        if (Settings.RecordType == QueryType.CNAME)
        {
            return answers.CnameRecords().Any()
                ? DnsAttempt.Success
                : DnsAttempt.Decided($"no CNAME record: {Settings.Name} has none (NOERROR with an empty answer) {from}");
        }

        IPAddress[] addresses = Settings.RecordType == QueryType.AAAA
            ? [.. answers.AaaaRecords().Select(r => r.Address)]
            : [.. answers.ARecords().Select(r => r.Address)];
        if (addresses.Length == 0)
        {
            var aliases = answers.CnameRecords().Select(r => r.CanonicalName.Value).ToList();
            return DnsAttempt.Decided(aliases.Count > 0
                ? $"no {Settings.RecordType} record: {Settings.Name} is an alias of {string.Join(" -> ", aliases)} and the answer has no {Settings.RecordType} record for it {from}"
                : $"no {Settings.RecordType} record: {Settings.Name} has none (NOERROR with an empty answer) {from}");
        }

        if (Settings.ExpectAddresses.Count == 0 || addresses.Any(a => Settings.ExpectAddresses.Any(n => n.Contains(a))))
        {
            return DnsAttempt.Success;
        }

        return DnsAttempt.Decided(
            $"wrong address: {Settings.Name} {Settings.RecordType} is {string.Join(", ", addresses.Select(a => a.ToString()))}, " +
            $"none in ExpectAddresses {string.Join(", ", Settings.ExpectAddresses)} {from}");
    }

    /// <summary>The rcode's mnemonic as dig prints it (RFC 1035 §4.1.1, RFC 2136 §2.2).</summary>
    internal static string RcodeName(DnsResponseCode rcode) => rcode switch
    {
        DnsResponseCode.NoError => "NOERROR",
        DnsResponseCode.FormatError => "FORMERR",
        DnsResponseCode.ServerFailure => "SERVFAIL",
        DnsResponseCode.NotExistentDomain => "NXDOMAIN",
        DnsResponseCode.NotImplemented => "NOTIMP",
        DnsResponseCode.Refused => "REFUSED",
        DnsResponseCode.ExistingDomain => "YXDOMAIN",
        DnsResponseCode.ExistingResourceRecordSet => "YXRRSET",
        DnsResponseCode.MissingResourceRecordSet => "NXRRSET",
        DnsResponseCode.NotAuthorized => "NOTAUTH",
        DnsResponseCode.NotZone => "NOTZONE",
        _ => string.Create(CultureInfo.InvariantCulture, $"RCODE {(int)rcode}"),
    };
}
