using System.Diagnostics;

namespace Router.Testing;

/// <summary>The environment of a child process a test starts.</summary>
public static class ChildEnvironment
{
    /// <summary>Sets each of <paramref name="variables"/> in <paramref name="info"/>'s environment; a null value removes one.</summary>
    public static void Apply(ProcessStartInfo info, IReadOnlyDictionary<string, string?>? variables)
    {
        ArgumentNullException.ThrowIfNull(info);
        foreach (var (key, value) in variables ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }
    }
}
