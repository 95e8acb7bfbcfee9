using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace Router.Cli.Configuration;

/// <summary>
/// A JSON configuration source whose provider answers "which keys are under this path" from an index.
/// </summary>
/// <remarks>
/// The stock provider scans every key of the file for each such question, and the binder asks it once per object, so
/// binding a list of a million registries is quadratic (hours). With the index it is linear. Values, key syntax,
/// arrays as <c>:0</c>, <c>:1</c> … and environment overrides behave exactly as with <c>AddJsonFile</c>.
/// </remarks>
internal sealed class IndexedJsonConfigurationSource : JsonConfigurationSource
{
    /// <summary>A source for the file at absolute <paramref name="fullPath"/>, required, not watched.</summary>
    public static IndexedJsonConfigurationSource ForFile(string fullPath)
    {
        var source = new IndexedJsonConfigurationSource { Path = fullPath, Optional = false, ReloadOnChange = false };
        source.ResolveFileProvider();
        return source;
    }

    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new IndexedJsonConfigurationProvider(this);
    }
}

/// <summary>The provider of <see cref="IndexedJsonConfigurationSource"/>.</summary>
internal sealed class IndexedJsonConfigurationProvider(JsonConfigurationSource source) : JsonConfigurationProvider(source)
{
    private Dictionary<string, List<string>> _children = new(StringComparer.OrdinalIgnoreCase);

    public override void Load(Stream stream)
    {
        base.Load(stream);
        _children = BuildIndex(Data.Keys);
    }

    public override void Set(string key, string? value)
    {
        base.Set(key, value);
        _children = BuildIndex(Data.Keys);
    }

    public override IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath)
    {
        var results = new List<string>(earlierKeys);
        if (_children.TryGetValue(parentPath ?? string.Empty, out var children))
        {
            results.AddRange(children);
        }

        results.Sort(ConfigurationKeyComparer.Instance);
        return results;
    }

    /// <summary>For every path, the distinct next segments of the keys below it (the root is the empty path).</summary>
    private static Dictionary<string, List<string>> BuildIndex(IEnumerable<string> keys)
    {
        var index = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var lookup = index.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (string key in keys)
        {
            int start = 0;
            while (true)
            {
                int separator = key.IndexOf(ConfigurationPath.KeyDelimiter, start, StringComparison.Ordinal);
                ReadOnlySpan<char> parent = start == 0 ? [] : key.AsSpan(0, start - 1);
                ReadOnlySpan<char> child = separator < 0 ? key.AsSpan(start) : key.AsSpan(start, separator - start);
                if (!lookup.TryGetValue(parent, out var list))
                {
                    list = [];
                    lookup[parent] = list;
                }

                // Keys below one parent arrive together, so comparing with the last child added skips nearly every
                // repeat; the configuration root removes any that remain.
                if (list.Count == 0 || !child.Equals(list[^1], StringComparison.OrdinalIgnoreCase))
                {
                    list.Add(child.ToString());
                }

                if (separator < 0)
                {
                    break;
                }

                start = separator + 1;
            }
        }

        return index;
    }
}
