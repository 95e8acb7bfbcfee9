using System.Net;
using DnsClient;

namespace Router.Testing;

/// <summary>
/// DnsClient's <see cref="LookupClient"/> set up for a test against one server on loopback: no cache (every query
/// reaches the server), one try (a silent server is not asked again behind the test's back), an explicit timeout,
/// DNS errors returned as responses rather than thrown, and TCP only when asked for.
/// </summary>
/// <remarks>
/// In-process, so a wall-clock bound around a query measures the server, not the start of a <c>dig</c> process. Keep
/// <c>dig</c>/<c>kdig</c> where the point is that the real command-line clients agree.
/// </remarks>
public static class LoopbackDnsClient
{
    /// <summary>The timeout of one query when a test gives none.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    /// <summary>A client for <paramref name="server"/> alone.</summary>
    public static LookupClient Create(IPEndPoint server, bool tcp = false, TimeSpan? timeout = null) =>
        new(new LookupClientOptions(server)
        {
            UseCache = false,
            Retries = 0,
            Timeout = timeout ?? DefaultTimeout,
            UseTcpOnly = tcp,
            UseTcpFallback = !tcp,
            ThrowDnsErrors = false,
            ContinueOnDnsError = false,
            ContinueOnEmptyResponse = false,
            UseRandomNameServer = false,
            EnableAuditTrail = true,
        });

    /// <summary>
    /// Asks <paramref name="server"/> once. A server that does not answer within the timeout throws
    /// <see cref="DnsResponseException"/> (<see cref="DnsResponseCode.ConnectionTimeout"/>).
    /// </summary>
    public static Task<IDnsQueryResponse> QueryAsync(IPEndPoint server, string name, QueryType type, bool tcp = false, TimeSpan? timeout = null) =>
        Create(server, tcp, timeout).QueryAsync(name, type);

    /// <summary>The A and AAAA addresses in the answer, as text, in answer order.</summary>
    public static IReadOnlyList<string> Addresses(IDnsQueryResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return [.. response.Answers.AddressRecords().Select(r => r.Address.ToString())];
    }

    /// <summary>What the response held, dig-style, for assertion messages.</summary>
    public static string Describe(IDnsQueryResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.AuditTrail ?? $"{response.Header} answers: {string.Join(", ", response.Answers)}";
    }
}
