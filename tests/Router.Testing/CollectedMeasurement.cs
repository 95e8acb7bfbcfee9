namespace Router.Testing;

/// <summary>One measurement captured by <see cref="MetricCollector{T}"/>.</summary>
/// <typeparam name="T">The instrument's value type.</typeparam>
/// <param name="Value">The recorded value.</param>
/// <param name="Tags">The measurement's tags by name (copied at record time; the last value wins on a duplicate name).</param>
public sealed record CollectedMeasurement<T>(T Value, IReadOnlyDictionary<string, object?> Tags)
    where T : struct
{
    /// <summary>Returns <see langword="true"/> if the tag <paramref name="name"/> is present with a value equal to <paramref name="value"/>.</summary>
    public bool HasTag(string name, object? value) => Tags.TryGetValue(name, out var actual) && Equals(actual, value);

    /// <summary>
    /// Returns <see langword="true"/> if every given tag is present with an equal value; other tags may also be present.
    /// </summary>
    public bool HasTags(params ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var (name, expected) in tags)
        {
            if (!HasTag(name, expected))
            {
                return false;
            }
        }

        return true;
    }
}
