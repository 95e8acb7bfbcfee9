namespace Router.Health.Checks;

/// <summary>What one <see cref="FilesystemCheck"/> probes: an absolute directory path.</summary>
internal sealed record FilesystemCheckSettings(string Path) : ICheckSettings
{
    public string Type => CheckTypes.Filesystem;
}
