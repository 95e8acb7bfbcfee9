using System.Globalization;
using System.Text;
using Router.Health.Checks.Resp;
using Router.Http;

namespace Router.Health.Checks;

/// <summary>
/// Checks a Redis cache with a RESP2 conversation of its own: connect, <c>AUTH</c> when a password is set,
/// <c>PING</c>, then <c>SET</c> a unique key with an expiry and <c>GET</c> it back, so that a cache that answers
/// but cannot store (a read-only replica, out of memory, a full disk with persistence errors) fails with the
/// server's own words (<c>SET failed: READONLY You can't write against a read only replica.</c>).
/// </summary>
/// <remarks>One connection per probe, closed at the end: nothing carries over from a probe that went wrong. Thread-safe.</remarks>
internal sealed class RedisCheck : IResourceCheck
{
    /// <summary>The expiry of the probe's key; it is never deleted explicitly.</summary>
    public static readonly TimeSpan KeyTimeToLive = TimeSpan.FromSeconds(30);

    /// <summary>Probe keys are <c>router:health:&lt;32 hex digits&gt;</c>.</summary>
    public const string KeyPrefix = "router:health:";

    private readonly TimeProvider _timeProvider;
    private readonly string? _password;

    public RedisCheck(HostEndpoint endpoint, string? password, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Endpoint = endpoint;
        _password = string.IsNullOrEmpty(password) ? null : password;
        _timeProvider = timeProvider;
    }

    public string Type => CheckTypes.Redis;

    public HostEndpoint Endpoint { get; }

    public Task<CheckResult> CheckAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        CheckExecution.RunAsync(_timeProvider, timeout, ProbeAsync, Describe, cancellationToken);

    private async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        using var connection = await RespConnection.ConnectAsync(Endpoint, cancellationToken).ConfigureAwait(false);
        if (_password is not null)
        {
            var auth = await connection.ExecuteAsync(["AUTH", _password], cancellationToken).ConfigureAwait(false);
            if (!auth.IsSimpleString("OK"))
            {
                return Unexpected("AUTH", auth);
            }
        }

        var ping = await connection.ExecuteAsync(["PING"], cancellationToken).ConfigureAwait(false);
        if (!ping.IsSimpleString("PONG"))
        {
            return Unexpected("PING", ping);
        }

        string key = KeyPrefix + Guid.NewGuid().ToString("N");
        string value = "router-health " + _timeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        string milliseconds = ((long)KeyTimeToLive.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        var set = await connection.ExecuteAsync(["SET", key, value, "PX", milliseconds], cancellationToken).ConfigureAwait(false);
        if (!set.IsSimpleString("OK"))
        {
            return Unexpected("SET", set);
        }

        var get = await connection.ExecuteAsync(["GET", key], cancellationToken).ConfigureAwait(false);
        if (get.IsError || get.Type != RespType.BulkString)
        {
            return Unexpected("GET", get);
        }

        if (get.Bulk is null)
        {
            return "GET returned nothing for the key just written";
        }

        return get.Bulk.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(value))
            ? null
            : $"GET returned {get}, not the value just written";
    }

    /// <summary>"SET failed: OOM command not allowed..." for an error reply, else "unexpected reply to PING: +OK".</summary>
    private static string Unexpected(string command, RespValue reply) =>
        reply.IsError ? $"{command} failed: {reply.Text}" : $"unexpected reply to {command}: {reply}";

    private static string? Describe(Exception exception) => exception switch
    {
        RespProtocolException protocol => $"invalid reply: {protocol.Message}",
        System.Net.Sockets.SocketException or IOException => FailureWording.DescribeSocketError(exception) ?? exception.Message,
        _ => null,
    };
}
