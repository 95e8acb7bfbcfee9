using System.Globalization;

namespace Router.Http;

/// <summary>
/// An inclusive range of HTTP status codes, written <c>"200"</c> or <c>"200-299"</c>: an entry of the health Http
/// check's and of the traffic manager monitor's <c>ExpectedStatusCodes</c>.
/// </summary>
/// <remarks>Each user names its own default for an empty list (the Http check 200-299, the monitor 200 only, as Traffic Manager).</remarks>
internal readonly record struct StatusCodeRange(int Min, int Max)
{
    public const int LowestStatusCode = 100;
    public const int HighestStatusCode = 599;

    public bool Contains(int statusCode) => statusCode >= Min && statusCode <= Max;

    /// <summary>Parses <c>"200"</c> or <c>"200-299"</c> (spaces around the parts allowed); codes are 100–599, low ≤ high.</summary>
    public static bool TryParse(string? text, out StatusCodeRange range) => TryParse(text, out range, out _);

    /// <summary>
    /// Parses one entry: <c>"200"</c> or <c>"200-299"</c>, spaces around the parts allowed, codes 100-599, low ≤ high.
    /// </summary>
    /// <param name="text">The entry.</param>
    /// <param name="range">The range, when the entry is valid.</param>
    /// <param name="error">Why the entry is not valid (for <c>path: reason</c> messages), or null.</param>
    public static bool TryParse(string? text, out StatusCodeRange range, out string? error)
    {
        range = default;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "must be a status code (200) or a range (200-299)";
            return false;
        }

        int dash = text.IndexOf('-', StringComparison.Ordinal);
        var low = dash < 0 ? text.AsSpan() : text.AsSpan(0, dash);
        var high = dash < 0 ? text.AsSpan() : text.AsSpan(dash + 1);
        if (!TryParseCode(low.Trim(), out int min) || !TryParseCode(high.Trim(), out int max))
        {
            error = $"'{text}' is not a status code (200) or a range (200-299) of codes {LowestStatusCode}-{HighestStatusCode}";
            return false;
        }

        if (min > max)
        {
            error = $"'{text}' is an empty range: {min} is greater than {max}";
            return false;
        }

        range = new StatusCodeRange(min, max);
        return true;
    }

    /// <summary>Parses a whole <c>ExpectedStatusCodes</c> list; an empty list means <paramref name="whenEmpty"/>.</summary>
    /// <param name="entries">The configured entries.</param>
    /// <param name="whenEmpty">The caller's default, the only range when <paramref name="entries"/> is empty.</param>
    /// <param name="ranges">The ranges in configuration order when every entry is valid; empty otherwise.</param>
    /// <param name="error">
    /// On failure, the first bad entry's reason prefixed with its index (<c>1: '2x0' is not a status code …</c>), so a
    /// validator can append it to the list's key path; null on success.
    /// </param>
    public static bool TryParseList(IReadOnlyList<string> entries, StatusCodeRange whenEmpty, out StatusCodeRange[] ranges, out string? error)
    {
        ArgumentNullException.ThrowIfNull(entries);
        error = null;
        if (entries.Count == 0)
        {
            ranges = [whenEmpty];
            return true;
        }

        var parsed = new StatusCodeRange[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            if (!TryParse(entries[i], out parsed[i], out string? reason))
            {
                ranges = [];
                error = string.Create(CultureInfo.InvariantCulture, $"{i}: {reason}");
                return false;
            }
        }

        ranges = parsed;
        return true;
    }

    /// <summary>Whether <paramref name="statusCode"/> is in any of <paramref name="ranges"/>.</summary>
    public static bool AnyContains(ReadOnlySpan<StatusCodeRange> ranges, int statusCode)
    {
        foreach (var range in ranges)
        {
            if (range.Contains(statusCode))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>"200"</c>, <c>"200-299"</c>, <c>"200-299, 401"</c>.</summary>
    public static string Format(IEnumerable<StatusCodeRange> ranges) => string.Join(", ", ranges);

    public override string ToString() =>
        Min == Max ? Min.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{Min}-{Max}");

    private static bool TryParseCode(ReadOnlySpan<char> text, out int code) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out code) && code is >= LowestStatusCode and <= HighestStatusCode;
}
