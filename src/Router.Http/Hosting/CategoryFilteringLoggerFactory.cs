using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Router.Http.Hosting;

/// <summary>Hands out the shared factory's loggers, except for categories under one of <paramref name="silencedPrefixes"/> (ordinal).</summary>
/// <remarks>
/// ASP.NET Core's hosting layer starts an Activity and a logging scope for every request as soon as any logger of its
/// category is enabled, even at Critical: a silenced category gets <see cref="NullLogger"/>, which is never enabled.
/// </remarks>
internal sealed class CategoryFilteringLoggerFactory(ILoggerFactory inner, IReadOnlyList<string> silencedPrefixes) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName)
    {
        foreach (string prefix in silencedPrefixes)
        {
            if (categoryName.StartsWith(prefix, StringComparison.Ordinal))
            {
                return NullLogger.Instance;
            }
        }

        return inner.CreateLogger(categoryName);
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    // The shared factory belongs to the process's host.
    public void Dispose()
    {
    }
}
