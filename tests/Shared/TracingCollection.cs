namespace Router.Testing;

/// <summary>
/// The tests that read what a process-wide listener hears: exported spans (an activity listener hears every source of
/// its name in the process) and the answer path's allocations under a meter provider (the host's metrics listener hears
/// every <c>Router.*</c> meter). They run alone, never beside tests whose work would start spans or record on instruments
/// of the same names. Compiled into each test project that has such tests (xUnit finds collection definitions in the
/// test assembly only).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingCollection
{
    public const string Name = "Tracing";
}
