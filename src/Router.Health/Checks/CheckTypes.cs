namespace Router.Health.Checks;

/// <summary>The values of <c>Check:Type</c>, as <see cref="IResourceCheck.Type"/> reports them.</summary>
internal static class CheckTypes
{
    public const string Filesystem = "Filesystem";
    public const string Http = "Http";
    public const string Tcp = "Tcp";
    public const string Redis = "Redis";
    public const string Postgres = "Postgres";
    public const string Registry = "Registry";
    public const string Dns = "Dns";

    /// <summary>Every type, in the order error messages list them.</summary>
    public static readonly IReadOnlyList<string> All = [Filesystem, Http, Tcp, Redis, Postgres, Registry, Dns];
}
