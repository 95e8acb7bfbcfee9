using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;

namespace Router.TrafficManager.Admin;

/// <summary>
/// The admin API on <c>Admin:Listen</c> (Kestrel): <c>GET /api/profiles</c>, <c>GET /api/profiles/{name}</c>,
/// <c>GET|PUT /api/profiles/{profile}/endpoints/{endpoint}</c>, <c>GET /api/explain?name=…&amp;client=…</c>, and what
/// the host maps besides (<c>GET /metrics</c>: Router.Cli maps OpenTelemetry's Prometheus exporter there).
/// </summary>
/// <remarks>
/// When a bearer token is configured (<c>Admin:BearerToken</c> or <c>ROUTER_ADMIN_TOKEN</c>) every request must carry
/// <c>Authorization: Bearer &lt;token&gt;</c>, compared in constant time; otherwise 401 with <c>WWW-Authenticate: Bearer</c>.
/// Without a token the server only listens on a loopback address, and only answers requests addressed to it by an IP
/// address or <c>localhost</c> (the <c>Host</c> header, any port): anything else is 421 Misdirected Request, so a web
/// page whose name a DNS-rebinding attacker points at 127.0.0.1 cannot read or change anything through the visitor's
/// browser. A request without <c>Host</c> (HTTP/1.0) is no browser's and is served. With a token the host is not
/// checked: the token is the protection. With or without a token, a <c>PUT</c> carrying an <c>Origin</c> header that is
/// not this server's own origin is refused with 403 (browsers send <c>Origin</c> on cross-origin writes; the CLI sends
/// none). Without a traffic manager (<see cref="Control"/> null) the profile list is empty, profiles and explain answer
/// 404, and the host's endpoints (<c>/metrics</c>) still work. Errors are JSON <c>{"error": "…"}</c>; answers carry
/// <c>Cache-Control: no-store</c>.
/// </remarks>
internal sealed partial class AdminHttpServer : IAsyncDisposable
{
    public const string ProfilesPath = "/api/profiles";
    public const string ExplainPath = "/api/explain";
    public const string MetricsPath = "/metrics";

    /// <summary>The largest request body read (a PUT body is a few bytes).</summary>
    public const long MaxRequestBodyBytes = 16 * 1024;

    private readonly Action<IEndpointRouteBuilder>? _mapEndpoints;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IPEndPoint _listen;
    private readonly byte[]? _tokenHash;
    private volatile ITrafficManagerControl? _control;
    private WebApplication? _app;

    /// <param name="options">The <c>Admin</c> section (validated with <see cref="AdminOptionsValidator"/>).</param>
    /// <param name="control">The running traffic manager; null when the process runs none.</param>
    /// <param name="loggerFactory">The process's logger factory.</param>
    /// <param name="environment">Reads <c>ROUTER_ADMIN_TOKEN</c>; the process environment by default.</param>
    /// <param name="mapEndpoints">
    /// Maps the host's own endpoints on this listener when it starts (Router.Cli: <see cref="MetricsPath"/>, so the process's
    /// telemetry stays the host's business). They are behind the same guard as the API: token, <c>Host</c>, <c>Origin</c>,
    /// <c>Cache-Control: no-store</c>, 500 on failure.
    /// </param>
    /// <exception cref="ArgumentException"><c>Listen</c> is invalid, or not loopback while no token is configured.</exception>
    public AdminHttpServer(AdminOptions options, ITrafficManagerControl? control, ILoggerFactory loggerFactory,
        Func<string, string?>? environment = null, Action<IEndpointRouteBuilder>? mapEndpoints = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _mapEndpoints = mapEndpoints;
        _loggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        _logger = loggerFactory.CreateLogger<AdminHttpServer>();
        _control = control;
        if (!AdminOptionsValidator.TryParseListen(options.Listen, out _listen, out string? error))
        {
            throw new ArgumentException(error, nameof(options));
        }

        string? token = AdminOptionsValidator.EffectiveToken(options, environment);
        if (token is null && !IPAddress.IsLoopback(_listen.Address))
        {
            throw new ArgumentException(
                $"Admin:BearerToken: required when Admin:Listen is not a loopback address (or set {AdminOptions.TokenEnvironmentVariable})", nameof(options));
        }

        _tokenHash = token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
        Address = new Uri($"http://{_listen}/");
    }

    /// <summary>
    /// The traffic manager answered for. The host may swap it while the server runs (requests in flight finish with
    /// the one they started with); nothing does today: a configuration reload applies to the same traffic manager.
    /// </summary>
    public ITrafficManagerControl? Control
    {
        get => _control;
        set => _control = value;
    }

    /// <summary>Whether requests must carry the bearer token.</summary>
    public bool RequiresToken => _tokenHash is not null;

    /// <summary>The address served, with the actual port once started (port 0 picks a free one).</summary>
    public Uri Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The empty builder reads no appsettings.json and no ASPNETCORE_* variables: Admin:Listen alone decides.
        // Nothing is served from files; the content root is pinned to the program's directory, not the current directory
        // (which the process's user may not be able to read, e.g. started as nobody from a 0700 home).
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddLogging();

        // ASP.NET Core's own categories log every request and route match, and this inner host's lifetime logs "Now
        // listening on", "Content root path" and the like as if it were the process; the admin API logs what matters
        // itself (AdminListening).
        builder.Services.AddSingleton<ILoggerFactory>(new CategoryFilteringLoggerFactory(_loggerFactory, SilencedCategories));
        // The process's host owns Ctrl+C/SIGTERM and start-up messages; this inner web host only serves.
        builder.Services.AddSingleton<IHostLifetime, HostedLifetime>();
        builder.Services.AddRoutingCore();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            kestrel.Listen(_listen);
        });

        var app = builder.Build();
        app.Use(next => context => AuthenticateAsync(context, next));
        app.MapGet(ProfilesPath, GetProfilesAsync);
        app.MapGet(ProfilesPath + "/{profile}", GetProfileAsync);
        app.MapGet(ProfilesPath + "/{profile}/endpoints/{endpoint}", GetEndpointAsync);
        app.MapPut(ProfilesPath + "/{profile}/endpoints/{endpoint}", PutEndpointAsync);
        app.MapGet(ExplainPath, ExplainAsync);
        _mapEndpoints?.Invoke(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        string? bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (bound is not null)
        {
            Address = new Uri(bound.EndsWith('/') ? bound : bound + "/");
        }

        Log.Listening(_logger, Address.GetLeftPart(UriPartial.Authority), RequiresToken ? "bearer token required" : "no token: loopback only");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
    }

    private Task AuthenticateAsync(HttpContext context, RequestDelegate next)
    {
        context.Response.Headers.CacheControl = "no-store";
        var request = context.Request;
        if (_tokenHash is null && !IsLocalHost(request.Host))
        {
            Log.MisdirectedHost(_logger, Client(context), request.Method, request.Path.Value ?? "/", request.Host.Value ?? string.Empty);
            return WriteErrorAsync(context, StatusCodes.Status421MisdirectedRequest,
                $"Host '{request.Host.Value}' is not served: without a bearer token this admin API only answers requests addressed to " +
                $"an IP address or localhost (use {Address.GetLeftPart(UriPartial.Authority)}), which keeps web pages from reaching it " +
                "through DNS rebinding; configure Admin:BearerToken to serve other names");
        }

        if (_tokenHash is not null && !HasValidToken(request, _tokenHash, out string failure))
        {
            Log.Unauthorized(_logger, Client(context), request.Method, request.Path.Value ?? "/", failure);
            context.Response.Headers.WWWAuthenticate = failure == MissingToken ? "Bearer" : "Bearer error=\"invalid_token\"";
            return WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "a valid 'Authorization: Bearer <token>' header is required");
        }

        if (HttpMethods.IsPut(request.Method) && request.Headers.Origin is { Count: > 0 } origin && !IsSameOrigin(origin.ToString(), request))
        {
            Log.CrossOriginRefused(_logger, Client(context), request.Method, request.Path.Value ?? "/", origin.ToString());
            return WriteErrorAsync(context, StatusCodes.Status403Forbidden,
                $"cross-origin write refused: Origin '{origin}' is not {request.Scheme}://{request.Host.Value}; the admin API is not for web pages");
        }

        // Routing has run: no endpoint means no route (a wrong method on a known path has the 405 endpoint).
        if (context.GetEndpoint() is null)
        {
            return WriteErrorAsync(context, StatusCodes.Status404NotFound,
                $"no such resource; try {ProfilesPath}, {ProfilesPath}/NAME, {ExplainPath}?name=NAME&client=IP or {MetricsPath}");
        }

        return RunGuardedAsync(context, next);
    }

    private const string MissingToken = "no bearer token";

    private static readonly string[] SilencedCategories = ["Microsoft.AspNetCore.", "Microsoft.Hosting.", "Microsoft.Extensions.Hosting."];

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
            return IPAddress.TryParse(name.AsSpan(1, name.Length - 2), out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }

        // Dotted-quad only: "1234" or "10.1" parse as addresses but are not how anyone writes one in a URL.
        return TryParseClient(name, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
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
                await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, $"internal error: {ex.Message}").ConfigureAwait(false);
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

    private Task GetProfilesAsync(HttpContext context)
    {
        var profiles = _control?.GetProfiles() ?? [];
        IReadOnlyList<ProfileJson> body = [.. profiles.Select(ProfileJson.From)];
        return WriteJsonAsync(context, StatusCodes.Status200OK, body, AdminJsonContext.Default.IReadOnlyListProfileJson);
    }

    private Task GetProfileAsync(HttpContext context)
    {
        string name = RouteValue(context, "profile");
        return _control?.GetProfile(name) is { } profile
            ? WriteJsonAsync(context, StatusCodes.Status200OK, ProfileJson.From(profile), AdminJsonContext.Default.ProfileJson)
            : WriteErrorAsync(context, StatusCodes.Status404NotFound, ProfileNotFound(name));
    }

    private Task GetEndpointAsync(HttpContext context)
    {
        string profileName = RouteValue(context, "profile");
        string endpointName = RouteValue(context, "endpoint");
        var profile = _control?.GetProfile(profileName);
        if (profile is null)
        {
            return WriteErrorAsync(context, StatusCodes.Status404NotFound, ProfileNotFound(profileName));
        }

        return FindEndpoint(profile, endpointName) is { } endpoint
            ? WriteJsonAsync(context, StatusCodes.Status200OK, EndpointJson.From(endpoint), AdminJsonContext.Default.EndpointJson)
            : WriteErrorAsync(context, StatusCodes.Status404NotFound, $"profile '{profile.Name}' has no endpoint '{endpointName}'");
    }

    private async Task PutEndpointAsync(HttpContext context)
    {
        string profileName = RouteValue(context, "profile");
        string endpointName = RouteValue(context, "endpoint");
        var (enabled, bodyError, status) = await ReadEnabledAsync(context).ConfigureAwait(false);
        if (bodyError is not null)
        {
            await WriteErrorAsync(context, status, bodyError).ConfigureAwait(false);
            return;
        }

        string client = Client(context);
        var control = _control;
        var (switchStatus, error) = control is null
            ? (StatusCodes.Status404NotFound, "no traffic manager is configured (no TrafficManager section)")
            : SetEndpointEnabled(control, profileName, endpointName, enabled);
        if (control is null || switchStatus != StatusCodes.Status200OK)
        {
            error ??= switchStatus == StatusCodes.Status404NotFound
                ? $"profile '{profileName}' or its endpoint '{endpointName}' not found"
                : "the change could not be saved";
            if (switchStatus == StatusCodes.Status404NotFound)
            {
                Log.EndpointChangeRejected(_logger, client, profileName, endpointName, enabled, error);
            }
            else
            {
                Log.EndpointChangeFailed(_logger, client, profileName, endpointName, enabled, error);
            }

            await WriteErrorAsync(context, switchStatus, error).ConfigureAwait(false);
            return;
        }

        Log.EndpointEnabledSet(_logger, client, profileName, endpointName, enabled);
        if (control.GetProfile(profileName) is { } profile && FindEndpoint(profile, endpointName) is { } endpoint)
        {
            await WriteJsonAsync(context, StatusCodes.Status200OK, EndpointJson.From(endpoint), AdminJsonContext.Default.EndpointJson).ConfigureAwait(false);
            return;
        }

        // Set, then gone: a reload removed it in between.
        await WriteErrorAsync(context, StatusCodes.Status404NotFound, $"profile '{profileName}' or its endpoint '{endpointName}' not found").ConfigureAwait(false);
    }

    /// <summary>
    /// Asks the traffic manager to switch the endpoint; the answer as an HTTP status with the traffic manager's reason:
    /// 200 switched, 404 no such profile or endpoint, 500 not saved (the state file could not be written; nothing changed).
    /// </summary>
    private static (int Status, string? Error) SetEndpointEnabled(ITrafficManagerControl control, string profile, string endpoint, bool enabled)
    {
        var result = control.SetEndpointEnabled(profile, endpoint, enabled);
        return (result.Outcome switch { EndpointSwitchOutcome.Switched => StatusCodes.Status200OK, EndpointSwitchOutcome.NotFound => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status500InternalServerError }, result.Error);
    }

    /// <summary>Reads <c>{"enabled": true|false}</c>; anything else is a 400 that says what is expected.</summary>
    private static async Task<(bool Enabled, string? Error, int Status)> ReadEnabledAsync(HttpContext context)
    {
        const string Expected = "the body must be a JSON object {\"enabled\": true} or {\"enabled\": false}";
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return (false, $"{Expected}: not valid JSON ({ex.Message})", StatusCodes.Status400BadRequest);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (false, $"{Expected}: the body is larger than {MaxRequestBodyBytes} bytes", StatusCodes.Status413PayloadTooLarge);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (false, $"{Expected}, not a JSON {root.ValueKind.ToString().ToLowerInvariant()}", StatusCodes.Status400BadRequest);
            }

            bool? enabled = null;
            foreach (var property in root.EnumerateObject())
            {
                if (!property.NameEquals("enabled") && !property.Name.Equals("enabled", StringComparison.OrdinalIgnoreCase))
                {
                    return (false, $"{Expected}: unknown property '{property.Name}'", StatusCodes.Status400BadRequest);
                }

                if (property.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return (false, $"{Expected}: 'enabled' must be true or false, not {property.Value.GetRawText()}", StatusCodes.Status400BadRequest);
                }

                enabled = property.Value.GetBoolean();
            }

            return enabled is bool value ? (value, null, 0) : (false, $"{Expected}: 'enabled' is missing", StatusCodes.Status400BadRequest);
        }
    }

    private Task ExplainAsync(HttpContext context)
    {
        var query = context.Request.Query;
        string? name = query["name"];
        if (string.IsNullOrWhiteSpace(name))
        {
            return WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"the name is required: {ExplainPath}?name=contoso&client=10.0.0.1");
        }

        string? clientText = query["client"];
        IPAddress? client;
        if (string.IsNullOrEmpty(clientText))
        {
            // The caller's own address, as a DNS query from this host would be routed.
            client = context.Connection.RemoteIpAddress ?? IPAddress.Loopback;
        }
        else if (!TryParseClient(clientText, out client))
        {
            return WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"client '{clientText}' is not an IPv4 or IPv6 address");
        }

        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        return _control?.Explain(name.Trim(), client) is { } report
            ? WriteJsonAsync(context, StatusCodes.Status200OK, ExplainJson.From(report), AdminJsonContext.Default.ExplainJson)
            : WriteErrorAsync(context, StatusCodes.Status404NotFound, $"'{name}' is not a name this router answers (no such profile)");
    }

    /// <summary>An IPv4 address in dotted-quad form or an IPv6 address; not the legacy forms <c>10</c> or <c>10.1</c>.</summary>
    internal static bool TryParseClient(string text, out IPAddress address)
    {
        if (IPAddress.TryParse(text, out address!) &&
            (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 || text.Count(c => c == '.') == 3))
        {
            return true;
        }

        address = IPAddress.None;
        return false;
    }

    private static EndpointReport? FindEndpoint(ProfileReport profile, string name) =>
        profile.Endpoints.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));

    private static string ProfileNotFound(string name) => $"profile '{name}' not found";

    private static string RouteValue(HttpContext context, string key) => context.Request.RouteValues[key] as string ?? string.Empty;

    private static string Client(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } address
            ? new IPEndPoint(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, context.Connection.RemotePort).ToString()
            : "unknown";

    private static Task WriteErrorAsync(HttpContext context, int status, string message) =>
        WriteJsonAsync(context, status, new ErrorJson(message), AdminJsonContext.Default.ErrorJson);

    private static Task WriteJsonAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> typeInfo)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, value, typeInfo, context.RequestAborted);
    }

    /// <summary>Hands out the shared factory's loggers, except for categories under one of <paramref name="silencedPrefixes"/>.</summary>
    private sealed class CategoryFilteringLoggerFactory(ILoggerFactory inner, string[] silencedPrefixes) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) =>
            Array.Exists(silencedPrefixes, prefix => categoryName.StartsWith(prefix, StringComparison.Ordinal))
                ? NullLogger.Instance
                : inner.CreateLogger(categoryName);

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        // The shared factory belongs to the process's host.
        public void Dispose()
        {
        }
    }

    /// <summary>A lifetime that waits for nobody and listens to no signal: the owner starts and stops this host.</summary>
    private sealed class HostedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = TrafficManagerEventIds.AdminListening, EventName = nameof(TrafficManagerEventIds.AdminListening), Level = LogLevel.Information,
            Message = "Admin API listening on {Address} ({Authentication}).")]
        public static partial void Listening(ILogger logger, string address, string authentication);

        [LoggerMessage(EventId = TrafficManagerEventIds.EndpointEnabledSet, EventName = nameof(TrafficManagerEventIds.EndpointEnabledSet), Level = LogLevel.Information,
            Message = "Admin API: {Client} set endpoint {Profile}/{Endpoint} enabled={Enabled}.")]
        public static partial void EndpointEnabledSet(ILogger logger, string client, string profile, string endpoint, bool enabled);

        [LoggerMessage(EventId = TrafficManagerEventIds.EndpointChangeRejected, EventName = nameof(TrafficManagerEventIds.EndpointChangeRejected), Level = LogLevel.Information,
            Message = "Admin API: {Client} asked to set endpoint {Profile}/{Endpoint} enabled={Enabled}, rejected: {Reason}.")]
        public static partial void EndpointChangeRejected(ILogger logger, string client, string profile, string endpoint, bool enabled, string reason);

        [LoggerMessage(EventId = TrafficManagerEventIds.EndpointChangeFailed, EventName = nameof(TrafficManagerEventIds.EndpointChangeFailed), Level = LogLevel.Error,
            Message = "Admin API: {Client} asked to set endpoint {Profile}/{Endpoint} enabled={Enabled}, failed: {Reason}.")]
        public static partial void EndpointChangeFailed(ILogger logger, string client, string profile, string endpoint, bool enabled, string reason);

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
