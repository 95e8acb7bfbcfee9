using System.Globalization;

namespace Router.Health.Checks;

/// <summary>An inclusive range of HTTP status codes, written <c>"200"</c> or <c>"200-299"</c>.</summary>
internal readonly record struct StatusCodeRange(int Min, int Max)
{
    public const int LowestStatusCode = 100;
    public const int HighestStatusCode = 599;

    /// <summary>What an Http check accepts when <c>ExpectedStatusCodes</c> is not set.</summary>
    public static readonly StatusCodeRange Default = new(200, 299);

    public bool Contains(int statusCode) => statusCode >= Min && statusCode <= Max;

    /// <summary>Parses <c>"200"</c> or <c>"200-299"</c> (spaces around the parts allowed); codes are 100–599, low ≤ high.</summary>
    public static bool TryParse(string? text, out StatusCodeRange range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        int dash = text.IndexOf('-', StringComparison.Ordinal);
        var low = dash < 0 ? text.AsSpan() : text.AsSpan(0, dash);
        var high = dash < 0 ? text.AsSpan() : text.AsSpan(dash + 1);
        if (!TryParseCode(low.Trim(), out int min) || !TryParseCode(high.Trim(), out int max) || min > max)
        {
            return false;
        }

        range = new StatusCodeRange(min, max);
        return true;
    }

    /// <summary><c>"200"</c>, <c>"200-299"</c>, <c>"200, 401"</c>.</summary>
    public static string Format(IEnumerable<StatusCodeRange> ranges) => string.Join(", ", ranges);

    public override string ToString() =>
        Min == Max ? Min.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{Min}-{Max}");

    private static bool TryParseCode(ReadOnlySpan<char> text, out int code) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out code) && code is >= LowestStatusCode and <= HighestStatusCode;
}
