using Microsoft.Extensions.Configuration;
using Router.Health.Configuration;

namespace Router.Cli.Configuration;

/// <summary>
/// Binds the <c>Health</c> section like <c>ConfigurationBinder.Bind</c> does, but reads <c>Registries</c> by hand:
/// the reflection binder costs seconds per hundred thousand registries, and a region may hold a million.
/// </summary>
/// <remarks>Runs after <see cref="ConfigurationShapeChecker"/>, so every key is known and every value converts.</remarks>
internal static class HealthOptionsBinder
{
    public static void Bind(IConfigurationSection section, HealthOptions options)
    {
        options.Region = section[nameof(HealthOptions.Region)] ?? options.Region;
        options.Listen = section[nameof(HealthOptions.Listen)] ?? options.Listen;
        options.RegistriesFile = section[nameof(HealthOptions.RegistriesFile)] ?? options.RegistriesFile;
        if (Enum.TryParse<DeepEvaluationMode>(section[nameof(HealthOptions.DeepEvaluation)], ignoreCase: true, out var mode))
        {
            options.DeepEvaluation = mode;
        }

        section.GetSection(nameof(HealthOptions.Evaluation)).Bind(options.Evaluation);
        section.GetSection(nameof(HealthOptions.Resources)).Bind(options.Resources);
        foreach (var child in section.GetSection(nameof(HealthOptions.Registries)).GetChildren())
        {
            options.Registries.Add(new RegistryOptions
            {
                Name = child[nameof(RegistryOptions.Name)],
                Storage = child[nameof(RegistryOptions.Storage)],
                Cache = child[nameof(RegistryOptions.Cache)],
                Auth = child[nameof(RegistryOptions.Auth)],
                Container = child[nameof(RegistryOptions.Container)],
                Metadata = child[nameof(RegistryOptions.Metadata)],
                DeepEvaluation = Enum.TryParse<DeepEvaluationMode>(child[nameof(RegistryOptions.DeepEvaluation)], ignoreCase: true, out var own)
                    ? own
                    : null,
                Zones = [.. child.GetSection(nameof(RegistryOptions.Zones)).GetChildren().Select(zone => zone.Value ?? string.Empty)],
            });
        }
    }
}
