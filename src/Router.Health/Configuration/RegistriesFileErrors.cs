namespace Router.Health.Configuration;

/// <summary>
/// Errors of the lines of a <c>Health:RegistriesFile</c>, each as <c>Health:RegistriesFile:LINE:Key: reason</c>.
/// Bounded: a file of a million bad lines reports the first <see cref="MaxShown"/> and how many more there were.
/// </summary>
internal sealed class RegistriesFileErrors(List<string> errors, string keyPath, string fileName)
{
    /// <summary>Errors listed one by one; the rest are counted.</summary>
    public const int MaxShown = 100;

    private int _count;

    /// <summary>Every error added so far, shown or not.</summary>
    public int Count => _count;

    /// <summary>Adds the error of line <paramref name="line"/> (1-based), about <paramref name="key"/> or, when null, the whole line.</summary>
    public void Add(int line, string? key, string message)
    {
        if (_count++ < MaxShown)
        {
            errors.Add(key is null ? $"{keyPath}:{line}: {message}" : $"{keyPath}:{line}:{key}: {message}");
        }
    }

    /// <summary>Adds the count of the errors not shown, if any. Call once, after the last <see cref="Add"/>.</summary>
    public void Complete()
    {
        if (_count > MaxShown)
        {
            errors.Add($"{keyPath}: {_count - MaxShown} more error(s) in {fileName} not shown (the first {MaxShown} are above)");
        }
    }
}
