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
/// </summary>
/// <remarks>
/// A request then only picks the reading by comparing the clock with <see cref="StaleAfterUtcTicks"/> and copies
/// bytes. The texts come from <see cref="RegistryEvaluator.Explain"/>, the one the monitor's transition logs use.
/// </remarks>
internal sealed class EncodedResource
{
    /// <summary>The same relaxed escaping as every other body: reasons stay readable ("storage 'sa-1'", not \u0027).</summary>
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private EncodedResource(ResourceHealth health, long staleAfterUtcTicks, EncodedReading fresh, EncodedReading stale)
    {
        Health = health;
        StaleAfterUtcTicks = staleAfterUtcTicks;
        Fresh = fresh;
        Stale = stale;
    }

    /// <summary>The state this was encoded from.</summary>
    public ResourceHealth Health { get; }

    /// <summary>The reading is <see cref="Stale"/> at instants whose UTC ticks are greater than this.</summary>
    public long StaleAfterUtcTicks { get; }

    /// <summary>The reading while the data is fresh.</summary>
    public EncodedReading Fresh { get; }

    /// <summary>The reading once the data is stale (state <c>Unknown</c>, <c>stale: true</c>, fail-open).</summary>
    public EncodedReading Stale { get; }

    /// <summary>The reading at <paramref name="utcTicks"/>.</summary>
    public EncodedReading At(long utcTicks) => utcTicks > StaleAfterUtcTicks ? Stale : Fresh;

    /// <summary>
    /// Encodes <paramref name="health"/>, reusing <paramref name="previous"/>'s bytes when nothing they show changed
    /// (a healthy resource's probes change only its timestamps and streak of successes).
    /// </summary>
    public static EncodedResource Create(ResourceDefinition resource, ResourceHealth health, TimeSpan staleAfter, EncodedResource? previous)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(health);
        long staleAt = RegistryEvaluator.StaleAfterUtcTicks(health, staleAfter);
        if (previous is not null && ShowsTheSame(previous.Health, health))
        {
            return new EncodedResource(health, staleAt, previous.Fresh, previous.Stale);
        }

        // Views "just before" and "long after" the deadline; only Stale and EffectiveState differ between them.
        var fresh = RegistryEvaluator.View(resource.Kind, 0, health, staleAfter, health.LastConclusiveAt ?? DateTimeOffset.MinValue);
        var stale = fresh with { Stale = true, EffectiveState = HealthState.Unknown };
        if (fresh.Stale)
        {
            fresh = stale;
        }

        return new EncodedResource(health, staleAt, Encode(resource, fresh, staleAfter), Encode(resource, stale, staleAfter));
    }

    /// <summary>Whether two states give the same bytes (the inputs of <see cref="Encode"/> and of the reasons).</summary>
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
            writer.WriteEndObject();
        }

        var (effect, reason) = RegistryEvaluator.Explain(view, resource.Id, staleAfter);
        return new EncodedReading(buffer.WrittenSpan.ToArray(), effect, reason is null ? [] : JsonEncodedText.Encode(reason, Encoder).EncodedUtf8Bytes.ToArray());
    }
}
