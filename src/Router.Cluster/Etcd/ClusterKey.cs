namespace Router.Cluster.Etcd;

/// <summary>
/// A key of this store under the prefix. Layout: <c>{prefix}members/{id}</c> and <c>{prefix}views/{id}</c> (leased),
/// <c>{prefix}settings/{profile}/{endpoint}</c> (not leased), where profile and endpoint names are URI-escaped so that
/// a <c>/</c> in one cannot change the shape.
/// </summary>
/// <param name="Kind">The shape.</param>
/// <param name="First">The instance id, or the profile name.</param>
/// <param name="Second">The endpoint name of a setting; empty otherwise.</param>
internal readonly record struct ClusterKey(ClusterKeyKind Kind, string First, string Second)
{
    private const string Members = "members/";
    private const string Views = "views/";
    private const string Settings = "settings/";

    public static string Member(string prefix, string instanceId) => prefix + Members + instanceId;

    public static string View(string prefix, string instanceId) => prefix + Views + instanceId;

    public static string Setting(string prefix, string profile, string endpoint) =>
        prefix + Settings + Uri.EscapeDataString(profile) + "/" + Uri.EscapeDataString(endpoint);

    /// <summary>The shape of <paramref name="key"/>; <see cref="ClusterKeyKind.Unknown"/> when it is none of ours.</summary>
    public static ClusterKey Parse(string prefix, string key)
    {
        if (!key.StartsWith(prefix, StringComparison.Ordinal))
        {
            return default;
        }

        string rest = key[prefix.Length..];
        if (rest.StartsWith(Members, StringComparison.Ordinal))
        {
            return OneSegment(ClusterKeyKind.Member, rest[Members.Length..]);
        }

        if (rest.StartsWith(Views, StringComparison.Ordinal))
        {
            return OneSegment(ClusterKeyKind.View, rest[Views.Length..]);
        }

        if (rest.StartsWith(Settings, StringComparison.Ordinal))
        {
            string[] parts = rest[Settings.Length..].Split('/');
            if (parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0 &&
                TryUnescape(parts[0], out string? profile) && TryUnescape(parts[1], out string? endpoint))
            {
                return new ClusterKey(ClusterKeyKind.Setting, profile, endpoint);
            }
        }

        return default;
    }

    private static ClusterKey OneSegment(ClusterKeyKind kind, string id) =>
        Configuration.ClusterOptionsValidator.IsInstanceId(id) ? new ClusterKey(kind, id, string.Empty) : default;

    private static bool TryUnescape(string segment, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        try
        {
            value = Uri.UnescapeDataString(segment);
            return value.Length > 0;
        }
        catch (UriFormatException)
        {
            value = null;
            return false;
        }
    }
}
