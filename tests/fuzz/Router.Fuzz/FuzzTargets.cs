namespace Router.Fuzz;

/// <summary>
/// The fuzz targets by name. Each takes untrusted bytes the way the production caller does and throws only for a
/// bug: an exception that caller would not catch, or a broken invariant (<see cref="FuzzInvariantException"/>).
/// </summary>
internal static class FuzzTargets
{
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["dns"] = DnsTarget.Run,
        ["resp"] = RespTarget.Run,
        ["config"] = ConfigTarget.Run,
        ["registry"] = RegistryTarget.Run,
    };
}
