using Router.TrafficManager.Cluster;

namespace Router.Cluster.Configuration;

/// <summary>
/// Validates the <c>Cluster</c> section and reports every error as <c>path: reason</c>, the path in configuration-key
/// form (<c>Cluster:Endpoints:1: 'ftp://x' is not an http:// or https:// URL</c>).
/// </summary>
public static class ClusterOptionsValidator
{
    /// <summary>The shortest lease: a keep-alive goes out every third of it, and one lost keep-alive must not end it.</summary>
    public const int MinLeaseSeconds = 2;

    /// <summary>The longest lease: an instance that dies stays a member (and its view counts) this long.</summary>
    public const int MaxLeaseSeconds = 3600;

    /// <summary>Every error in <paramref name="options"/>, each with its key path under <paramref name="path"/>.</summary>
    /// <param name="options">The section.</param>
    /// <param name="path">Its key path.</param>
    /// <param name="environment">Reads an environment variable (<c>ROUTER_CLUSTER_PASSWORD</c>); null: the process environment.</param>
    public static IReadOnlyList<string> Validate(ClusterOptions options, string path = "Cluster", Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        environment ??= Environment.GetEnvironmentVariable;
        var errors = new List<string>();

        var schemes = ValidateEndpoints(options.Endpoints, $"{path}:Endpoints", errors);

        if (string.IsNullOrEmpty(options.Prefix))
        {
            errors.Add($"{path}:Prefix: required (the key prefix of this router cluster, e.g. {ClusterOptions.DefaultPrefix})");
        }
        else if (!options.Prefix.StartsWith('/') || !options.Prefix.EndsWith('/'))
        {
            errors.Add($"{path}:Prefix: '{options.Prefix}' must start and end with '/' (e.g. {ClusterOptions.DefaultPrefix})");
        }
        else if (options.Prefix.Any(char.IsWhiteSpace))
        {
            errors.Add($"{path}:Prefix: '{options.Prefix}' must not contain white space");
        }

        if (options.InstanceId is not null && !IsInstanceId(options.InstanceId))
        {
            errors.Add($"{path}:InstanceId: '{options.InstanceId}' must be non-empty, without '/' or white space (null: the host name)");
        }
        else if (options.InstanceId is null && !IsInstanceId(options.ResolveInstanceId()))
        {
            errors.Add($"{path}:InstanceId: the host name '{options.ResolveInstanceId()}' cannot be the instance id; set one (non-empty, without '/' or white space)");
        }

        if (!Enum.IsDefined(options.Quorum))
        {
            errors.Add($"{path}:Quorum: must be Majority, Any or All");
        }

        if (options.LeaseSeconds is < MinLeaseSeconds or > MaxLeaseSeconds)
        {
            errors.Add($"{path}:LeaseSeconds: must be between {MinLeaseSeconds} and {MaxLeaseSeconds}");
        }

        ValidateCredentials(options, path, environment, errors);

        if (options.CaFile is not null)
        {
            if (string.IsNullOrWhiteSpace(options.CaFile))
            {
                errors.Add($"{path}:CaFile: empty (leave it out to trust the system's CAs)");
            }
            else if (!File.Exists(options.CaFile))
            {
                errors.Add($"{path}:CaFile: '{options.CaFile}' does not exist");
            }
            else if (schemes.Contains(Uri.UriSchemeHttp) && !schemes.Contains(Uri.UriSchemeHttps))
            {
                errors.Add($"{path}:CaFile: set, but the endpoints are http:// (no TLS); use https:// endpoints or leave it out");
            }
            else if (CaFileProblem(options.CaFile) is { } problem)
            {
                errors.Add($"{path}:CaFile: '{options.CaFile}' {problem}");
            }
        }

        return errors;
    }

    /// <summary>Why <paramref name="caFile"/> cannot be the CA of the etcd members' certificates; null when it can.</summary>
    private static string? CaFileProblem(string caFile)
    {
        try
        {
            var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            certificates.ImportFromPemFile(caFile);
            return certificates.Count == 0 ? "holds no PEM certificate (-----BEGIN CERTIFICATE-----)" : null;
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            return $"cannot be read as PEM certificates: {e.Message}";
        }
    }

    /// <summary>Whether <paramref name="id"/> can be an instance id (it is a segment of etcd keys).</summary>
    public static bool IsInstanceId(string? id) =>
        !string.IsNullOrEmpty(id) && !id.Contains('/', StringComparison.Ordinal) && !id.Any(char.IsWhiteSpace) && !id.Any(char.IsControl);

    private static HashSet<string> ValidateEndpoints(List<string> endpoints, string path, List<string> errors)
    {
        var schemes = new HashSet<string>(StringComparer.Ordinal);
        if (endpoints is null || endpoints.Count == 0)
        {
            errors.Add($"{path}: required (the etcd client URLs, e.g. http://127.0.0.31:2379)");
            return schemes;
        }

        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < endpoints.Count; i++)
        {
            string endpoint = endpoints[i];
            if (string.IsNullOrWhiteSpace(endpoint))
            {
                errors.Add($"{path}:{i}: empty (an etcd client URL, e.g. http://127.0.0.31:2379)");
                continue;
            }

            if (!Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"{path}:{i}: '{endpoint}' is not an http:// or https:// URL");
                continue;
            }

            if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            {
                errors.Add($"{path}:{i}: '{endpoint}' must be scheme, host and port only (no path, query or user)");
                continue;
            }

            schemes.Add(uri.Scheme);
            string canonical = $"{uri.Scheme}://{uri.Authority}";
            if (!seen.TryAdd(canonical, i))
            {
                errors.Add($"{path}:{i}: '{endpoint}' is already {path}:{seen[canonical]}");
            }
        }

        if (schemes.Count > 1)
        {
            errors.Add($"{path}: mixes http:// and https:// URLs; TLS is on or off for the whole cluster, use one scheme");
        }

        return schemes;
    }

    private static void ValidateCredentials(ClusterOptions options, string path, Func<string, string?> environment, List<string> errors)
    {
        if (options.Username is not null)
        {
            if (string.IsNullOrWhiteSpace(options.Username))
            {
                errors.Add($"{path}:Username: empty (leave it out when etcd has authentication off)");
            }
            else if (options.ResolvePassword(environment) is null)
            {
                errors.Add($"{path}:Password: required with {path}:Username (set it, or the environment variable {ClusterOptions.PasswordVariable})");
            }
        }
        else if (!string.IsNullOrEmpty(options.Password))
        {
            errors.Add($"{path}:Username: required with {path}:Password");
        }
    }
}
