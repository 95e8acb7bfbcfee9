namespace Router.Testing;

/// <summary>
/// The tests that read exported spans. An activity listener hears every source of its name in the process, so these run
/// alone, never beside tests whose work would start spans of the same sources. Compiled into each test project that
/// reads spans (xUnit finds collection definitions in the test assembly only).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingCollection
{
    public const string Name = "Tracing";
}
