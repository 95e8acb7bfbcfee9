using System.Globalization;

namespace Router.Cli.Configuration;

/// <summary>Validates the <c>Telemetry</c> section and reports every error as <c>path: reason</c>.</summary>
internal static class TelemetryOptionsValidator
{
    /// <summary>The longest export timeout and interval accepted, in seconds (a day).</summary>
    public const double MaxSeconds = 86_400;

    /// <summary>The range of <see cref="TelemetryMetricsOptions.CardinalityLimit"/>: the SDK keeps that many series in memory per instrument.</summary>
    public const int MinCardinalityLimit = 10;

    /// <inheritdoc cref="MinCardinalityLimit"/>
    public const int MaxCardinalityLimit = 1_000_000;

    /// <summary>Every error in <paramref name="options"/>, each with its key path under <paramref name="path"/>.</summary>
    public static IReadOnlyList<string> Validate(TelemetryOptions options, string path = "Telemetry")
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.ServiceName is not null && string.IsNullOrWhiteSpace(options.ServiceName))
        {
            errors.Add($"{path}:ServiceName: must not be empty (leave it out for OTEL_SERVICE_NAME or 'router')");
        }

        var otlp = options.Otlp;
        if (otlp.Endpoint is not null && EndpointError(otlp.Endpoint) is { } endpointError)
        {
            errors.Add($"{path}:Otlp:Endpoint: {endpointError}");
        }

        foreach (var (name, value) in otlp.Headers)
        {
            if (HeaderError(name, value) is { } headerError)
            {
                errors.Add($"{path}:Otlp:Headers:{name}: {headerError}");
            }
        }

        CheckSeconds(otlp.TimeoutSeconds, $"{path}:Otlp:TimeoutSeconds", errors);
        CheckSeconds(options.Metrics.ExportIntervalSeconds, $"{path}:Metrics:ExportIntervalSeconds", errors);
        if (options.Metrics.CardinalityLimit is int limit && limit is < MinCardinalityLimit or > MaxCardinalityLimit)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"{path}:Metrics:CardinalityLimit: must be {MinCardinalityLimit}-{MaxCardinalityLimit}, not {limit}"));
        }

        double ratio = options.Tracing.SampleRatio;
        if (double.IsNaN(ratio) || ratio is < 0 or > 1)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}:Tracing:SampleRatio: must be 0-1 (the share of traces recorded), not {ratio}"));
        }

        return errors;
    }

    /// <summary>Why <paramref name="endpoint"/> is not an OTLP collector URL, or null when it is one.</summary>
    private static string? EndpointError(string endpoint)
    {
        if (!Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host))
        {
            return $"'{endpoint}' is not an http:// or https:// URL (e.g. http://127.0.0.1:4317)";
        }

        return uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0
            ? $"'{endpoint}' must have no query, fragment or user (send credentials in Headers)"
            : null;
    }

    /// <summary>
    /// Why a header cannot be sent, or null: the SDK passes headers as <c>name=value,name=value</c>, so a name is an HTTP
    /// token and a value holds no comma and no control character.
    /// </summary>
    private static string? HeaderError(string name, string? value)
    {
        if (name.Length == 0 || !name.All(IsTokenChar))
        {
            return "the header name must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)";
        }

        if (string.IsNullOrEmpty(value))
        {
            return "the header needs a value";
        }

        return value.Any(c => c == ',' || char.IsControl(c)) ? "the value must not contain commas or control characters" : null;
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);

    private static void CheckSeconds(double? seconds, string path, List<string> errors)
    {
        if (seconds is double value && (double.IsNaN(value) || value <= 0 || value > MaxSeconds))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: must be more than 0 and at most {MaxSeconds} seconds, not {value}"));
        }
    }
}
