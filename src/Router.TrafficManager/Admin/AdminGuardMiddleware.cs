using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Router.TrafficManager.Diagnostics;

namespace Router.TrafficManager.Admin;

/// <summary>
/// The admin API's guard, in front of every endpoint on the admin listener (the API's and the host's, such as
/// <c>/metrics</c>): the bearer token, the <c>Host</c> and <c>Origin</c> checks, <c>Cache-Control: no-store</c> on
/// every answer, and a logged 500 when an endpoint fails.
/// </summary>
/// <remarks>
/// When a bearer token is configured every request must carry <c>Authorization: Bearer &lt;token&gt;</c>, compared in
/// constant time; otherwise 401 with <c>WWW-Authenticate: Bearer</c>. Without a token the server only listens on a
/// loopback address, and only answers requests addressed to it by an IP address or <c>localhost</c> (the <c>Host</c>
/// header, any port): anything else is 421 Misdirected Request, so a web page whose name a DNS-rebinding attacker
/// points at 127.0.0.1 cannot read or change anything through the visitor's browser. A request without <c>Host</c>
/// (HTTP/1.0) is no browser's and is served. With a token the host is not checked: the token is the protection. With
/// or without a token, a <c>PUT</c> carrying an <c>Origin</c> header that is not this server's own origin is refused
/// with 403 (browsers send <c>Origin</c> on cross-origin writes; the CLI sends none). Thread-safe.
/// </remarks>
internal sealed partial class AdminGuardMiddleware
{
    private const string MissingToken = "no bearer token";

    private readonly byte[]? _tokenHash;
    private readonly Func<Uri> _address;
    private readonly ILogger _logger;

    /// <param name="token">The bearer token requests must carry; null for none (then the <c>Host</c> check applies).</param>
    /// <param name="address">The server's address (its actual port once started), named in the 421 answer.</param>
    /// <param name="logger">Where refusals and failures are logged (the admin API's category).</param>
    public AdminGuardMiddleware(string? token, Func<Uri> address, ILogger logger)
    {
        _tokenHash = token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
        _address = address ?? throw new ArgumentNullException(nameof(address));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Whether requests must carry the bearer token.</summary>
    public bool RequiresToken => _tokenHash is not null;

    /// <summary>Answers a refused request itself; runs <paramref name="next"/> for the others, answering 500 when it fails.</summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        context.Response.Headers.CacheControl = "no-store";
        var request = context.Request;
        if (_tokenHash is null && !IsLocalHost(request.Host))
        {
            Log.MisdirectedHost(_logger, Client(context), request.Method, request.Path.Value ?? "/", request.Host.Value ?? string.Empty);
            return AdminResponse.WriteErrorAsync(context, StatusCodes.Status421MisdirectedRequest,
                $"Host '{request.Host.Value}' is not served: without a bearer token this admin API only answers requests addressed to " +
                $"an IP address or localhost (use {_address().GetLeftPart(UriPartial.Authority)}), which keeps web pages from reaching it " +
                "through DNS rebinding; configure Admin:BearerToken to serve other names");
        }

        if (_tokenHash is not null && !HasValidToken(request, _tokenHash, out string failure))
        {
            Log.Unauthorized(_logger, Client(context), request.Method, request.Path.Value ?? "/", failure);
            context.Response.Headers.WWWAuthenticate = failure == MissingToken ? "Bearer" : "Bearer error=\"invalid_token\"";
            return AdminResponse.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "a valid 'Authorization: Bearer <token>' header is required");
        }

        if ((HttpMethods.IsPut(request.Method) || HttpMethods.IsPost(request.Method)) && request.Headers.Origin is { Count: > 0 } origin && !IsSameOrigin(origin.ToString(), request))
        {
            Log.CrossOriginRefused(_logger, Client(context), request.Method, request.Path.Value ?? "/", origin.ToString());
            return AdminResponse.WriteErrorAsync(context, StatusCodes.Status403Forbidden,
                $"cross-origin write refused: Origin '{origin}' is not {request.Scheme}://{request.Host.Value}; the admin API is not for web pages");
        }

        return RunGuardedAsync(context, next);
    }

    /// <summary>
    /// Whether a <c>Host</c> header names this machine in a way no one else's DNS can: an IPv4 or IPv6 address
    /// (IPv6 in brackets), or <c>localhost</c> in any case; any port. An absent header counts (no browser omits it).
    /// </summary>
    internal static bool IsLocalHost(HostString host)
    {
        if (!host.HasValue)
        {
            return true;
        }

        string name = host.Host;
        if (string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (name.Length > 2 && name[0] == '[' && name[^1] == ']')
        {
            return IPAddress.TryParse(name.AsSpan(1, name.Length - 2), out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6;
        }

        // Dotted-quad only: "1234" or "10.1" parse as addresses but are not how anyone writes one in a URL.
        return AddressText.TryParse(name, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork;
    }

    /// <summary>Whether <paramref name="origin"/> (an <c>Origin</c> header) is the scheme, host and port the request was sent to.</summary>
    internal static bool IsSameOrigin(string origin, HttpRequest request)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query)
            || !request.Host.HasValue)
        {
            return false; // "null" (sandboxed or file pages), a malformed value, or nothing to compare with
        }

        int requestPort = request.Host.Port ?? (string.Equals(request.Scheme, "https", StringComparison.OrdinalIgnoreCase) ? 443 : 80);
        string requestHost = request.Host.Host.Trim('[', ']');
        return string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(uri.IdnHost.Trim('[', ']'), requestHost, StringComparison.OrdinalIgnoreCase)
            && uri.Port == requestPort;
    }

    /// <summary>The client's address and port, as the log events name it.</summary>
    internal static string Client(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } address
            ? new IPEndPoint(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, context.Connection.RemotePort).ToString()
            : "unknown";

    /// <summary>Runs the endpoint; a failure is logged here (ASP.NET Core's own logs are off) and answered 500.</summary>
    private async Task RunGuardedAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            Log.RequestFailed(_logger, context.Request.Method, context.Request.Path.Value ?? "/", ex);
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                context.Response.Headers.CacheControl = "no-store";
                await AdminResponse.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, $"internal error: {ex.Message}").ConfigureAwait(false);
            }
        }
    }

    private static bool HasValidToken(HttpRequest request, byte[] expectedHash, out string failure)
    {
        string? header = request.Headers.Authorization;
        const string Scheme = "Bearer ";
        if (string.IsNullOrEmpty(header) || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            failure = MissingToken;
            return false;
        }

        // Hashing first makes the comparison independent of the lengths too.
        byte[] presented = SHA256.HashData(Encoding.UTF8.GetBytes(header.AsSpan(Scheme.Length).Trim().ToString()));
        if (!CryptographicOperations.FixedTimeEquals(presented, expectedHash))
        {
            failure = "wrong bearer token";
            return false;
        }

        failure = string.Empty;
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = TrafficManagerEventIds.MisdirectedHost, EventName = nameof(TrafficManagerEventIds.MisdirectedHost), Level = LogLevel.Warning,
            Message = "Admin API: refused {Method} {Path} from {Client}: Host '{Host}' is neither an IP address nor localhost, and no token is configured.")]
        public static partial void MisdirectedHost(ILogger logger, string client, string method, string path, string host);

        [LoggerMessage(EventId = TrafficManagerEventIds.CrossOriginRefused, EventName = nameof(TrafficManagerEventIds.CrossOriginRefused), Level = LogLevel.Warning,
            Message = "Admin API: refused {Method} {Path} from {Client}: cross-origin request from '{Origin}'.")]
        public static partial void CrossOriginRefused(ILogger logger, string client, string method, string path, string origin);

        [LoggerMessage(EventId = TrafficManagerEventIds.RequestFailed, EventName = nameof(TrafficManagerEventIds.RequestFailed), Level = LogLevel.Error,
            Message = "Admin API: {Method} {Path} failed.")]
        public static partial void RequestFailed(ILogger logger, string method, string path, Exception exception);

        [LoggerMessage(EventId = TrafficManagerEventIds.Unauthorized, EventName = nameof(TrafficManagerEventIds.Unauthorized), Level = LogLevel.Warning,
            Message = "Admin API: refused {Method} {Path} from {Client}: {Reason}.")]
        public static partial void Unauthorized(ILogger logger, string client, string method, string path, string reason);
    }
}
