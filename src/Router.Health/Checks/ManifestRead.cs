namespace Router.Health.Checks;

/// <summary>What one manifest GET found: a failure reason, an index (its first entry), or an image manifest (the blob to HEAD).</summary>
internal sealed record ManifestRead(string? Failure, bool IsIndex, Descriptor? Child, Descriptor? Blob)
{
    public static ManifestRead Failed(string failure) => new(failure, false, null, null);

    public static ManifestRead Index(Descriptor? child) => new(null, true, child, null);

    public static ManifestRead Image(Descriptor? blob) => new(null, false, null, blob);
}
