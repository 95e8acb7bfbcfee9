using Router.Health.Configuration;
using System.Text.Json;
using Router.Health.Evaluation;
using Router.Health.Http;
using Router.Health.Topology;

namespace Router.Health.Monitoring;

/// <summary>
/// What the health endpoints read: one configuration's topology and the current state of each resource. The topology
/// is immutable; each element of <see cref="States"/> is an immutable record the monitor replaces atomically, so a
/// reader never waits on a probe and never sees a half-written state.
/// </summary>
internal sealed class HealthSnapshot
{
    /// <param name="topology">The configuration's topology.</param>
    /// <param name="states">Each resource's state to start from.</param>
    /// <param name="options">The configuration (region, kill switch, timings).</param>
    /// <param name="firstVersion">The batch document's version before any change (<see cref="Journal"/>).</param>
    /// <param name="now">When the snapshot is made, for the journal's first readings.</param>
    public HealthSnapshot(HealthTopology topology, ResourceHealth[] states, HealthOptions options, long firstVersion, DateTimeOffset now)
    {
        Topology = topology;
        States = states;
        Region = options.Region ?? string.Empty;
        DeepEvaluation = options.DeepEvaluation;
        StaleAfter = TimeSpan.FromSeconds(options.Evaluation.StaleAfterSeconds);
        Interval = TimeSpan.FromSeconds(options.Evaluation.IntervalSeconds);
        RegistryStates = new HealthState[topology.Registries.Length];
        Dependents = BuildDependents(topology);
        RegionJson = JsonEncodedText.Encode(Region, EncodedResource.Encoder).EncodedUtf8Bytes.ToArray();
        ZoneJson = [.. topology.ZoneNames.Select(zone => System.Text.Encoding.UTF8.GetBytes($"\"{JsonEncodedText.Encode(zone, EncodedResource.Encoder)}\""))];
        Encoded = new EncodedResource[states.Length];
        for (int i = 0; i < states.Length; i++)
        {
            Encoded[i] = EncodedResource.Create(topology.Resources[i], states[i], StaleAfter, previous: null);
        }

        PoolLocks = [.. topology.Resources.Select(resource => resource.IsPool ? new Lock() : null)];
        Journal = new VerdictJournal(this, firstVersion, now.UtcTicks);
    }

    /// <summary>For each zone pool, the lock its instances' loops publish under (one writer at a time); null for others.</summary>
    public Lock?[] PoolLocks { get; }

    /// <summary>The versions of this configuration's verdicts and their changes (the batch document's).</summary>
    public VerdictJournal Journal { get; }

    public HealthTopology Topology { get; }

    public ResourceHealth[] States { get; }

    public string Region { get; }

    /// <summary><see cref="Region"/> as escaped JSON string content (no quotes).</summary>
    public byte[] RegionJson { get; }

    /// <summary>Each zone of <see cref="HealthTopology.ZoneNames"/> as a quoted JSON string, by bit.</summary>
    public byte[][] ZoneJson { get; }

    /// <summary>
    /// For each resource, its current element of <see cref="States"/> encoded for the registry endpoint; replaced
    /// with it by <see cref="Publish"/>. Readers take one element and use only it, so they always see one state.
    /// </summary>
    public EncodedResource[] Encoded { get; }

    public DeepEvaluationMode DeepEvaluation { get; }

    public TimeSpan StaleAfter { get; }

    public TimeSpan Interval { get; }

    /// <summary>The last verdict of each registry as logged (transitions only), guarded by the monitor's lock.</summary>
    public HealthState[] RegistryStates { get; }

    /// <summary>For each resource, the registries that depend on it.</summary>
    public int[][] Dependents { get; }

    /// <summary>
    /// Publishes the next state of resource <paramref name="index"/>. One writer per resource at a time: its probe loop,
    /// or for a zone pool its instances' loops one after the other (under the pool's lock).
    /// </summary>
    public void Publish(int index, ResourceHealth next)
    {
        Volatile.Write(ref States[index], next);
        var encoded = EncodedResource.Create(Topology.Resources[index], next, StaleAfter, Volatile.Read(ref Encoded[index]));
        Volatile.Write(ref Encoded[index], encoded);
    }

    public RegistryVerdict Evaluate(int registry, DateTimeOffset now) =>
        RegistryEvaluator.Evaluate(Topology.Registries[registry], States, Topology, DeepEvaluation, StaleAfter, now);

    /// <summary>The status of <see cref="Evaluate"/> without its reason (no allocation).</summary>
    public HealthState Status(int registry, DateTimeOffset now) =>
        RegistryEvaluator.Status(Topology.Registries[registry], States, Topology, DeepEvaluation, StaleAfter, now);

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
