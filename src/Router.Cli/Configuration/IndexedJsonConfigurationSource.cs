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
    /// <param name="fullPath">The JSON file.</param>
    /// <param name="setAside">See <see cref="SetAside"/>.</param>
    public static IndexedJsonConfigurationSource ForFile(string fullPath, string? setAside = null)
    {
        var source = new IndexedJsonConfigurationSource { Path = fullPath, Optional = false, ReloadOnChange = false, SetAside = setAside };
        source.ResolveFileProvider();
        return source;
    }

    /// <summary>
    /// The key path of a JSON array (<c>TrafficManager:Profiles</c>) that is left out of the configuration's keys and
    /// kept as JSON instead (<see cref="IndexedJsonConfigurationProvider.SetAsideJson"/>), for a reader that binds it
    /// without a key per value (<see cref="JsonOptionsReader"/>). Null keeps every key.
    /// </summary>
    public string? SetAside { get; init; }

    public override IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        EnsureDefaults(builder);
        return new IndexedJsonConfigurationProvider(this);
    }
}

/// <summary>The provider of <see cref="IndexedJsonConfigurationSource"/>.</summary>
internal sealed class IndexedJsonConfigurationProvider(IndexedJsonConfigurationSource source) : JsonConfigurationProvider(source)
{
    private Dictionary<string, List<string>> _children = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The JSON array at <see cref="IndexedJsonConfigurationSource.SetAside"/> as the file has it (the configuration has
    /// an empty list there); null when the file has no array at that path.
    /// </summary>
    public ReadOnlyMemory<byte>? SetAsideJson { get; private set; }

    public override void Load(Stream stream)
    {
        SetAsideJson = null;
        if (source.SetAside is { } path)
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] json = copy.ToArray();
            if (JsonArrayLocator.TryFind(json, path, out var range))
            {
                SetAsideJson = json.AsMemory(range);
                byte[] rest = [.. json.AsSpan(0, range.Start.Value), .. "[]"u8, .. json.AsSpan(range.End.Value)];
                base.Load(new MemoryStream(rest));
            }
            else
            {
                base.Load(new MemoryStream(json));
            }
        }
        else
        {
            base.Load(stream);
        }

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
