using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Router.Http.Hosting;
using Router.TrafficManager.Configuration;
using Router.TrafficManager.Diagnostics;

namespace Router.TrafficManager.Admin;

/// <summary>
/// The admin API on <c>Admin:Listen</c> (Kestrel): <c>GET /api/profiles</c>, <c>GET /api/profiles/{name}</c>,
/// <c>GET|PUT /api/profiles/{profile}/endpoints/{endpoint}</c>, <c>POST /api/profiles/{profile}/endpoints/{endpoint}/release</c>,
/// <c>GET /api/explain?name=…&amp;client=…</c>, and what
/// the host maps besides (<c>GET /metrics</c>: Router.Cli maps OpenTelemetry's Prometheus exporter there).
/// </summary>
/// <remarks>
/// Every request, the host's endpoints included, passes <see cref="AdminGuardMiddleware"/> first: the bearer token
/// when one is configured (<c>Admin:BearerToken</c> or <c>ROUTER_ADMIN_TOKEN</c>), else loopback only and a
/// <c>Host</c> that is an IP address or <c>localhost</c>; no cross-origin <c>PUT</c> or <c>POST</c>. Without a traffic manager
/// (<see cref="Control"/> null) the profile list is empty, profiles and explain answer 404, and the host's endpoints
/// (<c>/metrics</c>) still work. Errors are JSON <c>{"error": "…"}</c>; answers carry <c>Cache-Control: no-store</c>.
/// </remarks>
internal sealed partial class AdminHttpServer : IAsyncDisposable
{
    public const string ProfilesPath = "/api/profiles";
    public const string ExplainPath = "/api/explain";
    public const string MetricsPath = "/metrics";

    /// <summary>The cluster: instances, leases, the store's state (<c>GET</c>); 404 without a <c>Cluster</c> section.</summary>
    public const string ClusterPath = "/api/cluster";

    /// <summary>The largest request body read (a PUT body is a few bytes).</summary>
    public const long MaxRequestBodyBytes = 16 * 1024;

    private static readonly string[] SilencedCategories = ["Microsoft.AspNetCore.", "Microsoft.Hosting.", "Microsoft.Extensions.Hosting."];

    private readonly Action<IEndpointRouteBuilder>? _mapEndpoints;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IPEndPoint _listen;
    private readonly AdminGuardMiddleware _guard;
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

        Address = new Uri($"http://{_listen}/");
        _guard = new AdminGuardMiddleware(token, () => Address, _logger);
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
    public bool RequiresToken => _guard.RequiresToken;

    /// <summary>The address served, with the actual port once started (port 0 picks a free one).</summary>
    public Uri Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // ASP.NET Core's own categories log every request and route match, and this inner host's lifetime logs "Now
        // listening on", "Content root path" and the like as if it were the process; the admin API logs what matters
        // itself (AdminListening).
        var builder = EmbeddedKestrelHost.CreateBuilder(_loggerFactory, SilencedCategories, kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            kestrel.Listen(_listen);
        });
        builder.Services.AddRoutingCore();

        var app = builder.Build();
        app.Use(next => context => _guard.InvokeAsync(context, next));
        // Routing has run: no endpoint means no route (a wrong method on a known path has the 405 endpoint).
        app.Use(next => context => context.GetEndpoint() is null
            ? AdminResponse.WriteErrorAsync(context, StatusCodes.Status404NotFound,
                $"no such resource; try {ProfilesPath}, {ProfilesPath}/NAME, {ExplainPath}?name=NAME&client=IP, {ClusterPath} or {MetricsPath}")
            : next(context));
        app.MapGet(ProfilesPath, GetProfilesAsync);
        app.MapGet(ProfilesPath + "/{profile}", GetProfileAsync);
        app.MapGet(ProfilesPath + "/{profile}/endpoints/{endpoint}", GetEndpointAsync);
        app.MapPut(ProfilesPath + "/{profile}/endpoints/{endpoint}", PutEndpointAsync);
        app.MapPost(ProfilesPath + "/{profile}/endpoints/{endpoint}/release", ReleaseEndpointAsync);
        app.MapGet(ExplainPath, ExplainAsync);
        app.MapGet(ClusterPath, GetClusterAsync);
        _mapEndpoints?.Invoke(app);
        string? bound = await EmbeddedKestrelHost.StartAsync(app, cancellationToken).ConfigureAwait(false);
        _app = app;
        if (bound is not null)
        {
            Address = new Uri(bound.EndsWith('/') ? bound : bound + "/");
        }

        Log.Listening(_logger, Address.GetLeftPart(UriPartial.Authority), RequiresToken ? "bearer token required" : "no token: loopback only");
    }

    public Task StopAsync(CancellationToken cancellationToken) => _app?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _app, null)?.DisposeAsync() ?? ValueTask.CompletedTask;

    private Task GetProfilesAsync(HttpContext context)
    {
        var profiles = _control?.GetProfiles() ?? [];
        IReadOnlyList<ProfileJson> body = [.. profiles.Select(ProfileJson.From)];
        return AdminResponse.WriteJsonAsync(context, StatusCodes.Status200OK, body, AdminJsonContext.Default.IReadOnlyListProfileJson);
    }

    private Task GetProfileAsync(HttpContext context)
    {
        string name = RouteValue(context, "profile");
        return _control?.GetProfile(name) is { } profile
            ? AdminResponse.WriteJsonAsync(context, StatusCodes.Status200OK, ProfileJson.From(profile), AdminJsonContext.Default.ProfileJson)
            : AdminResponse.WriteErrorAsync(context, StatusCodes.Status404NotFound, ProfileNotFound(name));
    }

    private Task GetEndpointAsync(HttpContext context)
    {
        string profileName = RouteValue(context, "profile");
        string endpointName = RouteValue(context, "endpoint");
        var profile = _control?.GetProfile(profileName);
        if (profile is null)
        {
            return AdminResponse.WriteErrorAsync(context, StatusCodes.Status404NotFound, ProfileNotFound(profileName));
        }

        return FindEndpoint(profile, endpointName) is { } endpoint
            ? AdminResponse.WriteJsonAsync(context, StatusCodes.Status200OK, EndpointJson.From(endpoint), AdminJsonContext.Default.EndpointJson)
            : AdminResponse.WriteErrorAsync(context, StatusCodes.Status404NotFound, $"profile '{profile.Name}' has no endpoint '{endpointName}'");
    }

    private Task GetClusterAsync(HttpContext context) =>
        _control?.GetCluster() is { } cluster
            ? AdminResponse.WriteJsonAsync(context, StatusCodes.Status200OK, ClusterJson.From(cluster), AdminJsonContext.Default.ClusterJson)
            : AdminResponse.WriteErrorAsync(context, StatusCodes.Status404NotFound, "this router runs alone: the configuration has no Cluster section");

    private Task ExplainAsync(HttpContext context)
    {
        var query = context.Request.Query;
        string? name = query["name"];
        if (string.IsNullOrWhiteSpace(name))
        {
            return AdminResponse.WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"the name is required: {ExplainPath}?name=contoso&client=10.0.0.1");
        }

        string? clientText = query["client"];
        IPAddress? client;
        if (string.IsNullOrEmpty(clientText))
        {
            // The caller's own address, as a DNS query from this host would be routed.
            client = context.Connection.RemoteIpAddress ?? IPAddress.Loopback;
        }
        else if (!AddressText.TryParse(clientText, out client))
        {
            return AdminResponse.WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"client '{clientText}' is not an IPv4 or IPv6 address");
        }

        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        return _control?.Explain(name.Trim(), client) is { } report
            ? AdminResponse.WriteJsonAsync(context, StatusCodes.Status200OK, ExplainJson.From(report), AdminJsonContext.Default.ExplainJson)
            : AdminResponse.WriteErrorAsync(context, StatusCodes.Status404NotFound, $"'{name}' is not a name this router answers (no such profile)");
    }

    private static EndpointReport? FindEndpoint(ProfileReport profile, string name) =>
        profile.Endpoints.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));

    private static string ProfileNotFound(string name) => $"profile '{name}' not found";

    private static string RouteValue(HttpContext context, string key) => context.Request.RouteValues[key] as string ?? string.Empty;

    private static partial class Log
    {
        [LoggerMessage(EventId = TrafficManagerEventIds.EndpointMaintenanceSet, EventName = nameof(TrafficManagerEventIds.EndpointMaintenanceSet), Level = LogLevel.Information,
            Message = "Admin API: {Client} asked to set endpoint {Profile}/{Endpoint} {Change}: {Outcome}.")]
        public static partial void EndpointMaintenanceSet(ILogger logger, string client, string profile, string endpoint, string change, string outcome);

        [LoggerMessage(EventId = TrafficManagerEventIds.EndpointReleaseRequested, EventName = nameof(TrafficManagerEventIds.EndpointReleaseRequested), Level = LogLevel.Information,
            Message = "Admin API: {Client} asked to release endpoint {Profile}/{Endpoint} (failback): {Outcome}.")]
        public static partial void EndpointReleaseRequested(ILogger logger, string client, string profile, string endpoint, string outcome);

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
    }
}
