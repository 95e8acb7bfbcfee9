using System.Diagnostics;

namespace Router.Cli.Hosting;

/// <summary>The span and tag names of the <c>router</c> executable, and its <see cref="ActivitySource"/>.</summary>
internal static class CliTelemetryNames
{
    /// <summary>
    /// The activity source name: the project's name (the executable's assembly is <c>router</c>, which the
    /// <c>Router.*</c> wildcard would not match).
    /// </summary>
    public const string ActivitySourceName = "Router.Cli";

    /// <summary>The meters exported: every one of Router's assemblies.</summary>
    public const string RouterMeters = "Router.*";

    /// <summary>The activity sources exported: every one of Router's assemblies.</summary>
    public const string RouterSources = "Router.*";

    /// <summary>A configuration reload: the edited file read, validated and (when valid) applied.</summary>
    public const string ReloadActivity = "router.config.reload";

    public const string ConfigPathTag = "router.config.path";
    public const string ReloadOutcomeTag = "router.reload.outcome";
    public const string ReloadErrorsTag = "router.reload.errors";

    public const string Applied = "applied";
    public const string Rejected = "rejected";
    public const string Failed = "failed";

    /// <summary>The source of <see cref="ReloadActivity"/>; <c>StartActivity</c> returns null while nobody listens.</summary>
    public static readonly ActivitySource Source = new(ActivitySourceName);
}
