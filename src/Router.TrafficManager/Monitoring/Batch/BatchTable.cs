using System.Globalization;

namespace Router.TrafficManager.Monitoring.Batch;

/// <summary>
/// An origin's verdict table: every registry of the last complete document, with the incremental changes since applied.
/// Immutable: a new document makes a new table (<see cref="TryApply"/>), swapped in whole.
/// </summary>
internal sealed class BatchTable
{
    private readonly Dictionary<string, BatchVerdict> _verdicts;

    private BatchTable(string region, long version, Dictionary<string, BatchVerdict> verdicts, BatchOrigin origin)
    {
        Region = region;
        Version = version;
        _verdicts = verdicts;
        Source = string.Create(CultureInfo.InvariantCulture, $"batch {origin} version {version} ({region})");
    }

    public string Region { get; }

    public long Version { get; }

    public int Count => _verdicts.Count;

    /// <summary>Where a result read from this table came from, for <see cref="ProbeResult.Source"/>: <c>batch http://…/health/registries version 17… (eastus)</c>.</summary>
    public string Source { get; }

    public bool TryGet(string registry, out BatchVerdict verdict) => _verdicts.TryGetValue(registry, out verdict);

    /// <summary>
    /// The table after <paramref name="document"/>: a complete document replaces it, an incremental one updates the
    /// registries it lists. False (with <paramref name="error"/>) when an incremental document cannot follow this
    /// table: there is none yet, or it is from another region or an older version.
    /// </summary>
    /// <param name="table">The current table; null before the first document.</param>
    /// <param name="document">The new document.</param>
    /// <param name="origin">Where it came from (for <see cref="Source"/>).</param>
    /// <param name="next">The new table, when true.</param>
    /// <param name="changed">The registries whose verdict (status or fail-open) is new, differs from this table's, or is gone.</param>
    /// <param name="error">Why the document cannot be applied, when false.</param>
    public static bool TryApply(BatchTable? table, BatchDocument document, BatchOrigin origin, out BatchTable? next, out List<string> changed, out string? error)
    {
        ArgumentNullException.ThrowIfNull(document);
        changed = [];
        next = null;
        error = null;
        Dictionary<string, BatchVerdict> verdicts;
        if (document.Complete)
        {
            verdicts = document.Verdicts;
        }
        else if (table is null)
        {
            error = "malformed batch document: an incremental document ('complete': false) answered a full request";
            return false;
        }
        else if (!string.Equals(table.Region, document.Region, StringComparison.Ordinal) || document.Version < table.Version)
        {
            error = string.Create(CultureInfo.InvariantCulture,
                $"malformed batch document: an incremental document of {document.Region} version {document.Version} does not follow {table.Region} version {table.Version}");
            return false;
        }
        else
        {
            verdicts = new Dictionary<string, BatchVerdict>(table._verdicts, StringComparer.OrdinalIgnoreCase);
            foreach (var (name, verdict) in document.Verdicts)
            {
                verdicts[name] = verdict;
            }
        }

        if (table is not null)
        {
            foreach (var (name, verdict) in document.Verdicts)
            {
                if (!table._verdicts.TryGetValue(name, out var before) || verdict.DiffersFrom(before))
                {
                    changed.Add(name);
                }
            }

            if (document.Complete)
            {
                foreach (var name in table._verdicts.Keys)
                {
                    if (!verdicts.ContainsKey(name))
                    {
                        changed.Add(name); // gone from the document: now a failure
                    }
                }
            }
        }

        next = new BatchTable(document.Region, document.Version, verdicts, origin);
        return true;
    }
}
