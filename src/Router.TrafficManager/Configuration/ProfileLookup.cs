using System.Runtime.CompilerServices;

namespace Router.TrafficManager.Configuration;

/// <summary>
/// Profiles of a configuration by name (ignoring case; the first of a repeated name, as <c>List.Find</c> would), indexed
/// once per <see cref="TrafficManagerOptions"/> instance: status changes of 100,000 profiles must not each search the
/// list. The options given to the traffic manager are not changed after validation, so the index stays right.
/// </summary>
internal static class ProfileLookup
{
    private static readonly ConditionalWeakTable<TrafficManagerOptions, Dictionary<string, ProfileOptions>> Indexes = new();

    /// <summary>The profile named <paramref name="name"/>, or null.</summary>
    public static ProfileOptions? Find(TrafficManagerOptions options, string name)
    {
        ArgumentNullException.ThrowIfNull(options);
        return name is not null && Indexes.GetValue(options, Build).TryGetValue(name, out var profile) ? profile : null;
    }

    /// <summary>The endpoint <paramref name="endpoint"/> of profile <paramref name="profile"/>, or null.</summary>
    public static EndpointOptions? FindEndpoint(TrafficManagerOptions options, string profile, string endpoint)
    {
        // A loop, not List.Find with a lambda: a region failing over looks up 300,000 endpoints, and each lambda
        // capturing the name was an allocation.
        if (Find(options, profile) is { } found)
        {
            foreach (var candidate in found.Endpoints)
            {
                if (string.Equals(candidate.Name, endpoint, StringComparison.OrdinalIgnoreCase))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static Dictionary<string, ProfileOptions> Build(TrafficManagerOptions options)
    {
        var index = new Dictionary<string, ProfileOptions>(options.Profiles.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var profile in options.Profiles)
        {
            if (profile?.Name is { } name)
            {
                index.TryAdd(name, profile);
            }
        }

        return index;
    }
}
