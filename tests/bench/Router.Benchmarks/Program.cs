using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Router.Benchmarks;

/// <summary>
/// Micro-benchmarks of the DNS answer path. BenchmarkDotNet 0.14 does not know net10.0 monikers, so benchmarks run
/// in-process (InProcessEmitToolchain): same JIT, same GC settings as the server.
/// </summary>
public static class Program
{
    /// <summary>Runs the benchmarks; <c>--full</c> asks for BenchmarkDotNet's default (longer) job instead of ShortRun.</summary>
    public static void Main(string[] args)
    {
        bool full = args.Contains("--full");
        var job = (full ? Job.Default : Job.ShortRun).WithToolchain(InProcessEmitToolchain.Instance);
        var config = DefaultConfig.Instance
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. args.Where(a => a != "--full")], config);
    }
}
