using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Router.Health.Evaluation;
using Router.Health.Topology;

namespace Router.Health.Http;

/// <summary>
/// One resource's state as <c>GET /health/registries/{name}</c> writes it, encoded once per state change instead of
/// once per request: its entry of <c>dependencies</c> and its part of the verdict's <c>reason</c>, both for a fresh
/// and for a stale reading. Immutable; the monitor publishes a new one next to every new <see cref="ResourceHealth"/>.
/// A zone pool has one reading per window between its instances' staleness deadlines (its instances go stale one by
/// one, in deadline order), with its <c>zones</c> and lost zones.
/// </summary>
/// <remarks>
/// A request then only picks the reading by comparing the clock with the deadlines and copies bytes. The texts come
/// from <see cref="RegistryEvaluator.Explain(in DependencyView, ResourceDefinition, TimeSpan, DateTimeOffset)"/>, the
/// one the monitor's transition logs use.
/// </remarks>
internal sealed class EncodedResource
{
    /// <summary>The same relaxed escaping as every other body: reasons stay readable ("storage 'sa-1'", not \u0027).</summary>
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>Ascending; reading k holds at instants after deadline k - 1 up to deadline k.</summary>
    private readonly long[] _deadlines;

    private readonly EncodedReading[] _readings;

    private EncodedResource(ResourceHealth health, long[] deadlines, EncodedReading[] readings)
    {
        Health = health;
        _deadlines = deadlines;
        _readings = readings;
    }

    /// <summary>The state this was encoded from.</summary>
    public ResourceHealth Health { get; }

    /// <summary>The reading at <paramref name="utcTicks"/>.</summary>
    public EncodedReading At(long utcTicks)
    {
        int k = 0;
        while (k < _deadlines.Length && utcTicks > _deadlines[k])
        {
            k++;
        }

        return _readings[k];
    }

    /// <summary>
    /// The first instant (UTC ticks), at or after <paramref name="utcTicks"/>, after which the reading changes with time
    /// alone (data going stale); <see cref="long.MaxValue"/> when none.
    /// </summary>
    public long NextDeadline(long utcTicks)
    {
        foreach (long deadline in _deadlines)
        {
            if (deadline >= utcTicks)
            {
                return deadline;
            }
        }

        return long.MaxValue;
    }

    /// <summary>
    /// Encodes <paramref name="health"/>, reusing <paramref name="previous"/>'s bytes when nothing they show changed
    /// (a healthy resource's probes change only its timestamps and streak of successes).
    /// </summary>
    public static EncodedResource Create(ResourceDefinition resource, ResourceHealth health, TimeSpan staleAfter, EncodedResource? previous)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(health);
        if (resource.IsPool)
        {
            return CreatePool(resource, health, staleAfter);
        }

        long[] staleAt = [RegistryEvaluator.StaleAfterUtcTicks(health, staleAfter)];
        if (previous is not null && ShowsTheSame(previous.Health, health))
        {
            return new EncodedResource(health, staleAt, previous._readings);
        }

        // Views "just before" and "long after" the deadline; only Stale and EffectiveState differ between them.
        var fresh = RegistryEvaluator.View(resource.Kind, 0, health, staleAfter, health.LastConclusiveAt ?? DateTimeOffset.MinValue);
        var stale = fresh with { Stale = true, EffectiveState = HealthState.Unknown };
        if (fresh.Stale)
        {
            fresh = stale;
        }

        return new EncodedResource(health, staleAt, [Encode(resource, fresh, staleAfter), Encode(resource, stale, staleAfter)]);
    }

    /// <summary>
    /// A zone pool's readings: its instances sorted by staleness deadline, reading k with the first k of them stale.
    /// Encoded afresh on every state (a pool has a handful of instances).
    /// </summary>
    private static EncodedResource CreatePool(ResourceDefinition resource, ResourceHealth health, TimeSpan staleAfter)
    {
        var zones = health.Zones!;
        var order = new int[zones.Count];
        var deadlines = new long[zones.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
            deadlines[i] = RegistryEvaluator.StaleAfterUtcTicks(zones[i], staleAfter);
        }

        Array.Sort((long[])deadlines.Clone(), order);
        Array.Sort(deadlines);
        var readings = new EncodedReading[zones.Count + 1];
        Span<bool> stale = stackalloc bool[zones.Count];
        for (int k = 0; k <= zones.Count; k++)
        {
            if (k > 0)
            {
                stale[order[k - 1]] = true;
            }

            var view = ZonePoolRule.View(resource, 0, health, stale);
            var (effect, reason) = ZonePoolRule.Explain(view, resource, stale);
            readings[k] = Encode(resource, view, effect, reason, stale);
        }

        return new EncodedResource(health, deadlines, readings);
    }

    /// <summary>Whether two states give the same bytes (the inputs of the encoders and of the reasons).</summary>
    private static bool ShowsTheSame(ResourceHealth a, ResourceHealth b) =>
        a.State == b.State
        && a.Since == b.Since
        && a.ConsecutiveFailures == b.ConsecutiveFailures
        && string.Equals(a.LastError, b.LastError, StringComparison.Ordinal)
        && (a.LastConclusiveAt is null) == (b.LastConclusiveAt is null)
        && (a.LastConclusiveAt is not null
            || ((a.LastResult is null) == (b.LastResult is null) && string.Equals(a.LastResult?.Error, b.LastResult?.Error, StringComparison.Ordinal)));

    private static EncodedReading Encode(ResourceDefinition resource, in DependencyView view, TimeSpan staleAfter)
    {
        var (effect, reason) = RegistryEvaluator.Explain(view, resource.Id, staleAfter);
        return Encode(resource, view, effect, reason, []);
    }

    /// <summary>
    /// The dependency's object; a pool's also has <c>zones</c>: <c>[{"zone","state","since","lastError","stale"}]</c>,
    /// each instance as it counts with <paramref name="stale"/>.
    /// </summary>
    private static EncodedReading Encode(ResourceDefinition resource, in DependencyView view, DependencyEffect effect, string? reason, ReadOnlySpan<bool> stale)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, Encoder = Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteString("kind"u8, HealthEndpoints.KindName(view.Kind));
            writer.WriteString("resource"u8, resource.Id);
            writer.WriteString("state"u8, HealthEndpoints.StateName(view.EffectiveState));
            writer.WriteString("since"u8, view.Health.Since);
            writer.WriteNumber("consecutiveFailures"u8, view.Health.ConsecutiveFailures);
            HealthEndpoints.WriteNullable(writer, "lastError"u8, view.Health.LastError);
            writer.WriteBoolean("stale"u8, view.Stale);
            if (view.Health.Zones is { } zones)
            {
                writer.WriteStartArray("zones"u8);
                for (int i = 0; i < zones.Count; i++)
                {
                    writer.WriteStartObject();
                    writer.WriteString("zone"u8, resource.Probes[i].Zone);
                    writer.WriteString("state"u8, HealthEndpoints.StateName(stale[i] ? HealthState.Unknown : zones[i].State));
                    writer.WriteString("since"u8, zones[i].Since);
                    HealthEndpoints.WriteNullable(writer, "lastError"u8, zones[i].LastError);
                    writer.WriteBoolean("stale"u8, stale[i]);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return new EncodedReading(buffer.WrittenSpan.ToArray(), effect,
            reason is null ? [] : JsonEncodedText.Encode(reason, Encoder).EncodedUtf8Bytes.ToArray(), view.LostZones);
    }
}
