using Router.Health.Configuration;
using Router.Health.Evaluation;
using Router.Health.Topology;

namespace Router.Health.Monitoring;

/// <summary>
/// What the health endpoints read: one configuration's topology and the current state of each resource. The topology
/// is immutable; each element of <see cref="States"/> is an immutable record the monitor replaces atomically, so a
/// reader never waits on a probe and never sees a half-written state.
/// </summary>
internal sealed class HealthSnapshot
{
    public HealthSnapshot(HealthTopology topology, ResourceHealth[] states, HealthOptions options)
    {
        Topology = topology;
        States = states;
        Region = options.Region ?? string.Empty;
        DeepEvaluation = options.DeepEvaluation;
        StaleAfter = TimeSpan.FromSeconds(options.Evaluation.StaleAfterSeconds);
        Interval = TimeSpan.FromSeconds(options.Evaluation.IntervalSeconds);
        RegistryStates = new HealthState[topology.Registries.Length];
        Dependents = BuildDependents(topology);
    }

    public HealthTopology Topology { get; }

    public ResourceHealth[] States { get; }

    public string Region { get; }

    public DeepEvaluationMode DeepEvaluation { get; }

    public TimeSpan StaleAfter { get; }

    public TimeSpan Interval { get; }

    /// <summary>The last verdict of each registry as logged (transitions only), guarded by the monitor's lock.</summary>
    public HealthState[] RegistryStates { get; }

    /// <summary>For each resource, the registries that depend on it.</summary>
    public int[][] Dependents { get; }

    public RegistryVerdict Evaluate(int registry, DateTimeOffset now) =>
        RegistryEvaluator.Evaluate(Topology.Registries[registry], States, Topology, DeepEvaluation, StaleAfter, now);

    private static int[][] BuildDependents(HealthTopology topology)
    {
        var counts = new int[topology.Resources.Length];
        foreach (var registry in topology.Registries)
        {
            for (int k = 0; k < RegistryDefinition.KindCount; k++)
            {
                int index = registry[(ResourceKind)k];
                if (index >= 0)
                {
                    counts[index]++;
                }
            }
        }

        var result = new int[counts.Length][];
        for (int i = 0; i < counts.Length; i++)
        {
            result[i] = new int[counts[i]];
            counts[i] = 0;
        }

        for (int r = 0; r < topology.Registries.Length; r++)
        {
            for (int k = 0; k < RegistryDefinition.KindCount; k++)
            {
                int index = topology.Registries[r][(ResourceKind)k];
                if (index >= 0)
                {
                    result[index][counts[index]++] = r;
                }
            }
        }

        return result;
    }
}
