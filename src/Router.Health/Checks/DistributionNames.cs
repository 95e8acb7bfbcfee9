using System.Text.RegularExpressions;

namespace Router.Health.Checks;

/// <summary>
/// The name grammar of the distribution API (distribution <c>reference/regexp.go</c>, OCI distribution spec
/// "Pulling manifests"): what may appear in a <c>/v2/&lt;name&gt;/manifests/&lt;reference&gt;</c> path. Everything
/// that goes into a request path passes one of these first, so nothing a manifest says can change the path's shape.
/// </summary>
internal static partial class DistributionNames
{
    /// <summary>The longest repository name the API accepts.</summary>
    public const int MaxRepositoryLength = 255;

    /// <summary>The longest tag.</summary>
    public const int MaxTagLength = 128;

    /// <summary>
    /// A repository name: lower-case path components (<c>[a-z0-9]</c> runs separated by <c>.</c>, <c>_</c>,
    /// <c>__</c> or dashes) joined by <c>/</c>, at most <see cref="MaxRepositoryLength"/> characters.
    /// </summary>
    public static bool IsRepository(string? text) =>
        text is { Length: > 0 and <= MaxRepositoryLength } && RepositoryPattern().IsMatch(text);

    /// <summary>A tag: <c>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}</c>.</summary>
    public static bool IsTag(string? text) => text is { Length: > 0 and <= MaxTagLength } && TagPattern().IsMatch(text);

    /// <summary>A digest, <c>algorithm:encoded</c> (<c>sha256:</c> and 64 lower-case hex digits for the usual one).</summary>
    public static bool IsDigest(string? text) => text is { Length: > 0 } && DigestPattern().IsMatch(text);

    /// <summary>A tag or a digest.</summary>
    public static bool IsReference(string? text) => IsTag(text) || IsDigest(text);

    [GeneratedRegex(@"\A[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9_.-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    // OCI image-spec descriptor.md: algorithm-component (separated by + . _ -) ":" encoded; sha256 is 64 lower-case hex.
    [GeneratedRegex(@"\A(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}|(?!sha256:|sha512:)[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,})\z", RegexOptions.CultureInvariant)]
    private static partial Regex DigestPattern();
}
