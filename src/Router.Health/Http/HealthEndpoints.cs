using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Router.Health.Configuration;
using Router.Health.Evaluation;
using Router.Health.Monitoring;
using Router.Health.Topology;

namespace Router.Health.Http;

/// <summary>
/// The health endpoints of the contract, answered from the monitor's snapshot (no probing on the request path):
/// <c>GET|HEAD /health/registries/{name}</c> (200 / 503 / 404), <c>/health/live</c> and <c>/health/resources</c>.
/// One request delegate, no routing middleware: the path is matched by hand and the registry looked up by span.
/// </summary>
internal sealed class HealthEndpoints(HealthMonitor monitor)
{
    public const string RegistriesPrefix = "/health/registries/";
    public const string LivePath = "/health/live";
    public const string ResourcesPath = "/health/resources";

    // Relaxed escaping keeps reasons readable ("storage 'sa-1'", not \u0027); the body is JSON, never HTML.
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Encoder = EncodedResource.Encoder };
    private static readonly byte[] LiveBody = "{\"status\":\"Healthy\"}"u8.ToArray();

    private const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>Names longer than this (in UTF-8) take the escaping path, which allocates.</summary>
    private const int MaxStackNameBytes = 512;

    // The constant parts of a verdict, in order: {"registry":"NAME","region":"REGION","status":"…","failOpen":…,
    // "reason":…,"dependencies":[DEPENDENCY,…]}. Field order and spelling as the contract and the earlier writer.
    private static ReadOnlySpan<byte> RegistryPart => "{\"registry\":\""u8;
    private static ReadOnlySpan<byte> RegionPart => "\",\"region\":\""u8;
    private static ReadOnlySpan<byte> HealthyStatusPart => "\",\"status\":\"Healthy\""u8;
    private static ReadOnlySpan<byte> UnhealthyStatusPart => "\",\"status\":\"Unhealthy\""u8;
    private static ReadOnlySpan<byte> FailOpenTruePart => ",\"failOpen\":true,\"reason\":"u8;
    private static ReadOnlySpan<byte> FailOpenFalsePart => ",\"failOpen\":false,\"reason\":"u8;
    private static ReadOnlySpan<byte> NullLiteral => "null"u8;
    private static ReadOnlySpan<byte> DependenciesPart => ",\"dependencies\":["u8;
    private static ReadOnlySpan<byte> EndPart => "]}"u8;
    private static readonly byte[] ReasonSeparator = Encoding.UTF8.GetBytes(RegistryEvaluator.ReasonSeparator);
    private static readonly byte[] DisabledReason = JsonEncodedText.Encode(RegistryEvaluator.DeepEvaluationDisabledReason, EncodedResource.Encoder).EncodedUtf8Bytes.ToArray();

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        bool head = HttpMethods.IsHead(request.Method);
        response.Headers.CacheControl = "no-store";
        if (!head && !HttpMethods.IsGet(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return Task.CompletedTask;
        }

        string path = request.Path.Value ?? string.Empty;
        if (path.StartsWith(RegistriesPrefix, StringComparison.Ordinal))
        {
            return Registry(context, path.AsSpan(RegistriesPrefix.Length), head);
        }

        if (path == LivePath)
        {
            response.StatusCode = StatusCodes.Status200OK;
            return Json(response, LiveBody, head);
        }

        if (path == ResourcesPath)
        {
            return Resources(response, head);
        }

        response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private Task Registry(HttpContext context, ReadOnlySpan<char> name, bool head)
    {
        var response = context.Response;
        var snapshot = monitor.Snapshot;
        if (name.Length == 0 || name.Contains('/') || !snapshot.Topology.TryFindRegistry(name, out int index))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            var notFound = Begin();
            notFound.WriteStartObject();
            notFound.WriteString("error", "registry not found");
            notFound.WriteString("registry", name);
            notFound.WriteString("region", snapshot.Region);
            notFound.WriteEndObject();
            return End(response, head);
        }

        var now = monitor.TimeProvider.GetUtcNow();
        return Verdict(response, snapshot, index, now.UtcTicks, head);
    }

    /// <summary>
    /// Writes the verdict of registry <paramref name="index"/> from the snapshot's pre-encoded resources: one pass to
    /// pick each dependency's reading and size the body, one to copy bytes into the response. Allocates nothing
    /// unless the registry's name needs escaping.
    /// </summary>
    private Task Verdict(HttpResponse response, HealthSnapshot snapshot, int index, long utcTicks, bool head)
    {
        ref readonly var registry = ref snapshot.Topology.Registries[index];
        Span<byte> nameScratch = stackalloc byte[MaxStackNameBytes];
        var name = EncodeName(registry.Name, nameScratch);
        var region = snapshot.RegionJson;

        // Pass 1: the readings, what they do to the verdict, and the body's length.
        var readings = new Readings();
        int count = 0;
        int dependenciesLength = 0;
        int unhealthyLength = 0;
        int failOpenLength = 0;
        int unhealthyCount = 0;
        int failOpenCount = 0;
        for (int k = 0; k < RegistryDefinition.KindCount; k++)
        {
            int resource = registry[(ResourceKind)k];
            if (resource < 0)
            {
                continue;
            }

            var reading = Volatile.Read(ref snapshot.Encoded[resource]).At(utcTicks);
            readings[count++] = reading;
            dependenciesLength += reading.Json.Length;
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
        var (state, failOpen, reasonEffect) = RegistryEvaluator.Combine(disabled, unhealthyCount > 0, failOpenCount > 0);
        bool healthy = state != HealthState.Unhealthy;
        // The reason: the kill switch; else every dependency of the effect the verdict names; else null.
        int reasonCount = reasonEffect == DependencyEffect.Unhealthy ? unhealthyCount : failOpenCount;
        int reasonLength = disabled
            ? DisabledReason.Length
            : reasonCount == 0 ? 0 : (reasonEffect == DependencyEffect.Unhealthy ? unhealthyLength : failOpenLength) + ((reasonCount - 1) * ReasonSeparator.Length);

        monitor.Metrics.RegistryAnswered(healthy, failOpen);
        response.StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        var status = healthy ? HealthyStatusPart : UnhealthyStatusPart;
        var failOpenPart = failOpen ? FailOpenTruePart : FailOpenFalsePart;
        int length = RegistryPart.Length + name.Length + RegionPart.Length + region.Length + status.Length + failOpenPart.Length
            + (disabled || reasonCount > 0 ? reasonLength + 2 : NullLiteral.Length)
            + DependenciesPart.Length + dependenciesLength + Math.Max(count - 1, 0) + EndPart.Length;
        response.ContentType = JsonContentType;
        response.ContentLength = length;
        if (head)
        {
            return Task.CompletedTask;
        }

        // Pass 2: the bytes, straight into the response's buffer.
        var writer = response.BodyWriter;
        var body = writer.GetSpan(length);
        int at = 0;
        Append(body, ref at, RegistryPart);
        Append(body, ref at, name);
        Append(body, ref at, RegionPart);
        Append(body, ref at, region);
        Append(body, ref at, status);
        Append(body, ref at, failOpenPart);
        if (disabled)
        {
            body[at++] = (byte)'"';
            Append(body, ref at, DisabledReason);
            body[at++] = (byte)'"';
        }
        else if (reasonCount > 0)
        {
            body[at++] = (byte)'"';
            bool first = true;
            for (int i = 0; i < count; i++)
            {
                var reading = readings[i];
                if (reading.Effect != reasonEffect)
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

            body[at++] = (byte)'"';
        }
        else
        {
            Append(body, ref at, NullLiteral);
        }

        Append(body, ref at, DependenciesPart);
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
            {
                body[at++] = (byte)',';
            }

            Append(body, ref at, readings[i].Json);
        }

        Append(body, ref at, EndPart);
        Debug.Assert(at == length, "the body's length was computed from the same parts");
        writer.Advance(length);
        var flush = writer.FlushAsync();
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }

    /// <summary>
    /// The registry's name as escaped JSON string content: transcoded into <paramref name="scratch"/> when it fits and
    /// needs no escaping (the usual case), else escaped into a new array.
    /// </summary>
    private static ReadOnlySpan<byte> EncodeName(string name, Span<byte> scratch)
    {
        if (Encoding.UTF8.TryGetBytes(name, scratch, out int written)
            && EncodedResource.Encoder.FindFirstCharacterToEncodeUtf8(scratch[..written]) < 0)
        {
            return scratch[..written];
        }

        return JsonEncodedText.Encode(name, EncodedResource.Encoder).EncodedUtf8Bytes;
    }

    private static void Append(Span<byte> body, ref int at, ReadOnlySpan<byte> part)
    {
        part.CopyTo(body[at..]);
        at += part.Length;
    }

    /// <summary>A registry's readings: at most one per kind, kept on the stack.</summary>
    [InlineArray(RegistryDefinition.KindCount)]
    private struct Readings
    {
        private EncodedReading _element;
    }

    private Task Resources(HttpResponse response, bool head)
    {
        var snapshot = monitor.Snapshot;
        var now = monitor.TimeProvider.GetUtcNow();
        response.StatusCode = StatusCodes.Status200OK;
        var writer = Begin();
        writer.WriteStartObject();
        writer.WriteString("region"u8, snapshot.Region);
        writer.WriteString("deepEvaluation"u8, snapshot.DeepEvaluation == DeepEvaluationMode.Enabled ? "Enabled"u8 : "Disabled"u8);
        writer.WriteStartArray("resources"u8);
        for (int i = 0; i < snapshot.Topology.Resources.Length; i++)
        {
            var resource = snapshot.Topology.Resources[i];
            var view = RegistryEvaluator.View(resource.Kind, i, snapshot.States[i], snapshot.StaleAfter, now);
            var health = view.Health;
            writer.WriteStartObject();
            writer.WriteString("id"u8, resource.Id);
            writer.WriteString("kind"u8, KindName(resource.Kind));
            writer.WriteString("check"u8, resource.Check.Type);
            writer.WriteString("state"u8, StateName(view.EffectiveState));
            writer.WriteBoolean("stale"u8, view.Stale);
            writer.WriteString("since"u8, health.Since);
            writer.WriteNumber("consecutiveFailures"u8, health.ConsecutiveFailures);
            writer.WriteNumber("consecutiveSuccesses"u8, health.ConsecutiveSuccesses);
            writer.WriteNumber("dependents"u8, snapshot.Dependents[i].Length);
            if (health.LastResult is { } last)
            {
                writer.WriteStartObject("lastResult"u8);
                writer.WriteString("outcome"u8, last.Outcome.ToString());
                writer.WriteString("at"u8, health.LastCheckedAt!.Value);
                writer.WriteNumber("durationMs"u8, Math.Round(last.Duration.TotalMilliseconds, 1));
                WriteNullable(writer, "error"u8, last.Error);
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull("lastResult"u8);
            }

            WriteNullable(writer, "lastError"u8, health.LastError);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        return End(response, head);
    }

    private static Utf8JsonWriter Begin()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        return writer;
    }

    private static Task End(HttpResponse response, bool head)
    {
        t_writer!.Flush();
        // Copied into the response pipe synchronously, so the thread's buffer is free again before any await.
        return Json(response, t_buffer!.WrittenSpan, head);
    }

    private static Task Json(HttpResponse response, ReadOnlySpan<byte> body, bool head)
    {
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        if (head)
        {
            return Task.CompletedTask;
        }

        response.BodyWriter.Write(body);
        var flush = response.BodyWriter.FlushAsync();
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }

    internal static void WriteNullable(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    internal static ReadOnlySpan<byte> StateName(HealthState state) => state switch
    {
        HealthState.Healthy => "Healthy"u8,
        HealthState.Unhealthy => "Unhealthy"u8,
        _ => "Unknown"u8,
    };

    internal static ReadOnlySpan<byte> KindName(ResourceKind kind) => kind switch
    {
        ResourceKind.Storage => "Storage"u8,
        ResourceKind.Cache => "Cache"u8,
        ResourceKind.Auth => "Auth"u8,
        ResourceKind.Container => "Container"u8,
        _ => "Metadata"u8,
    };
}
