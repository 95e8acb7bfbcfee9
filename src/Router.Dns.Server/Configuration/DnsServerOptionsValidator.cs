using System.Net;
using Microsoft.Extensions.Options;
using Router.Dns.Server.Zones;

namespace Router.Dns.Server.Configuration;

/// <summary>
/// Validates the <c>Dns</c> section and reports every error as <c>path: reason</c>, the path in configuration-key
/// form (<c>Dns:Zones:0:Records:2:Value</c>).
/// </summary>
public sealed class DnsServerOptionsValidator : IValidateOptions<DnsServerOptions>
{
    public const string DefaultListen = "127.0.0.1:53";

    /// <summary>The section path used in messages.</summary>
    public string Path { get; init; } = "Dns";

    public ValidateOptionsResult Validate(string? name, DnsServerOptions options)
    {
        var errors = Validate(options, Path);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Every error in <paramref name="options"/>, each with its key path.</summary>
    public static IReadOnlyList<string> Validate(DnsServerOptions options, string path = "Dns")
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var listen = ListenEndpoints(options, path, errors);
        ZoneBuilder.Build(options.Zones, listen, $"{path}:Zones", errors);

        if (options.MaxUdpPayload is < DnsLimits.MaxUdpPayloadWithoutEdns or > 4096)
        {
            errors.Add($"{path}:MaxUdpPayload: must be 512-4096");
        }

        if (options.UdpReceivers is < 0 or > 64)
        {
            errors.Add($"{path}:UdpReceivers: must be 0-64 (0: one per two processors)");
        }

        if (options.Tcp.IdleTimeoutSeconds is <= 0 or > 3600 || double.IsNaN(options.Tcp.IdleTimeoutSeconds))
        {
            errors.Add($"{path}:Tcp:IdleTimeoutSeconds: must be greater than 0 and at most 3600");
        }

        if (options.Tcp.MaxConnections is < 1 or > 1_000_000)
        {
            errors.Add($"{path}:Tcp:MaxConnections: must be 1-1000000");
        }

        if (options.Tcp.MaxQueriesInFlight is < 1 or > 1024)
        {
            errors.Add($"{path}:Tcp:MaxQueriesInFlight: must be 1-1024");
        }

        var forwarding = options.Forwarding;
        string forwardingPath = $"{path}:Forwarding";
        for (int i = 0; i < forwarding.Upstreams.Count; i++)
        {
            if (!DnsEndpoint.TryParse(forwarding.Upstreams[i], 53, out var upstream, out string? error))
            {
                errors.Add($"{forwardingPath}:Upstreams:{i}: {error}");
            }
            else if (upstream.Port == 0 || upstream.Address.Equals(IPAddress.Any) || upstream.Address.Equals(IPAddress.IPv6Any))
            {
                errors.Add($"{forwardingPath}:Upstreams:{i}: '{forwarding.Upstreams[i]}' is not a reachable address and port");
            }
            else if (listen.Any(own => IsSameServer(own, upstream)))
            {
                errors.Add($"{forwardingPath}:Upstreams:{i}: '{forwarding.Upstreams[i]}' is this server itself (a forwarding loop)");
            }
        }

        for (int i = 0; i < forwarding.AllowedClients.Count; i++)
        {
            if (!NetworkPrefix.TryParse(forwarding.AllowedClients[i], out _, out string? error))
            {
                errors.Add($"{forwardingPath}:AllowedClients:{i}: {error}");
            }
        }

        if (forwarding.TimeoutSeconds is <= 0 or > 60 || double.IsNaN(forwarding.TimeoutSeconds))
        {
            errors.Add($"{forwardingPath}:TimeoutSeconds: must be greater than 0 and at most 60");
        }

        if (forwarding.Attempts is < 0 or > 16)
        {
            errors.Add($"{forwardingPath}:Attempts: must be 0-16 (0: one per upstream, at least two)");
        }

        if (forwarding.MaxConcurrent is < 1 or > 100_000)
        {
            errors.Add($"{forwardingPath}:MaxConcurrent: must be 1-100000");
        }

        if (forwarding.Cache.MaxEntries is < 1 or > 10_000_000)
        {
            errors.Add($"{forwardingPath}:Cache:MaxEntries: must be 1-10000000");
        }

        if (forwarding.Cache.MaxTtlSeconds is < 0 or > 604_800)
        {
            errors.Add($"{forwardingPath}:Cache:MaxTtlSeconds: must be 0-604800");
        }

        if (forwarding.Cache.MaxNegativeTtlSeconds is < 0 or > 86_400)
        {
            errors.Add($"{forwardingPath}:Cache:MaxNegativeTtlSeconds: must be 0-86400");
        }

        return errors;
    }

    // The upstream is this server when it is a listen address, or a loopback address on the port of a wildcard listen
    // address of its family (0.0.0.0 serves 127.0.0.0/8; [::], bound without dual mode, serves [::1]).
    private static bool IsSameServer(IPEndPoint own, IPEndPoint upstream) =>
        own.Equals(upstream) ||
        (own.Port == upstream.Port && own.AddressFamily == upstream.AddressFamily && IPAddress.IsLoopback(upstream.Address) &&
         (own.Address.Equals(IPAddress.Any) || own.Address.Equals(IPAddress.IPv6Any)));

    /// <summary>The listen endpoints, defaulting to <see cref="DefaultListen"/>; errors are added with their paths.</summary>
    internal static IReadOnlyList<IPEndPoint> ListenEndpoints(DnsServerOptions options, string path, List<string> errors)
    {
        var result = new List<IPEndPoint>();
        var listen = options.Listen.Count == 0 ? [DefaultListen] : options.Listen;
        for (int i = 0; i < listen.Count; i++)
        {
            if (!DnsEndpoint.TryParse(listen[i], 53, out var endpoint, out string? error))
            {
                errors.Add($"{path}:Listen:{i}: {error}");
            }
            else if (result.Contains(endpoint))
            {
                errors.Add($"{path}:Listen:{i}: '{listen[i]}' is listed twice");
            }
            else
            {
                result.Add(endpoint);
            }
        }

        return result;
    }
}
