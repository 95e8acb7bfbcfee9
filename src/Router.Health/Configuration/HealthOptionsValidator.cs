using System.Globalization;
using Microsoft.Extensions.Options;
using Router.Health.Topology;

namespace Router.Health.Configuration;

/// <summary>Validates the <c>Health</c> section and reports every error as <c>path: reason</c>.</summary>
public sealed class HealthOptionsValidator : IValidateOptions<HealthOptions>
{
    public const string DefaultListen = "http://127.0.0.1:8081";

    public ValidateOptionsResult Validate(string? name, HealthOptions options)
    {
        var errors = Validate(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>
    /// Every error in <paramref name="options"/>, each with its key path under <paramref name="path"/>. Works on plain
    /// data: checks are parsed into settings, never built (no handler, socket or data source is created).
    /// </summary>
    public static IReadOnlyList<string> Validate(HealthOptions options, string path = "Health")
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Region))
        {
            errors.Add($"{path}:Region: required (the region this monitor runs in, e.g. eastus)");
        }

        if (!TryParseListen(options.Listen, out _, out string? listenError))
        {
            errors.Add($"{path}:Listen: {listenError}");
        }

        var evaluation = options.Evaluation;
        string evaluationPath = $"{path}:Evaluation";
        if (!(evaluation.IntervalSeconds is >= 0.1 and <= 86_400))
        {
            errors.Add($"{evaluationPath}:IntervalSeconds: must be 0.1-86400");
        }

        if (!(evaluation.TimeoutSeconds > 0) || evaluation.TimeoutSeconds >= evaluation.IntervalSeconds)
        {
            errors.Add($"{evaluationPath}:TimeoutSeconds: must be greater than 0 and less than IntervalSeconds ({evaluation.IntervalSeconds})");
        }

        if (evaluation.FailuresToUnhealthy is < 1 or > 100)
        {
            errors.Add($"{evaluationPath}:FailuresToUnhealthy: must be 1-100");
        }

        if (evaluation.SuccessesToHealthy is < 1 or > 100)
        {
            errors.Add($"{evaluationPath}:SuccessesToHealthy: must be 1-100");
        }

        if (!(evaluation.StaleAfterSeconds > evaluation.IntervalSeconds))
        {
            errors.Add($"{evaluationPath}:StaleAfterSeconds: must be greater than IntervalSeconds ({evaluation.IntervalSeconds})");
        }

        if (evaluation.MaxConcurrentChecks is < 1 or > 10_000)
        {
            errors.Add($"{evaluationPath}:MaxConcurrentChecks: must be 1-10000");
        }

        foreach (var (check, checkPath) in Checks(options, path))
        {
            // The check factory reports values that are no timeout at all; here only the relation to the interval.
            if (check.TimeoutSeconds is double timeout && timeout > 0 && timeout >= evaluation.IntervalSeconds)
            {
                errors.Add($"{checkPath}:TimeoutSeconds: must be less than Evaluation:IntervalSeconds ({evaluation.IntervalSeconds})");
            }

            // A budget against an explicit Check:TimeoutSeconds is the factory's to check; against the default, here.
            if (check is { TimeoutSeconds: null, LatencyBudgetMilliseconds: double budget }
                && budget > 0 && evaluation.TimeoutSeconds > 0 && budget >= evaluation.TimeoutSeconds * 1000)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{checkPath}:LatencyBudgetMilliseconds: must be less than the check's timeout, Evaluation:TimeoutSeconds ({evaluation.TimeoutSeconds * 1000} ms)"));
            }
        }

        HealthTopology.Validate(options, path, errors);

        return errors;
    }

    /// <summary>Every check of the section with its key path: a resource's <c>Check</c>, or each of its instances'.</summary>
    private static IEnumerable<(CheckOptions Check, string Path)> Checks(HealthOptions options, string path)
    {
        for (int i = 0; i < options.Resources.Count; i++)
        {
            var resource = options.Resources[i];
            if (resource.Instances.Count == 0)
            {
                if (resource.Check is not null)
                {
                    yield return (resource.Check, $"{path}:Resources:{i}:Check");
                }

                continue;
            }

            for (int j = 0; j < resource.Instances.Count; j++)
            {
                if (resource.Instances[j]?.Check is { } check)
                {
                    yield return (check, $"{path}:Resources:{i}:Instances:{j}:Check");
                }
            }
        }
    }

    /// <summary>
    /// Parses <c>Health:Listen</c>: an absolute <c>http://</c> URL with host and port (default <see cref="DefaultListen"/>);
    /// port 0 lets the server pick a free port (see <see cref="Http.HealthHttpServer.Address"/>).
    /// </summary>
    public static bool TryParseListen(string? listen, out Uri uri, out string? error)
    {
        string text = string.IsNullOrWhiteSpace(listen) ? DefaultListen : listen.Trim();
        if (!Uri.TryCreate(text, UriKind.Absolute, out uri!) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/" || uri.Port < 0)
        {
            error = $"'{text}' is not an http://HOST:PORT URL";
            return false;
        }

        error = null;
        return true;
    }
}
