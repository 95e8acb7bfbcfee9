using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Router.Health.Configuration;
using Router.Health.Evaluation;
using Router.Health.Monitoring;
using Router.Health.Topology;

namespace Router.Health.Http;

/// <summary>
/// One registry's verdict read from the snapshot's pre-encoded resources (<see cref="EncodedResource"/>) at one
/// instant: each dependency's reading, what they make of the verdict, and the lengths of its encoded parts. The one
/// place a verdict's reason is put together for an HTTP body; <c>GET /health/registries/{name}</c> and the batch
/// document both write from it. Lives on the stack; reading it allocates nothing.
/// </summary>
internal struct EncodedVerdict
{
    private static readonly byte[] ReasonSeparator = Encoding.UTF8.GetBytes(RegistryEvaluator.ReasonSeparator);
    private static readonly byte[] DisabledReason = JsonEncodedText.Encode(RegistryEvaluator.DeepEvaluationDisabledReason, EncodedResource.Encoder).EncodedUtf8Bytes.ToArray();

    private static ReadOnlySpan<byte> DegradedZonesPart => ",\"degradedZones\":["u8;

    private Readings _readings;

    /// <summary>The zones' names as quoted JSON strings, by bit (the snapshot's).</summary>
    private byte[][] _zoneJson;

    /// <summary>The registry's zone rule when it failed (its reason ends the verdict's reason); else null.</summary>
    private RegistryZones? _noZoneServes;

    /// <summary>The number of dependencies (readings).</summary>
    public int Count { get; private set; }

    public HealthState Status { get; private set; }

    public bool FailOpen { get; private set; }

    /// <summary>Whether the kill switch is on for this registry (globally or for it).</summary>
    public bool Disabled { get; private set; }

    /// <summary>Whether the verdict has a reason (the kill switch, or dependencies of the effect it names).</summary>
    public readonly bool HasReason => Disabled || ReasonCount > 0;

    /// <summary>The length of the reason's escaped content (no quotes); 0 without a reason.</summary>
    public int ReasonLength { get; private set; }

    /// <summary>The length of the dependencies' objects joined by commas (no brackets).</summary>
    public int DependenciesLength { get; private set; }

    /// <summary>The zones in which a zonal dependency has an Unhealthy instance (<c>degradedZones</c>), one bit each.</summary>
    public ulong LostZones { get; private set; }

    /// <summary>The length of <c>,"degradedZones":[…]</c>; 0 when no zone is lost.</summary>
    public int DegradedZonesLength { get; private set; }

    private DependencyEffect ReasonEffect { get; set; }

    private int ReasonCount { get; set; }

    /// <summary>Reads registry <paramref name="index"/>'s dependencies as they are at <paramref name="utcTicks"/>.</summary>
    public static EncodedVerdict Read(HealthSnapshot snapshot, int index, long utcTicks)
    {
        ref readonly var registry = ref snapshot.Topology.Registries[index];
        var verdict = default(EncodedVerdict);
        int count = 0;
        int dependenciesLength = 0;
        int unhealthyLength = 0;
        int failOpenLength = 0;
        int unhealthyCount = 0;
        int failOpenCount = 0;
        ulong lost = 0;
        for (int k = 0; k < RegistryDefinition.KindCount; k++)
        {
            int resource = registry[(ResourceKind)k];
            if (resource < 0)
            {
                continue;
            }

            var reading = Volatile.Read(ref snapshot.Encoded[resource]).At(utcTicks);
            verdict._readings[count++] = reading;
            dependenciesLength += reading.Json.Length;
            lost |= reading.LostZones;
            if (reading.Effect == DependencyEffect.Unhealthy)
            {
                unhealthyLength += reading.Reason.Length;
                unhealthyCount++;
            }
            else if (reading.Effect == DependencyEffect.FailOpen)
            {
                failOpenLength += reading.Reason.Length;
                failOpenCount++;
            }
        }

        bool disabled = RegistryEvaluator.IsDeepEvaluationDisabled(snapshot.DeepEvaluation, registry);
        bool noZoneServes = !disabled && RegistryZones.NoZoneServes(registry.Zones, lost);
        if (noZoneServes)
        {
            // The zone rule's reason counts as one more unhealthy part, after the dependencies'.
            verdict._noZoneServes = registry.Zones;
            unhealthyLength += registry.Zones!.ReasonJson.Length;
            unhealthyCount++;
        }

        var (state, failOpen, reasonEffect) = RegistryEvaluator.Combine(disabled, unhealthyCount > 0, failOpenCount > 0, noZoneServes);

        // The reason: the kill switch; else every dependency of the effect the verdict names; else none.
        int reasonCount = disabled ? 0 : reasonEffect == DependencyEffect.Unhealthy ? unhealthyCount : failOpenCount;
        int reasonLength = disabled
            ? DisabledReason.Length
            : reasonCount == 0 ? 0 : (reasonEffect == DependencyEffect.Unhealthy ? unhealthyLength : failOpenLength) + ((reasonCount - 1) * ReasonSeparator.Length);

        verdict.Count = count;
        verdict.Status = state;
        verdict.FailOpen = failOpen;
        verdict.Disabled = disabled;
        verdict.ReasonEffect = reasonEffect;
        verdict.ReasonCount = reasonCount;
        verdict.ReasonLength = reasonLength;
        verdict.DependenciesLength = dependenciesLength + Math.Max(count - 1, 0);
        verdict.LostZones = lost;
        verdict._zoneJson = snapshot.ZoneJson;
        if (lost != 0)
        {
            int length = DegradedZonesPart.Length;
            for (ulong rest = lost; rest != 0; rest &= rest - 1)
            {
                length += snapshot.ZoneJson[System.Numerics.BitOperations.TrailingZeroCount(rest)].Length + 1;
            }

            // Each name is followed by a comma but the last, which the closing bracket follows instead.
            verdict.DegradedZonesLength = length;
        }

        return verdict;
    }

    /// <summary>Writes the reason's escaped content (no quotes), <see cref="ReasonLength"/> bytes.</summary>
    public readonly void WriteReason(Span<byte> body, ref int at)
    {
        if (Disabled)
        {
            Append(body, ref at, DisabledReason);
            return;
        }

        bool first = true;
        for (int i = 0; i < Count; i++)
        {
            var reading = _readings[i];
            if (reading.Effect != ReasonEffect)
            {
                continue;
            }

            if (!first)
            {
                Append(body, ref at, ReasonSeparator);
            }

            Append(body, ref at, reading.Reason);
            first = false;
        }

        if (_noZoneServes is not null)
        {
            if (!first)
            {
                Append(body, ref at, ReasonSeparator);
            }

            Append(body, ref at, _noZoneServes.ReasonJson);
        }
    }

    /// <summary>Writes <c>,"degradedZones":["2",…]</c>, <see cref="DegradedZonesLength"/> bytes (nothing when no zone is lost).</summary>
    public readonly void WriteDegradedZones(Span<byte> body, ref int at)
    {
        if (LostZones == 0)
        {
            return;
        }

        Append(body, ref at, DegradedZonesPart);
        bool first = true;
        for (ulong rest = LostZones; rest != 0; rest &= rest - 1)
        {
            if (!first)
            {
                body[at++] = (byte)',';
            }

            Append(body, ref at, _zoneJson[System.Numerics.BitOperations.TrailingZeroCount(rest)]);
            first = false;
        }

        body[at++] = (byte)']';
    }

    /// <summary>Writes the dependencies' objects joined by commas (no brackets), <see cref="DependenciesLength"/> bytes.</summary>
    public readonly void WriteDependencies(Span<byte> body, ref int at)
    {
        for (int i = 0; i < Count; i++)
        {
            if (i > 0)
            {
                body[at++] = (byte)',';
            }

            Append(body, ref at, _readings[i].Json);
        }
    }

    /// <summary>Copies <paramref name="part"/> to <paramref name="body"/> at <paramref name="at"/> and moves past it.</summary>
    public static void Append(Span<byte> body, ref int at, ReadOnlySpan<byte> part)
    {
        part.CopyTo(body[at..]);
        at += part.Length;
    }

    /// <summary>
    /// A registry's name as escaped JSON string content: transcoded into <paramref name="scratch"/> when it fits and
    /// needs no escaping (the usual case), else escaped into a new array.
    /// </summary>
    public static ReadOnlySpan<byte> EncodeName(string name, Span<byte> scratch)
    {
        if (Encoding.UTF8.TryGetBytes(name, scratch, out int written)
            && EncodedResource.Encoder.FindFirstCharacterToEncodeUtf8(scratch[..written]) < 0)
        {
            return scratch[..written];
        }

        return JsonEncodedText.Encode(name, EncodedResource.Encoder).EncodedUtf8Bytes;
    }

    /// <summary>A registry's readings: at most one per kind, kept inline.</summary>
    [InlineArray(RegistryDefinition.KindCount)]
    private struct Readings
    {
        private EncodedReading _element;
    }
}
