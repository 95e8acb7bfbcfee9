using System.Globalization;
using Microsoft.Extensions.Configuration;
using Router.TrafficManager.Configuration;

namespace Router.Cli.Configuration;

/// <summary>
/// Binds the <c>TrafficManager</c> section like <c>ConfigurationBinder.Bind</c> does, but reads <c>Profiles</c> from the
/// file's JSON (set aside by <see cref="IndexedJsonConfigurationSource.SetAside"/>) with <see cref="JsonOptionsReader"/>:
/// flattening, shape-checking and reflection-binding 100,000 profiles of 3 endpoints took a minute.
/// </summary>
internal static class TrafficManagerOptionsBinder
{
    /// <summary>The key path set aside: the profiles.</summary>
    public const string ProfilesPath = "TrafficManager:Profiles";

    /// <summary>
    /// Binds <paramref name="section"/> (already shape-checked) into <paramref name="options"/>; with
    /// <paramref name="profilesJson"/>, the profiles are read from it (errors added to <paramref name="errors"/>),
    /// and profile keys the configuration still has (environment overrides, <c>Router__TrafficManager__Profiles__0__Ttl</c>)
    /// are bound over the profile of that index, as they would override the file's.
    /// </summary>
    public static void Bind(IConfigurationSection section, TrafficManagerOptions options, ReadOnlyMemory<byte>? profilesJson, List<string> errors)
    {
        section.Bind(options);
        if (profilesJson is not { } json)
        {
            return;
        }

        var profiles = JsonOptionsReader.ReadList<ProfileOptions>(json.Span, ProfilesPath, errors);
        foreach (var child in section.GetSection(nameof(TrafficManagerOptions.Profiles)).GetChildren())
        {
            if (int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index < profiles.Count)
            {
                child.Bind(profiles[index]);
            }
            else
            {
                profiles.Add(child.Get<ProfileOptions>() ?? new ProfileOptions());
            }
        }

        options.Profiles = profiles;
    }
}
