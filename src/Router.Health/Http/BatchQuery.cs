using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Router.Health.Http;

/// <summary>
/// The query of <c>GET /health/registries</c>: <c>since</c> (a version), <c>wait</c> (seconds, 0 &lt; S ≤ 60) and
/// <c>detail</c> (true/false). Unknown parameters are ignored; a bad value is an error naming its parameter.
/// </summary>
internal readonly record struct BatchQuery(long? Since, TimeSpan? Wait, bool Detail)
{
    /// <summary>The longest a request may be held.</summary>
    public const double MaxWaitSeconds = 60;

    public static bool TryParse(IQueryCollection query, out BatchQuery result, out string? error)
    {
        ArgumentNullException.ThrowIfNull(query);
        result = default;
        long? since = null;
        TimeSpan? wait = null;
        bool detail = false;
        if (query.TryGetValue("since", out var sinceValue))
        {
            if (!TrySingle(sinceValue, out string? text)
                || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long parsed))
            {
                error = "since: must be one integer version (the version of a document this monitor answered)";
                return false;
            }

            since = parsed;
        }

        if (query.TryGetValue("wait", out var waitValue))
        {
            if (!TrySingle(waitValue, out string? text)
                || !double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds)
                || !(seconds > 0 && seconds <= MaxWaitSeconds))
            {
                error = "wait: must be one number of seconds greater than 0 and at most 60";
                return false;
            }

            wait = TimeSpan.FromSeconds(seconds);
        }

        if (query.TryGetValue("detail", out var detailValue))
        {
            if (!TrySingle(detailValue, out string? text) || !bool.TryParse(text, out detail))
            {
                error = "detail: must be true or false";
                return false;
            }
        }

        result = new BatchQuery(since, wait, detail);
        error = null;
        return true;
    }

    private static bool TrySingle(StringValues values, out string? value)
    {
        value = values.Count == 1 ? values[0] : null;
        return value is not null;
    }
}
