namespace Router.Health.Configuration;

/// <summary>
/// The registries of a <c>Health:RegistriesFile</c>, as read: compact rows, with the resource ids they name kept
/// once each (<see cref="ResourceIds"/>) and referred to by index, so a million registries cost one name string and
/// a few integers each.
/// </summary>
internal sealed class RegistryTable(IReadOnlyList<RegistryRow> rows, string[] resourceIds, string fileName)
{
    /// <summary>The rows in file order, each with the line it came from.</summary>
    public IReadOnlyList<RegistryRow> Rows { get; } = rows;

    /// <summary>Every distinct resource id the file names; a row's resource fields index into it (-1: none).</summary>
    public string[] ResourceIds { get; } = resourceIds;

    /// <summary>The file's name as the configuration gave it, for error messages.</summary>
    public string FileName { get; } = fileName;
}

/// <summary>
/// One registry line: its name and, for each kind, an index into <see cref="RegistryTable.ResourceIds"/> (-1: none).
/// </summary>
internal readonly record struct RegistryRow(string? Name, int Storage, int Cache, int Auth, int Container, int Metadata,
    DeepEvaluationMode? DeepEvaluation, int Line);
