using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Router.Health.Configuration;
using Router.Health.Evaluation;
using Router.Health.Monitoring;

namespace Router.Health.Http;

/// <summary>
/// The health endpoints of the contract, answered from the monitor's snapshot (no probing on the request path):
/// <c>GET|HEAD /health/registries/{name}</c> (200 / 503 / 404), <c>/health/registries</c> (the batch document,
/// <see cref="BatchEndpoint"/>), <c>/health/live</c> and <c>/health/resources</c>.
/// One request delegate, no routing middleware: the path is matched by hand and the registry looked up by span.
/// </summary>
/// <param name="monitor">The monitor whose snapshot is served.</param>
/// <param name="batch">The batch document's endpoint; by default one without logging that never sees a server stop.</param>
internal sealed class HealthEndpoints(HealthMonitor monitor, BatchEndpoint? batch = null)
{
    private readonly BatchEndpoint _batch = batch ?? new BatchEndpoint(monitor, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);

    public const string RegistriesPrefix = "/health/registries/";
    public const string LivePath = "/health/live";
    public const string ResourcesPath = "/health/resources";

    // Relaxed escaping keeps reasons readable ("storage 'sa-1'", not \u0027); the body is JSON, never HTML.
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Encoder = EncodedResource.Encoder };
    private static readonly byte[] LiveBody = "{\"status\":\"Healthy\"}"u8.ToArray();

    private const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>Names longer than this (in UTF-8) take the escaping path, which allocates.</summary>
    internal const int MaxStackNameBytes = 512;

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

        if (path == BatchEndpoint.Path)
        {
            return _batch.HandleAsync(context, head);
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
    /// pick each dependency's reading and size the body (<see cref="EncodedVerdict.Read"/>), one to copy bytes into
    /// the response. Allocates nothing unless the registry's name needs escaping.
    /// </summary>
    private Task Verdict(HttpResponse response, HealthSnapshot snapshot, int index, long utcTicks, bool head)
    {
        Span<byte> nameScratch = stackalloc byte[MaxStackNameBytes];
        var name = EncodedVerdict.EncodeName(snapshot.Topology.Registries[index].Name, nameScratch);
        var region = snapshot.RegionJson;

        // Pass 1: the readings, what they do to the verdict, and the body's length.
        var verdict = EncodedVerdict.Read(snapshot, index, utcTicks);
        bool healthy = verdict.Status != HealthState.Unhealthy;
        monitor.Metrics.RegistryAnswered(healthy, verdict.FailOpen);
        response.StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        var status = healthy ? HealthyStatusPart : UnhealthyStatusPart;
        var failOpenPart = verdict.FailOpen ? FailOpenTruePart : FailOpenFalsePart;
        int length = RegistryPart.Length + name.Length + RegionPart.Length + region.Length + status.Length + failOpenPart.Length
            + (verdict.HasReason ? verdict.ReasonLength + 2 : NullLiteral.Length)
            + verdict.DegradedZonesLength
            + DependenciesPart.Length + verdict.DependenciesLength + EndPart.Length;
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
        EncodedVerdict.Append(body, ref at, RegistryPart);
        EncodedVerdict.Append(body, ref at, name);
        EncodedVerdict.Append(body, ref at, RegionPart);
        EncodedVerdict.Append(body, ref at, region);
        EncodedVerdict.Append(body, ref at, status);
        EncodedVerdict.Append(body, ref at, failOpenPart);
        if (verdict.HasReason)
        {
            body[at++] = (byte)'"';
            verdict.WriteReason(body, ref at);
            body[at++] = (byte)'"';
        }
        else
        {
            EncodedVerdict.Append(body, ref at, NullLiteral);
        }

        verdict.WriteDegradedZones(body, ref at);
        EncodedVerdict.Append(body, ref at, DependenciesPart);
        verdict.WriteDependencies(body, ref at);
        EncodedVerdict.Append(body, ref at, EndPart);
        Debug.Assert(at == length, "the body's length was computed from the same parts");
        writer.Advance(length);
        var flush = writer.FlushAsync();
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
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
            var health = snapshot.States[i];
            var view = RegistryEvaluator.View(resource, i, health, snapshot.StaleAfter, now);
            writer.WriteStartObject();
            writer.WriteString("id"u8, resource.Id);
            writer.WriteString("kind"u8, KindName(resource.Kind));
            writer.WriteString("check"u8, string.Join(',', resource.Probes.Select(p => p.Check.Type).Distinct()));
            WriteState(writer, health, view.EffectiveState, view.Stale);
            writer.WriteNumber("dependents"u8, snapshot.Dependents[i].Length);
            if (resource.IsPool)
            {
                // Every instance, as it counts now: Unknown when its data is stale.
                writer.WriteNumber("minHealthy"u8, resource.MinHealthy);
                writer.WriteStartArray("zones"u8);
                for (int j = 0; j < resource.Probes.Length; j++)
                {
                    var zone = health.Zones![j];
                    var zoneView = RegistryEvaluator.View(resource.Kind, i, zone, snapshot.StaleAfter, now);
                    writer.WriteStartObject();
                    writer.WriteString("zone"u8, resource.Probes[j].Zone);
                    writer.WriteString("check"u8, resource.Probes[j].Check.Type);
                    WriteState(writer, zone, zoneView.EffectiveState, zoneView.Stale);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        return End(response, head);
    }

    /// <summary>A resource's or an instance's state, streaks and last result, for <c>/health/resources</c>.</summary>
    private static void WriteState(Utf8JsonWriter writer, ResourceHealth health, HealthState effectiveState, bool stale)
    {
        writer.WriteString("state"u8, StateName(effectiveState));
        writer.WriteBoolean("stale"u8, stale);
        writer.WriteString("since"u8, health.Since);
        writer.WriteNumber("consecutiveFailures"u8, health.ConsecutiveFailures);
        writer.WriteNumber("consecutiveSuccesses"u8, health.ConsecutiveSuccesses);
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
