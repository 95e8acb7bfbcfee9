using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Router.Http.Hosting;

/// <summary>
/// The small Kestrel web host a role runs inside the router process (the health endpoints, the admin API): built
/// the same way for every role, so that each only maps its endpoints and says where it listens.
/// </summary>
/// <remarks>
/// <para>
/// The empty builder reads no appsettings.json and no <c>ASPNETCORE_*</c>/<c>DOTNET_*</c> variables: the role's own
/// <c>Listen</c> setting alone decides where it listens. Nothing is served from files; the content root is pinned to
/// the program's directory because the default, the current directory, may not be readable by the user the process
/// runs as (started as nobody from a 0700 home), and the web host refuses to start on a content root it cannot see.
/// </para>
/// <para>
/// The process's host owns Ctrl+C/SIGTERM, start-up messages and the logger factory: this inner host gets a lifetime
/// that waits for nobody (<see cref="HostedLifetime"/>) and the process's loggers, minus the categories the role
/// silences (<see cref="CategoryFilteringLoggerFactory"/>). No <c>Server</c> header is sent.
/// </para>
/// </remarks>
internal static class EmbeddedKestrelHost
{
    /// <summary>A builder with Kestrel (HTTP only), the process's loggers and a lifetime the owner drives.</summary>
    /// <param name="loggerFactory">The process's logger factory (not disposed by the inner host).</param>
    /// <param name="silencedCategoryPrefixes">Logger categories (ordinal prefixes) this host does not log under.</param>
    /// <param name="configureKestrel">The role's Kestrel settings (where it listens, its limits); null when it listens through <c>UseUrls</c>.</param>
    public static WebApplicationBuilder CreateBuilder(
        ILoggerFactory loggerFactory, IReadOnlyList<string> silencedCategoryPrefixes, Action<KestrelServerOptions>? configureKestrel = null)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(silencedCategoryPrefixes);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddLogging();
        builder.Services.AddSingleton<ILoggerFactory>(new CategoryFilteringLoggerFactory(loggerFactory, silencedCategoryPrefixes));
        builder.Services.AddSingleton<IHostLifetime, HostedLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            configureKestrel?.Invoke(kestrel);
        });
        return builder;
    }

    /// <summary>Starts <paramref name="app"/>; the first address it listens on (with the actual port when port 0 was asked), or null when the server names none.</summary>
    public static async Task<string?> StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
    }
}
